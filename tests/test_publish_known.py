"""`monitor publish` on small archives of known contents: the arithmetic checks when the
`checks` table exists, an empty archive, and the [publish] config section."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import subprocess

import feedparser
import pytest
from lxml import etree

from fixtures.known_archive import make_archive
from monitor import archive
from monitor.cli import main
from monitor.config import ConfigError, build
from monitor.publish.feed import entry_id


def cli(*args: str) -> subprocess.CompletedProcess:
    """`monitor ARGS...` in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def publish(db, out, *args):
    r = cli("--db", str(db), "publish", str(out), *args)
    assert r.returncode == 0, r.stderr
    return r


def test_checks_are_shown_only_when_the_checks_table_exists(tmp_path):
    db = make_archive(tmp_path / "known.db")
    publish(db, tmp_path / "before")
    assert b'class="checks"' not in (tmp_path / "before/index.html").read_bytes()
    conn = sqlite3.connect(db)
    conn.executescript("""
        CREATE TABLE checks (source TEXT, "check" TEXT, period TEXT, holds INTEGER,
                             stated INTEGER, computed INTEGER, expression TEXT);
        INSERT INTO checks VALUES ('prisoners_defenders', 'monthly_balance', '2025-09', 1,
                                   1187, 1187, '1185 + 11 - 9 = 1187');
        INSERT INTO checks VALUES ('prisoners_defenders', 'categories_sum', '2025-09', 0,
                                   1187, 1190, '800 + 300 + 90 = 1190');
        INSERT INTO checks VALUES ('prisoners_defenders', 'monthly_balance', '2025-08', 0,
                                   1185, 1184, NULL);
        INSERT INTO checks VALUES ('prisoners_defenders', 'monthly_balance', '2025-07', 1,
                                   1180, 1180, NULL);
        INSERT INTO checks VALUES ('ocdh', 'actions_split', '2025-09', NULL, 438, NULL, NULL);
    """)
    conn.close()
    publish(db, tmp_path / "after")
    doc = etree.HTML((tmp_path / "after/index.html").read_bytes())
    rows = doc.xpath('//section[@id="prisoners_defenders"]//tr[contains(@class,"check")]')
    got = {(r.get("data-check"), r.get("data-period"), r.get("data-holds")) for r in rows}
    # the newest period's checks, and every failing one
    assert got == {("monthly_balance", "2025-09", "1"), ("categories_sum", "2025-09", "0"),
                   ("monthly_balance", "2025-08", "0")}
    (bad,) = [r for r in rows if r.get("data-check") == "categories_sum"]
    assert "fails" in bad.get("class")
    assert "1,190" in "".join(bad.itertext()) and "NO" in "".join(bad.itertext())
    assert "800 + 300 + 90 = 1190" in "".join(bad.itertext())
    assert "convicts + sentenced + other = total" in "".join(bad.itertext())  # in words
    (oc,) = doc.xpath('//section[@id="ocdh"]//tr[contains(@class,"check")]')
    assert oc.get("data-holds") == "" and "—" in "".join(oc.itertext())


def test_an_empty_archive_publishes_a_site_that_says_so(tmp_path):
    db = tmp_path / "empty.db"
    archive.connect(db).close()
    publish(db, tmp_path / "site")
    text = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "no figures yet" in text
    feed = feedparser.parse((tmp_path / "site/feed.atom").read_bytes())
    assert not feed.bozo and feed.entries == []
    assert (tmp_path / "site/data/events.csv").read_text() .startswith("id,created,")
    r = cli("--db", str(tmp_path / "missing.db"), "publish", str(tmp_path / "x"))
    assert r.returncode == 1 and "no archive" in r.stderr and not (tmp_path / "x").exists()


def test_a_revised_figure_keeps_its_old_entry_and_gets_a_new_one(tmp_path):
    db = make_archive(tmp_path / "known.db")
    publish(db, tmp_path / "site")
    feed = feedparser.parse((tmp_path / "site/feed.atom").read_bytes())
    ids = {e.id: e for e in feed.entries}
    old = entry_id("prisoners_defenders", "political_prisoners_total", "2025-08", 1183)
    new = entry_id("prisoners_defenders", "political_prisoners_total", "2025-08", 1185)
    assert ids[old].updated == "2025-09-12T06:00:00+00:00"
    assert ids[new].updated == "2025-09-20T06:00:00+00:00"
    assert ids[new].title == ("Prisoners Defenders: 1,185 political prisoners in Cuba, "
                              "August 2025 (revised from 1,183)")
    assert ids[entry_id("ocdh", "repressive_actions", "2025-09", 438)].title == (
        "OCDH: at least 438 repressive actions in Cuba, September 2025")
    # a yearly figure is labelled as one
    assert ids[entry_id("prisoners_defenders", "new_political_prisoners", "2024", 155)
               ].title == "Prisoners Defenders: 155 new political prisoners in the year, 2024"


@pytest.mark.parametrize("body, message", [
    ('[publish]\nlang = "fr"\n', "publish.lang"),
    ('[publish]\nbase_url = "example.org"\n', "publish.base_url"),
    ('[publish]\ndirectory = "site"\n', "publish.directory"),
    ('[publish]\ndir = 3\n', "publish.dir"),
])
def test_publish_config_is_validated(tmp_path, body, message):
    import tomllib

    with pytest.raises(ConfigError, match=message):
        build(tomllib.loads(body), tmp_path / "config.toml")


def test_publish_config_defaults_and_relative_dir(tmp_path):
    import tomllib

    cfg = build({}, None)
    assert cfg.publish == {"dir": "", "lang": "en", "base_url": ""}
    cfg = build(tomllib.loads('[publish]\ndir = "public"\nlang = "es"\n'),
                tmp_path / "config.toml")
    assert cfg.publish["dir"] == str(tmp_path / "public") and cfg.publish["lang"] == "es"
    # the command takes the configured language unless --lang says otherwise
    db = make_archive(tmp_path / "known.db")
    (tmp_path / "config.toml").write_text('[publish]\nlang = "es"\n', encoding="utf-8")
    r = cli("--config", str(tmp_path / "config.toml"), "--db", str(db), "publish",
                    str(tmp_path / "s"))
    assert r.returncode == 0 and "language es" in r.stdout
    assert '<html lang="es">' in (tmp_path / "s/index.html").read_text(encoding="utf-8")


def test_the_daemon_hook_publishes_only_after_a_run_that_stored_something(tmp_path):
    from monitor.publish import hook

    db = make_archive(tmp_path / "known.db")
    conn = archive.connect(db)
    for events in (0, 2, 0):
        archive.insert_run(conn, source="ocdh", started="2025-10-03T06:00:00Z",
                           ended="2025-10-03T06:01:00Z", outcome="ok", events=events)
    conn.close()
    (tmp_path / "config.toml").write_text('[publish]\ndir = "site"\n', encoding="utf-8")
    cfg = build({"publish": {"dir": "site"}}, tmp_path / "config.toml", str(db))
    hook.after_run(cfg, "ocdh", before=2)  # run 3 stored nothing
    assert not (tmp_path / "site").exists()
    hook.after_run(cfg, "prisoners_defenders", before=0)  # no run of that source
    assert not (tmp_path / "site").exists()
    hook.after_run(cfg, "ocdh", before=1)  # run 2 stored events
    assert (tmp_path / "site/index.html").exists()
    off = build({}, tmp_path / "config.toml", str(db))
    hook.after_run(off, "ocdh", before=0)  # no [publish] dir: nothing, not even a check


def test_a_reader_never_finds_the_site_missing_or_half_written(tmp_path):
    """Publishing two different archives in turn while another thread reads the site: every
    read finds a whole index.html and a data folder that matches its checksums."""
    import hashlib
    import threading

    from monitor.publish.build import publish as publish_site

    one = make_archive(tmp_path / "one.db")
    two = make_archive(tmp_path / "two.db")
    conn = archive.connect(two)
    conn.execute("UPDATE figures SET value = value + 1, last_changed = '2025-10-11T06:00:00Z'")
    conn.close()
    out = tmp_path / "site"
    publish(one, out)
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                text = (out / "index.html").read_text(encoding="utf-8")
                sums = (out / "data/SHA256SUMS").read_text(encoding="ascii")
            except OSError as exc:
                problems.append(f"missing: {exc}")
                continue
            if not text.endswith("</html>\n"):
                problems.append("index.html cut short")
            digest, name = sums.splitlines()[0].split("  ")
            try:
                body = (out / "data" / name).read_bytes()
            except OSError:
                continue  # swapped between the two reads: a new whole site, not a half one
            if hashlib.sha256(body).hexdigest() != digest and (out / "data/SHA256SUMS"
                                                               ).read_text() == sums:
                problems.append(f"{name} does not match the checksums beside it")
            reads += 1

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(12):
            db = two if i % 2 == 0 else one
            c = archive.connect(db)
            try:
                assert publish_site(c, out).changed
            finally:
                c.close()
    finally:
        stop.set()
        t.join(timeout=30)
    assert not problems, problems[:5]
    assert reads > 0


def test_names_that_are_not_file_names_never_leave_the_site_folder(tmp_path):
    db = make_archive(tmp_path / "known.db")
    conn = archive.connect(db)
    conn.execute("INSERT INTO figures (source, metric, period, value, first_seen, last_changed)"
                 " VALUES ('../../evil', 'x', '2025-09', 1, '2025-10-01T00:00:00Z',"
                 " '2025-10-01T00:00:00Z'), ('ocdh', '../../../pwn', '2025-09', 2,"
                 " '2025-10-01T00:00:00Z', '2025-10-01T00:00:00Z')")
    conn.close()
    publish(db, tmp_path / "out" / "site")
    assert {p.name for p in tmp_path.iterdir()} - {"known.db-shm", "known.db-wal"} == {
        "known.db", "out"}
    written = [p.relative_to(tmp_path / "out").as_posix()
               for p in (tmp_path / "out").rglob("*")]
    assert all(w.startswith(("site", ".site")) for w in written), written
    assert not any("evil" in w or "pwn" in w for w in written)
    # the other figures are all there
    assert (tmp_path / "out/site/series/ocdh/repressive_actions.html").exists()
