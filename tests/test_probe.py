"""Probe first: a scheduled crawl whose start URLs are unchanged ends without starting Scrapy.

Real `monitor crawl` subprocesses against a fixture site on loopback, a real SMTP server,
the real archive; the server's request log is what the site saw.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys

import pytest

from conftest import SMTPServer, run_monitor
from fixtures.crawl_site import add_post, crawl_config, db, last_run, post_paths, simple_site

# `monitor ...` in-process, then the modules that interpreter had loaded
MODULES = """
import json, sys
from monitor.cli import main
rc = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
sys.exit(rc)
"""
HEAVY = {"scrapy", "twisted", "lxml", "bs4", "apprise"}


def crawl_loading(tmp_path, cfg, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    out = tmp_path / "modules.json"
    r = subprocess.run([sys.executable, "-c", MODULES, str(out), "--config", str(cfg),
                        "crawl", *args], capture_output=True, text=True, timeout=120)
    loaded = {m.split(".")[0] for m in json.loads(out.read_text())} if out.exists() else set()
    return r, loaded


def setup_site(tmp_path, serve, *, notify: str | None = None, **source_extra):
    site = simple_site(8)
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, source_extra=source_extra or None)
    if notify:
        with open(cfg, "a", encoding="utf-8") as fh:
            fh.write(f'\n[notify]\nurls = ["{notify}"]\n')
    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert last_run(tmp_path / "monitor.db")["probe"] == 0
    srv.clear_log()
    return site, srv, cfg, tmp_path / "monitor.db"


def test_no_change_check_skips_scrapy_imports_little_and_is_recorded(tmp_path, serve, smtp):
    _site, srv, cfg, dbp = setup_site(tmp_path, serve, notify=smtp.url)
    r, loaded = crawl_loading(tmp_path, cfg)
    assert r.returncode == 0, r.stderr
    assert not loaded & HEAVY, loaded & HEAVY
    # robots.txt (not cached yet), then the feed and the first listing, revalidated
    assert srv.requests[0][:2] == ("/robots.txt", 200)
    assert [(p, s) for p, s, _n in srv.requests[1:]] == [("/feed/", 304), ("/", 304)]
    run = last_run(dbp)
    assert (run["outcome"], run["probe"], run["pages_fetched"]) == ("ok", 1, 0)
    assert run["requests"] == 3 and run["revalidations"] == 2
    assert json.loads(run["responses"]) == {"200": 1, "304": 2}
    assert 0 < run["bytes_received"] < 2000
    # the same User-Agent as the spider's
    assert set(srv.user_agents) == {"monitor (+https://example.org/contact)"}
    assert smtp.messages == []

    # within 24 hours robots.txt comes from the archive: two requests, both 304
    srv.clear_log()
    r, loaded = crawl_loading(tmp_path, cfg)
    assert r.returncode == 0, r.stderr
    assert [(p, s) for p, s, _n in srv.requests] == [("/feed/", 304), ("/", 304)]
    assert last_run(dbp)["requests"] == 2
    with db(dbp) as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE probe=1").fetchone()[0] == 2


def test_a_new_post_starts_the_crawl_and_its_alert_goes_out(tmp_path, serve, smtp):
    site, srv, cfg, dbp = setup_site(tmp_path, serve, notify=smtp.url)
    add_post(site, "cifras-nuevas", dt.date(2021, 1, 20))
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert post_paths(srv) == ["/2021/01/20/cifras-nuevas/"]
    run = last_run(dbp)
    assert run["probe"] == 0 and run["outcome"] == "ok" and run["pages_changed"] >= 1
    # the probe stopped at the changed feed; its request is counted in the run
    assert run["requests"] == len(srv.requests)
    assert sum(json.loads(run["responses"]).values()) == len(srv.requests)
    # the crawl used the probe's answers: robots.txt and the feed were asked for once
    assert (srv.hits("/robots.txt"), srv.hits("/feed/")) == (1, 1)


def test_a_pending_alert_is_delivered_by_a_no_change_run(tmp_path, serve):
    mail = SMTPServer()  # port chosen, nothing listening yet: the first delivery fails
    try:
        site, srv, cfg, dbp = setup_site(tmp_path, serve, notify=mail.url)
        add_post(site, "otra-nota", dt.date(2021, 2, 20),
                 "<p>Prisoners Defenders contabiliza 1.100 presos políticos en Cuba en enero "
                 "de 2021.</p>")
        r = run_monitor("crawl", config=cfg)
        assert r.returncode == 1  # delivery failed, kept pending
        with db(dbp) as conn:
            pending = conn.execute(
                "SELECT count(*) FROM notifications WHERE status='pending'").fetchone()[0]
        assert pending >= 1
        mail.start()
        srv.clear_log()
        r, loaded = crawl_loading(tmp_path, cfg)
        assert r.returncode == 0, r.stderr
        assert last_run(dbp)["probe"] == 1
        # the recent post is only revalidated (revalidate_recent): a 304, no body
        assert {st for p, st, _n in srv.requests if p in post_paths(srv)} <= {304}
        assert len(mail.mailbox.wait(pending)) == pending
        assert "apprise" in loaded and not loaded & {"scrapy", "twisted", "lxml", "bs4"}
        with db(dbp) as conn:
            assert conn.execute("SELECT count(*) FROM notifications WHERE status='pending'"
                                ).fetchone()[0] == 0
    finally:
        mail.stop()


@pytest.mark.parametrize("status", [503, 500, 404])
def test_a_start_url_error_fails_the_run_without_scrapy(tmp_path, serve, status):
    site, srv, cfg, dbp = setup_site(tmp_path, serve)
    site.status_override["/feed/"] = status
    r, loaded = crawl_loading(tmp_path, cfg)
    assert r.returncode == 1
    assert not loaded & {"scrapy", "twisted"}
    run = last_run(dbp)
    assert (run["outcome"], run["probe"]) == ("failed", 1)
    assert f"HTTP {status}" in run["error"] and "/feed/" in run["error"]
    retried = 3 if status >= 500 else 1  # the spider's retries: 2 more for a 5xx
    assert srv.hits("/feed/") == retried
    assert srv.hits("/") == 0 and post_paths(srv) == []


def test_an_unreachable_start_url_fails_the_run(tmp_path, serve):
    _site, srv, cfg, dbp = setup_site(tmp_path, serve)
    srv.stop()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 1
    run = last_run(dbp)
    assert run["outcome"] == "failed" and run["probe"] == 1
    assert "start URL could not be fetched" in run["error"]


def test_listing_error_hands_over_to_the_crawl(tmp_path, serve):
    site, _srv, cfg, dbp = setup_site(tmp_path, serve)
    site.status_override["/"] = 500
    r = run_monitor("crawl", config=cfg)
    run = last_run(dbp)
    assert run["probe"] == 0, r.stderr  # the crawl ran and recorded the listing's error
    assert run["errors"] >= 1
    # the next run crawls too: the failed page must be retried
    del site.status_override["/"]
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert last_run(dbp)["probe"] == 0


def test_backfill_and_full_crawl_every_force_a_crawl(tmp_path, serve):
    _site, _srv, cfg, dbp = setup_site(tmp_path, serve)
    r = run_monitor("crawl", "--backfill", config=cfg)
    assert r.returncode == 0, r.stderr
    assert last_run(dbp)["probe"] == 0
    r = run_monitor("crawl", config=cfg)
    assert last_run(dbp)["probe"] == 1
    # the last full crawl is 8 days old: the default full_crawl_every (7d) is due
    with db(dbp) as conn:
        conn.execute("UPDATE runs SET started='2000-01-01T00:00:00Z' WHERE probe=0")
        conn.commit()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert last_run(dbp)["probe"] == 0
    assert last_run(dbp)["outcome"] == "ok"


def test_full_crawl_every_zero_crawls_every_time(tmp_path, serve):
    _site, _srv, cfg, dbp = setup_site(tmp_path, serve, full_crawl_every="0s")
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert last_run(dbp)["probe"] == 0


def test_same_content_without_validators_is_unchanged(tmp_path, serve):
    _site, _srv, cfg, dbp = setup_site(tmp_path, serve)
    with db(dbp) as conn:  # as if the server had sent no ETag / Last-Modified
        conn.execute("UPDATE pages SET etag=NULL, last_modified=NULL")
        conn.commit()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    run = last_run(dbp)
    assert run["probe"] == 1 and run["outcome"] == "ok"
    assert json.loads(run["responses"]) == {"200": 3}  # robots, feed, listing: full bodies
    assert run["revalidations"] == 0


def test_robots_txt_is_cached_a_day_then_obeyed(tmp_path, serve):
    site, srv, cfg, dbp = setup_site(tmp_path, serve)
    r = run_monitor("crawl", config=cfg)
    assert last_run(dbp)["probe"] == 1
    site.robots = "User-agent: *\nDisallow: /feed/\n"
    srv.clear_log()
    r = run_monitor("crawl", config=cfg)  # cached copy still fresh: not asked again
    assert srv.hits("/robots.txt") == 0 and last_run(dbp)["outcome"] == "ok"
    with db(dbp) as conn:
        conn.execute("UPDATE robots_txt SET fetched='2000-01-01T00:00:00Z'")
        conn.commit()
    srv.clear_log()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 1
    assert srv.hits("/robots.txt") == 1 and srv.hits("/feed/") == 0
    run = last_run(dbp)
    assert run["outcome"] == "failed" and "robots.txt" in run["error"]


def test_full_crawl_every_is_a_checked_duration(tmp_path):
    from monitor.config import ConfigError, build

    assert build({}, None).sources["ocdh"].full_crawl_every == 7 * 86400
    got = build({"sources": {"ocdh": {"full_crawl_every": "12h"}}}, None)
    assert got.sources["ocdh"].full_crawl_every == 12 * 3600
    with pytest.raises(ConfigError, match=r"sources\.ocdh\.full_crawl_every"):
        build({"sources": {"ocdh": {"full_crawl_every": "weekly"}}}, None)
    with pytest.raises(ConfigError, match=r"sources\.ocdh\.full_crawl_every"):
        build({"sources": {"ocdh": {"full_crawl_every": 7}}}, None)


def test_probe_runs_are_visible_in_sqlite(tmp_path, serve):
    _site, _srv, cfg, dbp = setup_site(tmp_path, serve)
    run_monitor("crawl", config=cfg)
    conn = sqlite3.connect(dbp)
    assert conn.execute("SELECT origin, http_status FROM robots_txt").fetchall() == [
        (_srv.base_url, 200)]


# -- the probe's answers are handed to the crawl: no request is made twice ----------------
def _report_site():
    from fixtures.pd_posts import report_post
    from monitor.wpsite import Site

    site = Site("PD")
    for period, total in (("2025-01", 1100), ("2025-02", 1110), ("2025-03", 1120)):
        site.add(report_post(period, {"political_prisoners_total": total,
                                      "new_political_prisoners": 11}))
    return site


def _new_report(site) -> None:
    from fixtures.pd_posts import report_post

    site.add(report_post("2025-04", {"political_prisoners_total": 1130}))


def _corrected_in_place(site) -> None:
    post = site.ordered()[0]  # the newest report: its feed and listing entries stay as they are
    assert "se incorporaron 11 " in post.content
    post.content = post.content.replace("se incorporaron 11 ", "se incorporaron 13 ")


@pytest.mark.parametrize("change", [_new_report, _corrected_in_place],
                         ids=["new post (feed changed)", "body corrected (feed 304)"])
def test_a_crawl_after_the_probe_asks_the_site_nothing_twice(tmp_path, serve, change):
    """The same change seen by a run with the probe and by one without it (full_crawl_every
    0s: the crawl as it was before the probe): the site sees the very same requests."""
    seen = {}
    for variant, extra in (("without probe", {"full_crawl_every": "0s"}), ("with probe", {})):
        site = _report_site()
        srv = serve(site)
        (tmp_path / variant).mkdir()
        cfg = crawl_config(tmp_path / variant / "config.toml", srv, source_extra=extra)
        dbp = cfg.parent / "monitor.db"
        for args in (("--backfill",), ()):  # a backfill, then a check that finds nothing
            r = run_monitor("crawl", "--no-notify", *args, config=cfg)
            assert r.returncode == 0, r.stderr
        assert last_run(dbp)["probe"] == (1 if variant == "with probe" else 0)
        change(site)
        srv.clear_log()
        r = run_monitor("crawl", "--no-notify", config=cfg)
        assert r.returncode == 0, r.stderr
        run = last_run(dbp)
        assert (run["outcome"], run["probe"]) == ("ok", 0), r.stderr
        assert run["pages_changed"] >= 1
        # the run's own count is what the site saw
        assert run["requests"] == len(srv.requests)
        assert sum(json.loads(run["responses"]).values()) == len(srv.requests)
        seen[variant] = sorted((p, s) for p, s, _n in srv.requests)
    assert seen["with probe"] == seen["without probe"]
    assert seen["with probe"].count(("/feed/", 200 if change is _new_report else 304)) == 1


def test_a_bad_notify_setting_stops_the_crawl_before_it_fetches(tmp_path, serve):
    """The notify targets are loaded while the crawl child starts; it fetches nothing
    until they are, so an unusable target stops the run before any page is asked for."""
    site, srv, cfg, dbp = setup_site(tmp_path, serve)
    add_post(site, "cifras-nuevas", dt.date(2021, 1, 20))
    runs_before = last_run(dbp)["id"]
    r = run_monitor("crawl", config=cfg, env={"MONITOR_NOTIFY_URLS": "nosuch://x/y"})
    assert r.returncode == 2, r.stderr
    assert "$MONITOR_NOTIFY_URLS entry 1" in r.stderr
    # only the probe's requests: robots.txt and the feed that changed
    assert [p for p, _s, _n in srv.requests] == ["/robots.txt", "/feed/"]
    assert last_run(dbp)["id"] == runs_before


def test_a_kept_alive_connection_the_server_closed_is_replaced_not_retried(tmp_path):
    """The probe keeps one connection per host; a server that closes it after an answer
    (an idle timeout) costs a new connection, not a failed attempt and a backoff."""
    import socket
    import threading

    from monitor.config import build
    from monitor.probe import Probe, _Client

    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _addr = lsock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    seen.append(data.split(b"\r\n", 1)[0])
                    # HTTP/1.1 without "Connection: close", then the socket is closed
                    conn.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n'
                                 b"Content-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        cfg = build({"crawl": {"download_delay": 0.0}}, None)
        result = Probe()
        client = _Client(cfg, cfg.sources["prisoners_defenders"], result)
        base = f"http://127.0.0.1:{lsock.getsockname()[1]}"
        try:
            for path in ("/feed/", "/", "/otra/"):
                assert client.get(base + path).status == 304
        finally:
            client.close()
        assert seen == [b"GET /feed/ HTTP/1.1", b"GET / HTTP/1.1", b"GET /otra/ HTTP/1.1"]
        # one request each: no failed attempt, no retry after a backoff
        assert (result.requests, result.responses) == (3, {"304": 3})
    finally:
        lsock.close()
