"""`monitor status`: per-source health in table/json/csv, and an exit status to alert on."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3

from conftest import run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site

COLUMNS = ["source", "state", "last_run", "last_outcome", "last_error", "newest_period",
           "consecutive_failures", "next_run", "undelivered_alerts"]


def status(cfg, fmt="json"):
    r = run_monitor("status", "--format", fmt, config=cfg)
    assert r.returncode in (0, 1), r.stderr
    if fmt == "json":
        return r.returncode, {d["source"]: d for d in map(json.loads, r.stdout.splitlines())}
    return r.returncode, r.stdout


def shift(db, sql):
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql)
    conn.close()


def test_status_of_a_healthy_source_and_the_next_run_with_jitter(tmp_path, serve, webhook):
    site = Site("PD")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url],
                       extra='[schedule]\ninterval = "6h"\njitter = "15m"\n')
    r = run_monitor("status", config=cfg)  # no archive yet: not healthy, nothing created
    assert r.returncode == 1 and "no archive at" in r.stderr
    assert not (tmp_path / "monitor.db").exists()
    from monitor import archive

    archive.connect(tmp_path / "monitor.db").close()
    rc, rows = status(cfg)
    assert rc == 0 and rows["prisoners_defenders"]["state"] == "never run"
    assert rows["ocdh"]["state"] == "disabled" and rows["ocdh"]["next_run"] is None

    assert run_monitor("crawl", config=cfg).returncode == 0
    rc, rows = status(cfg)
    pd = rows["prisoners_defenders"]
    assert rc == 0
    assert list(pd) == COLUMNS
    assert (pd["state"], pd["last_outcome"], pd["newest_period"], pd["consecutive_failures"],
            pd["undelivered_alerts"]) == ("ok", "ok", "2025-09", 0, 0)
    gap = (dt.datetime.fromisoformat(pd["next_run"]) - dt.datetime.fromisoformat(pd["last_run"]))
    assert dt.timedelta(hours=6) <= gap <= dt.timedelta(hours=6, minutes=15)
    assert status(cfg)[1]["prisoners_defenders"]["next_run"] == pd["next_run"]  # stable

    rc, text = status(cfg, "table")
    assert rc == 0
    assert "prisoners_defenders" in text and "2025-09" in text
    assert "undelivered alerts: 0" in text and "daemon: not running" in text
    rc, text = status(cfg, "csv")
    got = list(csv.DictReader(io.StringIO(text)))
    assert [r["source"] for r in got] == ["prisoners_defenders", "ocdh"]
    assert got[0]["state"] == "ok" and list(got[0]) == COLUMNS


def test_failing_source_is_exit_1_with_failures_and_undelivered_alerts(tmp_path, serve,
                                                                        webhook):
    srv = serve(Site("PD", status_override={"/feed/": 404}))  # the start URL is gone
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url])
    cfg.write_text(cfg.read_text().replace("[sources.prisoners_defenders]\n",
                                           "[sources.prisoners_defenders]\nfailing_after = 2\n"))
    webhook.fail_next = 100
    assert run_monitor("crawl", config=cfg).returncode == 1
    rc, rows = status(cfg)
    pd = rows["prisoners_defenders"]
    assert rc == 0  # one failure is not "failing" yet: it is retried sooner
    assert (pd["state"], pd["last_outcome"], pd["consecutive_failures"]) == (
        "retrying", "failed", 1)
    assert pd["last_error"]
    last = dt.datetime.fromisoformat(pd["last_run"])
    assert dt.datetime.fromisoformat(pd["next_run"]) - last < dt.timedelta(hours=1)

    assert run_monitor("crawl", config=cfg).returncode == 1
    rc, rows = status(cfg)
    pd = rows["prisoners_defenders"]
    assert rc == 1
    assert (pd["state"], pd["consecutive_failures"]) == ("failing", 2)
    assert pd["undelivered_alerts"] == 1  # the source_failing alert, kept pending
    rc, text = status(cfg, "table")
    assert rc == 1 and "failing" in text and "undelivered alerts: 1" in text


def test_stale_and_overdue_sources_are_exit_1(tmp_path, serve):
    site = Site("PD")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       extra='[schedule]\ninterval = "1h"\njitter = "0s"\n')
    db = tmp_path / "monitor.db"
    assert run_monitor("crawl", "--no-notify", config=cfg).returncode == 0
    assert status(cfg)[0] == 0

    # nothing ran for a day although the schedule says hourly: the daemon is not working
    shift(db, "UPDATE runs SET started=strftime('%Y-%m-%dT%H:%M:%SZ', started, '-1 day'),"
              " ended=strftime('%Y-%m-%dT%H:%M:%SZ', ended, '-1 day')")
    rc, rows = status(cfg)
    assert rc == 1 and rows["prisoners_defenders"]["state"] == "overdue"
    now = dt.datetime.now(dt.UTC)
    assert abs(dt.datetime.fromisoformat(rows["prisoners_defenders"]["next_run"]) - now) < \
        dt.timedelta(minutes=1)  # due now

    # no new period stored for longer than stale_after (45d by default)
    shift(db, "UPDATE source_state SET last_new_period_at="
              "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-50 days')")
    rc, rows = status(cfg)
    assert rc == 1 and rows["prisoners_defenders"]["state"] == "stale"
