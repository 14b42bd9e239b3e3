"""Scheduled runs against a loopback copy of the site: what a user sees in alerts and status.

- a wrong year in one report ("marzo de 2026" in a report published 2025-04-10) does not
  silence the real reports after it;
- an in-place correction of a recent report is seen by a scheduled run (revalidation);
- `reparse` is not a run of the site: it moves neither the schedule nor the state.
"""

from __future__ import annotations

import datetime as dt
import json

from conftest import run_monitor
from fixtures.crawl_site import crawl_config, db
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _report(period: str, total: int, published: dt.date | None = None):
    return report_post(period, {"political_prisoners_total": total}, published=published)


def _with_webhook(cfg, webhook) -> None:
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("[database]", f"[notify]\nurls = [\"{webhook.url}\"]\n\n"
                                              "[database]"), encoding="utf-8")


def test_a_report_with_a_wrong_year_does_not_silence_the_reports_after_it(
        tmp_path, serve, webhook):
    site = Site("PD")
    site.add(_report("2025-01", 1100))
    site.add(_report("2025-02", 1110))
    # the March report, published 2025-04-10, gets the year wrong: "marzo de 2026"
    site.add(_report("2026-03", 1120, published=dt.date(2025, 4, 10)))
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    _with_webhook(cfg, webhook)
    dbp = tmp_path / "monitor.db"
    r = run_monitor("crawl", "--backfill", config=cfg)
    assert r.returncode == 0, r.stderr
    data = [m for m in webhook.received if "political prisoners in Cuba" in m["title"]]
    assert len(data) == 1 and "February 2025" in data[0]["title"]
    # the wrong-year figure is dropped at extraction, so that page is a report without a
    # headline figure: an operator alert (extraction_gap), never a 2026-03 figure
    with db(dbp) as conn:
        assert not conn.execute("SELECT 1 FROM figures WHERE period > '2025-12'").fetchone()

    sent_before = len(webhook.received)
    for period, total, text in (("2025-04", 1140, "1,140"), ("2025-05", 1150, "1,150"),
                                ("2025-06", 1160, "1,160")):
        site.add(_report(period, total))
        r = run_monitor("crawl", config=cfg)
        assert r.returncode == 0, r.stderr
        with db(dbp) as conn:
            alert = conn.execute(
                "SELECT alert FROM events WHERE kind='new' AND period=? AND"
                " metric='political_prisoners_total'", (period,)).fetchone()
        assert alert is not None and alert[0] == 1, (period, r.stderr)
        assert len(webhook.received) == sent_before + 1, r.stderr
        sent_before += 1
        assert text in webhook.received[-1]["title"], webhook.received[-1]
    status = run_monitor("status", "--format", "json", config=cfg)
    row = next(json.loads(ln) for ln in status.stdout.splitlines()
               if json.loads(ln)["source"] == "prisoners_defenders")
    assert row["newest_period"] == "2025-06"


def test_scheduled_run_sees_an_in_place_correction_of_a_recent_report(tmp_path, serve, webhook):
    site = Site("PD")
    posts = {}
    for i, period in enumerate(["2024-10", "2024-11", "2024-12", "2025-01", "2025-02",
                                "2025-03"]):
        posts[period] = site.add(_report(period, 1060 + 10 * i))
    fixed = posts["2025-02"]
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    _with_webhook(cfg, webhook)
    dbp = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--backfill", config=cfg).returncode == 0
    sent = len(webhook.received)

    for attr in ("content", "title", "subtitle"):  # same URL, corrected text
        setattr(fixed, attr, getattr(fixed, attr).replace("1.100", "1.105"))
    srv.clear_log()
    r = run_monitor("crawl", config=cfg)  # a scheduled run, not a backfill
    assert r.returncode == 0, r.stderr
    with db(dbp) as conn:
        revised = [tuple(x) for x in conn.execute(
            "SELECT period, old_value, new_value FROM events WHERE kind='revised'")]
    assert revised == [("2025-02", 1100, 1105)], (r.stderr, srv.requests)
    assert len(webhook.received) == sent + 1
    assert "1,105" in webhook.received[-1]["message"]
    # the posts of the 3 newest periods were revalidated (conditional GETs), no older ones
    asked = {p: s for p, s, _n in srv.requests}
    assert asked[fixed.path("dated")] == 200
    assert asked[posts["2025-03"].path("dated")] == 304
    assert asked[posts["2025-01"].path("dated")] == 304
    for old in ("2024-10", "2024-11", "2024-12"):
        assert posts[old].path("dated") not in asked

    # revalidate_recent = 0 turns it off
    cfg.write_text(cfg.read_text().replace(
        "[sources.prisoners_defenders]", "[sources.prisoners_defenders]\nrevalidate_recent = 0"))
    srv.clear_log()
    assert run_monitor("crawl", config=cfg).returncode == 0
    assert fixed.path("dated") not in {p for p, _s, _n in srv.requests}


def _status(cfg) -> dict:
    r = run_monitor("status", "--format", "json", config=cfg)
    return next(json.loads(ln) for ln in r.stdout.splitlines()
                if json.loads(ln)["source"] == "prisoners_defenders")


def test_reparse_does_not_count_as_a_run_of_the_site(tmp_path, serve):
    site = Site("PD")
    site.add(_report("2025-01", 1100))
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, source_extra={"failing_after": 1})
    assert run_monitor("crawl", "--backfill", "--no-notify", config=cfg).returncode == 0
    site.status_override["/feed/"] = 500
    assert run_monitor("crawl", "--no-notify", config=cfg).returncode == 1
    before = _status(cfg)
    assert before["state"] == "failing" and before["last_outcome"] == "failed"

    r = run_monitor("reparse", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    after = _status(cfg)
    assert after["state"] == "failing"
    assert after["last_outcome"] == "failed"
    assert after["last_run"] == before["last_run"]
    assert after["next_run"] == before["next_run"]  # the 5-minute retry, not +6h
    assert after["consecutive_failures"] == 1
    with db(tmp_path / "monitor.db") as conn:
        assert [r[0] for r in conn.execute("SELECT outcome FROM runs ORDER BY id")] == [
            "ok", "failed", "reparse"]


def test_a_correction_in_the_body_only_is_seen_though_the_feed_did_not_change(
        tmp_path, serve, webhook):
    """The start-URL probe must not hide an in-place correction that leaves the feed and
    the listing as they were: it revalidates the recent posts too."""
    site = Site("PD")
    for p, t in (("2025-01", 1100), ("2025-02", 1110)):
        site.add(_report(p, t))
    fixed = site.add(report_post("2025-03", {"political_prisoners_total": 1120,
                                             "new_political_prisoners": 11}))
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv)
    _with_webhook(cfg, webhook)
    dbp = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--backfill", config=cfg).returncode == 0
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    with db(dbp) as conn:  # nothing changed: the probe ends the run, Scrapy never starts
        assert conn.execute("SELECT probe FROM runs ORDER BY id DESC").fetchone()[0] == 1
    sent = len(webhook.received)

    assert "se incorporaron 11 " in fixed.content
    # a body figure corrected at the same URL: title, feed and listing unchanged
    fixed.content = fixed.content.replace("se incorporaron 11 ", "se incorporaron 13 ")
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    with db(dbp) as conn:
        revised = [tuple(x) for x in conn.execute(
            "SELECT metric, period, old_value, new_value FROM events WHERE kind='revised'")]
        assert conn.execute("SELECT probe FROM runs ORDER BY id DESC").fetchone()[0] == 0
    assert revised == [("new_political_prisoners", "2025-03", 11, 13)], r.stderr
    assert len(webhook.received) == sent + 1 and "revised from 11 to 13" in \
        webhook.received[-1]["message"]
