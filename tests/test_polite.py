"""Politeness and failure semantics: robots.txt, User-Agent, size cap, retries, no stale cache."""

from __future__ import annotations

import json

from conftest import run_monitor
from fixtures.crawl_site import add_post, crawl_config, db, last_run, post_paths, simple_site

UA = "monitor-test/1.0 (+mailto:ops@example.org)"


def test_robots_user_agent_and_page_size_limit(tmp_path, serve):
    site = simple_site(6)
    blocked = site.posts[2]
    site.robots = f"User-agent: *\nDisallow: {blocked.path('dated')}\n"
    big = add_post(site, "informe-enorme", site.posts[3].published,
                   "<p>" + "relleno " * 20000 + "</p>")  # ~160 KB
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv,
                       crawl={"user_agent": UA, "max_page_size": "50KB"})

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr  # a page that cannot be had is not a failed run
    assert srv.user_agents and set(srv.user_agents) == {UA}
    assert srv.hits("/robots.txt") == 1
    assert blocked.path("dated") not in post_paths(srv)
    with db(tmp_path / "monitor.db") as conn:
        urls = {r[0] for r in conn.execute("SELECT url FROM pages WHERE kind='post'")}
        run = dict(conn.execute("SELECT * FROM runs").fetchone())
    assert srv.base_url + blocked.path("dated") not in urls
    assert srv.base_url + big.path("dated") not in urls  # too big: not stored
    assert len(urls) == 5
    assert "informe-enorme" in r.stderr and "max_page_size" in r.stderr
    assert run["errors"] == 1


def test_retries_5xx_and_429_with_backoff(tmp_path, serve):
    site = simple_site(4)
    flaky = site.posts[1].path("dated")
    site.flaky = {flaky: [503, 502], "/feed/": [429]}
    site.retry_after = 0
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert [s for p, s, _n in srv.requests if p == flaky] == [503, 502, 200]
    assert [s for p, s, _n in srv.requests if p == "/feed/"] == [429, 200]
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "ok" and run["pages_changed"] == 4 + 2
    assert json.loads(run["responses"]) == {"200": 7, "429": 1, "502": 1, "503": 1}


def test_server_and_network_errors_are_never_answered_from_the_cache(tmp_path, serve):
    site = simple_site(3)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    assert run_monitor("crawl", "--no-notify", config=cfg).returncode == 0

    # the start URL (feed) now fails: the cached copy must not pass for a healthy site
    site.status_override["/feed/"] = 503
    srv.clear_log()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 1
    assert srv.hits("/feed/") == 3  # first try and two retries
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "failed" and "503" in run["error"]

    # a post that errors is counted, the run still succeeds
    del site.status_override["/feed/"]
    site.status_override[site.posts[0].path("dated")] = 500
    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "ok" and run["errors"] == 1

    # an unreachable site is a failed run, never one answered from the cache
    srv.stop()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 1
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "failed" and "start URL" in run["error"]


def test_timeouts_are_retried_then_fail_the_run(tmp_path, serve):
    site = simple_site(1)
    site.hang = True  # accepts connections, never answers
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv,
                       crawl={"timeout": "1s", "obey_robots": False})
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 1
    run = last_run(tmp_path / "monitor.db")
    assert run["outcome"] == "failed" and "start URL" in run["error"]
    assert "took longer than 1.0 seconds" in run["error"]
    assert run["requests"] == 3  # the first try and two retries
