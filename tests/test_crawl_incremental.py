"""Incremental crawling: a no-change recheck costs a few 304s and writes no page rows."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from conftest import run_monitor
from fixtures.crawl_site import (
    add_post,
    crawl_config,
    db,
    last_run,
    page_rows,
    post_paths,
    simple_site,
)


def _counts(path) -> dict[str, int]:
    with db(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("pages", "observations", "figures", "events", "notifications")}


def test_no_change_recheck_revalidates_and_writes_no_page_rows(tmp_path, serve):
    site = simple_site(12)
    srv = serve(site)
    # the Scrapy crawl's own revalidation (the start-URL probe is tests/test_probe.py)
    cfg = crawl_config(tmp_path / "config.toml", srv, source_extra={"full_crawl_every": "0s"})
    dbp = tmp_path / "monitor.db"

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    backfill = last_run(dbp)
    assert backfill["pages_changed"] == 12 + 1 + 3  # posts, feed, 3 listing pages
    before_pages, before_counts = page_rows(dbp), _counts(dbp)
    srv.clear_log()

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    # only robots.txt, the feed and the first listing were asked for, and all were 304
    assert sorted(p for p, _s, _n in srv.requests) == ["/", "/feed/", "/robots.txt"]
    assert {s for _p, s, _n in srv.requests} == {304}
    assert post_paths(srv) == []
    # nothing but the run row was written: pages untouched (not even last_fetched)
    assert page_rows(dbp) == before_pages
    assert _counts(dbp) == before_counts
    run = last_run(dbp)
    assert run["outcome"] == "ok"
    assert run["requests"] == 3
    assert json.loads(run["responses"]) == {"304": 3}
    assert run["revalidations"] == 3
    assert run["pages_fetched"] == 0 and run["pages_changed"] == 0
    assert run["bytes_received"] < 0.02 * backfill["bytes_received"]
    assert run["duration"] is not None and run["crawl_max_rss_kb"] > 0


def test_new_post_fetched_alone_and_backfill_revalidates_everything(tmp_path, serve):
    site = simple_site(12)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    dbp = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0

    new = add_post(site, "nota-nueva", dt.date(2021, 3, 5))
    srv.clear_log()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    # the new post is the only post fetched; the known post below it stops pagination
    assert post_paths(srv) == [new.path("dated")]
    assert srv.hits("/page/2/") == 0
    assert last_run(dbp)["pages_changed"] == 3  # new post, feed, first listing

    # --backfill asks for every post again, but unchanged ones come back 304
    site.posts[0].content = "<p>Texto corregido.</p>"
    posts_before = {r[0]: r for r in page_rows(dbp) if r[1] == "post"}
    srv.clear_log()
    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    post_hits = [(p, s) for p, s, _n in srv.requests if p in set(post_paths(srv))]
    assert len(post_hits) == 13
    assert [p for p, s in post_hits if s == 200] == [site.posts[0].path("dated")]
    posts_after = {r[0]: r for r in page_rows(dbp) if r[1] == "post"}
    rewritten = [u for u in posts_after if posts_after[u] != posts_before[u]]
    assert rewritten == [srv.base_url + site.posts[0].path("dated")]
    run = last_run(dbp)
    # the edited post plus the listing pages the new post shifted (2 and 3)
    assert run["pages_changed"] == 3 and run["pages_fetched"] == 3
    assert run["revalidations"] >= 12 + 2


def test_cache_without_archive_still_stores_every_page(tmp_path, serve):
    """The HTTP cache only saves bandwidth: a fresh archive beside an old cache is filled."""
    site = simple_site(7)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    dbp = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0
    assert (tmp_path / "httpcache" / "prisoners_defenders").is_dir()
    first = {(u, k, h) for u, k, _f, _c, h, _s, _e in page_rows(dbp)}
    for f in tmp_path.glob("monitor.db*"):
        f.unlink()

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert {(u, k, h) for u, k, _f, _c, h, _s, _e in page_rows(dbp)} == first
    assert last_run(dbp)["revalidations"] >= 7
    shutil.rmtree(tmp_path / "httpcache")
