"""How much of a page is read follows `crawl.max_page_size`: a page's markup is parsed up to
a fifth of it in characters (2,000,000 at the default 10MB), in a crawl and in
`monitor extract`, instead of a cut fixed in the code."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import run_monitor
from fixtures.crawl_site import crawl_config, db
from fixtures.pd_posts import report_post
from monitor import config
from monitor.wpsite import Post, Site, render_post

PD = "prisoners_defenders"
FILLER = "<p>" + "Texto de relleno sin cifras. " * 100 + "</p>\n"  # ~2,900 characters


def padded_report() -> Post:
    """A report whose new-prisoners sentence sits ~5,000 characters into the page (its total
    is in the title too, near the top)."""
    post = report_post("2025-09", {"political_prisoners_total": 1187,
                                   "new_political_prisoners": 14})
    return dataclasses.replace(post, content=FILLER + post.content)


def metrics(lines: str) -> set[str]:
    return {json.loads(line)["metric"] for line in lines.splitlines() if line.strip()}


@pytest.mark.parametrize(("size", "chars"), [("10MB", 2_000_000), ("1GB", 200_000_000),
                                             ("10KB", 2_000), ("1KB", 200)])
def test_the_parse_cut_is_a_fifth_of_max_page_size(tmp_path: Path, size: str,
                                                   chars: int) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[crawl]\nmax_page_size = "{size}"\n', encoding="utf-8")
    assert config.load(str(path), None).max_parse_chars == chars
    assert config.default_parse_chars() == 2_000_000


def test_monitor_extract_reads_as_far_as_the_config_says(tmp_path: Path) -> None:
    post = padded_report()
    site = Site("PD")
    site.add(post)
    page = tmp_path / "report.html"
    page.write_text(render_post(site, post, "http://127.0.0.1:9"), encoding="utf-8")
    url = "http://127.0.0.1:9" + post.path("dated")

    r = run_monitor("extract", "--source", PD, str(page), "--url", url, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert metrics(r.stdout) == {"political_prisoners_total", "new_political_prisoners"}
    assert "reading the first" not in r.stderr

    small = tmp_path / "small.toml"
    small.write_text('[crawl]\nmax_page_size = "10KB"\n', encoding="utf-8")
    r = run_monitor("extract", "--source", PD, str(page), "--url", url, config=small)
    assert r.returncode == 0, r.stderr
    assert "reading the first 2000" in r.stderr
    assert metrics(r.stdout) == {"political_prisoners_total"}  # the later sentence is cut


@pytest.mark.parametrize(("size", "want"), [
    ("1MB", {"political_prisoners_total", "new_political_prisoners"}),
    ("10KB", {"political_prisoners_total"}),   # the page (under 10KB) is read to 2,000
])
def test_a_crawl_parses_pages_as_far_as_the_config_says(tmp_path: Path, serve, size: str,
                                                        want: set[str]) -> None:
    site = Site("PD")
    site.add(padded_report())
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, crawl={"max_page_size": size})
    r = run_monitor("crawl", "--no-notify", config=cfg, timeout=240)
    assert r.returncode == 0, r.stderr
    with db(tmp_path / "monitor.db") as conn:
        got = {row[0] for row in conn.execute("SELECT metric FROM observations")}
        kinds = {row[0] for row in conn.execute("SELECT kind FROM pages")}
    assert "post" in kinds  # stored whole: the cut is only how far it is parsed
    assert got == want
