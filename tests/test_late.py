"""The publishing calendar: `late` once per missing month when day due_by_day of M+1 has
passed, cleared once when the month arrives; ops targets only. The clock is fixed with the
test-only $MONITOR_TEST_NOW in real `monitor crawl` subprocesses."""

from __future__ import annotations

import json

from conftest import Webhook, run_monitor
from fixtures.crawl_site import crawl_config, db
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _events(tmp_path) -> list[dict]:
    with db(tmp_path / "monitor.db") as conn:
        return [dict(r) for r in conn.execute(
            "SELECT kind, period, created, details FROM events WHERE kind='late' ORDER BY id")]


def test_late_once_per_missing_month_then_cleared_on_arrival(tmp_path, serve):
    ops, plain = Webhook(), Webhook()
    try:
        site = Site("Prisoners Defenders", style="dated")
        site.add(report_post("2025-09", {"political_prisoners_total": 1180}))
        site.add(report_post("2025-10", {"political_prisoners_total": 1185}))
        srv = serve(site)
        apprise_cfg = tmp_path / "apprise.yml"
        apprise_cfg.write_text(f"urls:\n  - {ops.url}:\n      tag: ops\n  - {plain.url}\n")
        cfg = crawl_config(tmp_path / "config.toml", srv)
        cfg.write_text(cfg.read_text() + f'\n[notify]\nconfig = "{apprise_cfg}"\n')

        def crawl(now: str) -> None:
            r = run_monitor("crawl", config=cfg, env={"MONITOR_TEST_NOW": now})
            assert r.returncode == 0, r.stderr

        crawl("2025-11-20T08:00")          # October's report is in; November's is due Dec 15
        assert len(ops.received) == len(plain.received) == 1  # the data alert
        crawl("2025-12-15T23:59")          # the due day has not passed yet
        assert _events(tmp_path) == []
        crawl("2025-12-16T06:00")
        [late] = _events(tmp_path)
        assert late["period"] == "2025-11" and late["created"] == "2025-12-16T06:00:00Z"
        assert json.loads(late["details"])["since"] == "2025-12-16T00:00:00Z"
        msg = ops.received[-1]
        assert msg["title"] == "monitor: Prisoners Defenders report for November 2025 is late"
        assert "due by day 15 of the next month" in msg["message"]
        assert "late since 2025-12-16 00:00 UTC" in msg["message"]
        assert "Newest period on file: October 2025" in msg["message"]
        assert len(plain.received) == 1  # operational alerts go to ops targets only

        crawl("2025-12-20T06:00")          # still missing: not said twice
        assert len(_events(tmp_path)) == 1 and len(ops.received) == 2
        crawl("2026-01-16T06:00")          # December is missing now too: its own alert
        assert [e["period"] for e in _events(tmp_path)] == ["2025-11", "2025-12"]
        assert ops.received[-1]["title"] == (
            "monitor: Prisoners Defenders report for December 2025 is late")

        site.add(report_post("2025-11", {"political_prisoners_total": 1190}))
        crawl("2026-01-17T06:00")
        evs = _events(tmp_path)
        assert [(e["period"], json.loads(e["details"])["state"]) for e in evs] == [
            ("2025-11", "late"), ("2025-12", "late"), ("2025-11", "cleared")]
        titles = [m["title"] for m in ops.received[-2:]]
        assert "monitor: Prisoners Defenders report for November 2025 has arrived" in titles
        assert any(t.startswith("Prisoners Defenders: 1,190") for t in titles)
        crawl("2026-01-18T06:00")          # cleared once
        assert len(_events(tmp_path)) == 3
        r = run_monitor("events", "--kind", "late", "--format", "json", config=cfg)
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    finally:
        ops.stop()
        plain.stop()


def test_due_by_day_from_config_and_a_first_crawl_is_never_late(tmp_path, serve, webhook):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-10", {"political_prisoners_total": 1185}))
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv,
                       source_extra={"due_by_day": 3, "late_grace": "1d"})
    cfg.write_text(cfg.read_text() + f'\n[notify]\nurls = ["{webhook.url}"]\n')
    # long after November's deadline, but the monitor was not watching then
    r = run_monitor("crawl", config=cfg, env={"MONITOR_TEST_NOW": "2025-12-10T00:00"})
    assert r.returncode == 0, r.stderr
    assert _events(tmp_path) == [] and len(webhook.received) == 1
    # December's report: due by Jan 3, plus one day of grace
    r = run_monitor("crawl", config=cfg, env={"MONITOR_TEST_NOW": "2026-01-04T12:00"})
    assert _events(tmp_path) == []
    r = run_monitor("crawl", config=cfg, env={"MONITOR_TEST_NOW": "2026-01-05T00:00"})
    assert r.returncode == 0, r.stderr
    assert [e["period"] for e in _events(tmp_path)] == ["2025-12"]
    assert webhook.received[-1]["title"].endswith("report for December 2025 is late")

    bad = tmp_path / "bad.toml"
    bad.write_text("[sources.ocdh]\ndue_by_day = 40\n")
    r = run_monitor("status", config=bad)
    assert r.returncode == 2 and "sources.ocdh.due_by_day" in r.stderr
