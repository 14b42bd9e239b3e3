"""A feed with many items: a scheduled run fetches at most `max_new_posts` new posts.

The newest come first; the rest are named in a log line and fetched by the next runs.
`--backfill` is not capped.
"""

from __future__ import annotations

from conftest import run_monitor
from fixtures.crawl_site import crawl_config, db, post_paths, simple_site


def _posts(dbp) -> set[str]:
    with db(dbp) as conn:
        return {r[0] for r in conn.execute("SELECT url FROM pages WHERE kind='post'")}


def test_scheduled_runs_fetch_at_most_max_new_posts_and_backfill_all(tmp_path, serve):
    site = simple_site(75, per_page=10, feed_items=75)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)  # max_new_posts: the default, 50
    dbp = tmp_path / "monitor.db"
    newest_first = [p.path("dated") for p in site.ordered()]

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert sorted(post_paths(srv)) == sorted(newest_first[:50])
    assert "25 new posts left for the next run" in r.stderr
    assert "WARNING" in next(ln for ln in r.stderr.splitlines() if "left for the next" in ln)
    assert srv.hits("/page/2/") == 0  # no point listing further

    srv.clear_log()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert sorted(post_paths(srv)) == sorted(newest_first[50:])
    assert "left for the next run" not in r.stderr
    assert len(_posts(dbp)) == 75

    # a backfill into another archive fetches everything in one run
    other = tmp_path / "other"
    other.mkdir()
    cfg2 = crawl_config(other / "config.toml", srv)
    srv.clear_log()
    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg2)
    assert r.returncode == 0, r.stderr
    assert len(set(post_paths(srv))) == 75
    assert len(_posts(other / "monitor.db")) == 75
    assert "left for the next run" not in r.stderr


def test_max_new_posts_is_a_per_source_setting(tmp_path, serve):
    site = simple_site(12, per_page=10, feed_items=12)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, source_extra={"max_new_posts": 5})
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(post_paths(srv)) == 5
    assert "7 new posts left for the next run (max_new_posts = 5" in r.stderr


def test_extract_of_a_url_is_capped_by_max_page_size(tmp_path, serve):
    site = simple_site(1)
    site.extra["/big/"] = ("text/html", b"<html><body>" + b"x" * 300_000 + b"</body></html>")
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, crawl={"max_page_size": "100KB"})
    r = run_monitor("extract", "--source", "prisoners_defenders", srv.base_url + "/big/",
                    config=cfg)
    assert r.returncode == 1
    assert "larger than crawl.max_page_size (100000 bytes)" in r.stderr
    assert r.stdout == ""
    # a page under the cap is read as before
    post = site.posts[0].path("dated")
    r = run_monitor("extract", "--source", "prisoners_defenders", srv.base_url + post,
                    config=cfg)
    assert r.returncode == 0, r.stderr
