"""A torn HTTP-cache entry never confirms a wrong body, and never loses a post.

Scrapy writes a cache entry file by file, headers before body. A full disk (a real ENOSPC
on a small tmpfs here) or a kill between the writes leaves new validators next to an old
or empty body; the site then answers 304 to those validators, and the crawl must not take
the old or empty body for the page.
"""

from __future__ import annotations

import errno
import gzip
import os
import random
import string
import subprocess
import urllib.request
from pathlib import Path

import pytest

from conftest import run_monitor
from fixtures.crawl_site import crawl_config, db, last_run
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _site() -> tuple[Site, object]:
    site = Site("PD")
    post = site.add(report_post("2025-03", {"political_prisoners_total": 1120}))
    return site, post


def correct(post, old: str = "1.120", new: str = "1.125") -> None:
    """The organisation corrects its figure in place: same URL, new text everywhere."""
    post.content = post.content.replace(old, new)
    post.title = post.title.replace(old, new)
    post.subtitle = post.subtitle.replace(old, new)


def _figure(dbp: Path) -> int:
    with db(dbp) as conn:
        return conn.execute("SELECT value FROM figures WHERE metric='political_prisoners_total'"
                            " AND period='2025-03'").fetchone()[0]


def _revised(dbp: Path) -> list[tuple]:
    with db(dbp) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT old_value, new_value FROM events WHERE kind='revised'")]


def _entry(cache: Path, url: str) -> Path:
    """The cache folder Scrapy keeps for `url` (found by its `meta` file)."""
    for meta in cache.rglob("meta"):
        with gzip.open(meta, "rb") as fh:
            if repr(url).encode() in fh.read():
                return meta.parent
    raise AssertionError(f"no cache entry for {url}")


def _tear(entry: Path, etag: str, body: bytes | None) -> None:
    """What a kill between the header write and the body write leaves: the new response's
    headers (its new ETag) beside the old body (`body=None`) or a truncated, empty one."""
    with gzip.open(entry / "response_headers", "rb") as fh:
        lines = fh.read().split(b"\r\n")
    lines = [ln for ln in lines if not ln.lower().startswith(b"etag:")]
    lines.insert(0, b"ETag: " + etag.encode())
    with gzip.open(entry / "response_headers", "wb") as fh:
        fh.write(b"\r\n".join(lines))
    if body is not None:
        (entry / "response_body").write_bytes(body)


@pytest.mark.parametrize("torn_body", ["old", "empty"])
def test_kill_between_header_and_body_writes_does_not_hide_a_correction(
        tmp_path, serve, torn_body):
    site, post = _site()
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    dbp = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0
    assert _figure(dbp) == 1120

    correct(post)  # corrected in place, same URL
    url = srv.base_url + post.path("dated")
    with urllib.request.urlopen(url) as resp:  # the validator the site now gives
        etag = resp.headers["ETag"]
    entry = _entry(tmp_path / "httpcache", url)
    _tear(entry, etag, None if torn_body == "old" else b"")

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "incomplete or damaged" in r.stderr
    assert _figure(dbp) == 1125, r.stderr
    assert _revised(dbp) == [(1120, 1125)]
    with db(dbp) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pages WHERE kind='post' AND content_hash=?",
                            (__import__("hashlib").sha256(b"").hexdigest(),)
                            ).fetchone()[0] == 0
    if torn_body == "empty":
        return
    # the entry was rewritten whole: the next run revalidates it with a 304 again
    srv.clear_log()
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0
    assert (post.path("dated"), 304) in {(p, s) for p, s, _n in srv.requests}
    assert _figure(dbp) == 1125


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "cachefs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a real ENOSPC needs a small tmpfs, and mounting one needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path, leave: int) -> Path:
    """Fill the file system, then give back `leave` bytes: the next big write fails."""
    filler = mnt / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


def test_full_disk_under_the_http_cache_loses_no_post(tmp_path, serve, small_fs):
    site, post = _site()
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    dbp = tmp_path / "monitor.db"
    (small_fs / "httpcache").mkdir()
    (tmp_path / "httpcache").symlink_to(small_fs / "httpcache")
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0
    assert _figure(dbp) == 1120

    # a correction that also makes the page much bigger (incompressible text), on a disk
    # with 64 KB left: the new headers fit, the new body does not
    rnd = random.Random(7)
    pad = "".join(rnd.choice(string.ascii_letters) for _ in range(900_000))
    correct(post)
    post.content += f"\n<!-- {pad} -->"
    filler = _fill(small_fs, 64 * 1024)

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "No space left on device" in r.stderr  # said, not hidden
    run = last_run(dbp)
    assert run["errors"] == 0, r.stderr  # the page itself was read fine
    assert _figure(dbp) == 1125
    assert _revised(dbp) == [(1120, 1125)]

    # space comes back: the next runs neither lose the post nor store it empty
    filler.unlink()
    for _ in range(2):
        r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
        assert r.returncode == 0, r.stderr
        assert last_run(dbp)["errors"] == 0, r.stderr
    assert _figure(dbp) == 1125
    with db(dbp) as conn:
        sizes = [r[0] for r in conn.execute("SELECT length(html_z) FROM pages WHERE kind='post'")]
    assert sizes and min(sizes) > 1000
