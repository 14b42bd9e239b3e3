"""Walking skeleton end to end: crawl a loopback site, store, alert by email and webhook."""

from __future__ import annotations

import sqlite3

from conftest import run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _figures(db):
    conn = sqlite3.connect(db)
    try:
        return {(r[0], r[1]): r[2] for r in conn.execute(
            "SELECT metric, period, value FROM figures WHERE source='prisoners_defenders'")}
    finally:
        conn.close()


def test_crawl_stores_figure_and_alerts_once(tmp_path, serve, smtp, webhook):
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-08", {"political_prisoners_total": 1185,
                                     "new_political_prisoners": 13}))
    site.add(report_post("2025-09", {"political_prisoners_total": 1187,
                                     "new_political_prisoners": 11}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[smtp.url, webhook.url])

    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    figs = _figures(tmp_path / "monitor.db")
    assert figs[("political_prisoners_total", "2025-09")] == 1187
    assert figs[("political_prisoners_total", "2025-08")] == 1185

    mails = smtp.mailbox.wait(1)
    assert len(mails) == 1
    post_url = srv.base_url + site.posts[1].path("dated")
    subject = mails[0]["Subject"]
    body = mails[0].get_body(("plain", "html")).get_content()
    assert "1,187" in subject and "September 2025" in subject
    assert post_url in body
    assert "1,185" in body  # the previous period's value, with the change
    assert len(webhook.received) == 1
    assert "1,187" in webhook.received[0]["title"]
    assert post_url in webhook.received[0]["message"]

    # nothing new: no figure changes, nothing is sent
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert _figures(tmp_path / "monitor.db") == figs
    assert len(smtp.mailbox.wait(2, timeout=1)) == 1
    assert len(webhook.received) == 1

    # a new month appears: exactly one new alert
    site.add(report_post("2025-10", {"political_prisoners_total": 1190}))
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    mails = smtp.mailbox.wait(2)
    assert len(mails) == 2
    assert "1,190" in mails[1]["Subject"] and "October 2025" in mails[1]["Subject"]
    assert len(webhook.received) == 2
    assert _figures(tmp_path / "monitor.db")[("political_prisoners_total", "2025-10")] == 1190


def test_unknown_config_key_is_exit_2_naming_it(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[crawl]\nuser_agnet = 'x'\n")
    r = run_monitor("status", config=cfg)
    assert r.returncode == 2
    assert "crawl.user_agnet" in r.stderr
    cfg.write_text("[schedule]\ninterval = '6 hours'\n")
    r = run_monitor("status", config=cfg)
    assert r.returncode == 2 and "schedule.interval" in r.stderr
    cfg.write_text("[crawl]\ndownload_delay = 'fast'\n")
    r = run_monitor("status", config=cfg)
    assert r.returncode == 2 and "crawl.download_delay" in r.stderr


def test_archive_has_every_table_wal_and_version(tmp_path, serve):
    site = Site("PD")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv})
    r = run_monitor("--db", str(tmp_path / "x" / "a.db"), "crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(tmp_path / "x" / "a.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"pages", "runs", "observations", "figures", "events", "notifications"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert not (tmp_path / "monitor.db").exists()  # --db overrides database.path
