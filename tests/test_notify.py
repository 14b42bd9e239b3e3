"""Delivery through failures and restarts, as a user runs it: `monitor crawl` and
`monitor notify --test` in subprocesses, a fixture site, SMTP and webhooks on loopback."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from conftest import Webhook, free_port, run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor import archive, notify
from monitor.config import load
from monitor.wpsite import Site


def _db_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _pd_site() -> Site:
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-08", {"political_prisoners_total": 1185}))
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    return site


def _kill_at_hook(config: Path, hook: str, *args: str) -> None:
    """Start `monitor crawl`, wait until it reaches the test-only pause `hook`, SIGKILL it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env[hook] = "60"
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config),
                             "crawl", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stderr], daemon=True).start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=60)
            seen.append(line)
            if f"test hook {hook}" in line:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, seen


def test_sigkill_before_commit_and_before_delivery_loses_and_repeats_nothing(
        tmp_path, serve, webhook):
    site = _pd_site()
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url])
    db = tmp_path / "monitor.db"

    # killed with the whole run written but not committed: none of it is kept
    _kill_at_hook(cfg, "MONITOR_TEST_PAUSE_BEFORE_COMMIT")
    for table in ("runs", "pages", "observations", "figures", "events", "notifications"):
        assert _db_rows(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert webhook.received == []

    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert [m["title"] for m in webhook.received] == [
        "Prisoners Defenders: 1,187 political prisoners in Cuba, September 2025"]
    assert _db_rows(db, "SELECT count(*) FROM events WHERE kind='new'"
                        " AND metric='political_prisoners_total'") == [(2,)]

    # killed after the commit, before delivery: the alert is pending and goes out next run
    site.add(report_post("2025-10", {"political_prisoners_total": 1190}))
    _kill_at_hook(cfg, "MONITOR_TEST_PAUSE_BEFORE_DELIVERY")
    assert len(webhook.received) == 1
    assert _db_rows(db, "SELECT status FROM notifications ORDER BY id") == [
        ("sent",), ("pending",)]
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(webhook.received) == 2
    assert "1,190" in webhook.received[1]["title"] and "October 2025" in webhook.received[1][
        "title"]
    assert _db_rows(db, "SELECT count(*) FROM events WHERE period='2025-10'"
                        " AND metric='political_prisoners_total'") == [(1,)]
    assert _db_rows(db, "SELECT status, attempts FROM notifications ORDER BY id") == [
        ("sent", 1), ("sent", 1)]
    conn = archive.connect(db)
    try:  # nothing is left to send, by a crawl or by the daemon
        assert notify.deliver_pending(conn, load(str(cfg), None)) == (0, 0)
    finally:
        conn.close()
    assert len(webhook.received) == 2


def test_smtp_down_during_crawl_then_up_delivers_exactly_once(tmp_path, serve, smtp):
    from aiosmtpd.controller import Controller

    srv = serve(_pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[smtp.url])
    db = tmp_path / "monitor.db"
    smtp.stop()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 1, r.stderr          # the crawl worked, the delivery did not
    assert "1 failed" in r.stderr
    [(status, attempts, error)] = _db_rows(db, "SELECT status, attempts, last_error"
                                               " FROM notifications")
    assert status == "pending" and attempts == 1 and "127.0.0.1" in error

    smtp.controller = Controller(smtp.mailbox, hostname="127.0.0.1", port=smtp.port)
    smtp.start()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    mails = smtp.mailbox.wait(1)
    assert len(mails) == 1
    assert mails[0]["Subject"] == ("Prisoners Defenders: 1,187 political prisoners in Cuba, "
                                   "September 2025")
    text = mails[0].get_body(("plain", "html")).get_content()
    assert "1,185" in text and "+2" in text
    assert _db_rows(db, "SELECT status, attempts FROM notifications") == [("sent", 2)]
    conn = archive.connect(db)
    try:
        assert notify.deliver_pending(conn, load(str(cfg), None)) == (0, 0)
    finally:
        conn.close()
    assert len(smtp.mailbox.wait(2, timeout=1)) == 1


def test_notify_test_reports_each_target_and_fails_on_404_or_refused(tmp_path, webhook, smtp):
    missing = Webhook()
    missing.fail_next, missing.fail_status = 99, 404
    try:
        refused = f"json://127.0.0.1:{free_port()}/hook"
        cfg = write_config(tmp_path / "config.toml", sites={},
                           notify_urls=[webhook.url, missing.url])
        r = run_monitor("notify", "--test", config=cfg,
                        env={"MONITOR_NOTIFY_URLS": f"{refused} {smtp.url}"})
        assert r.returncode == 1, r.stderr
        lines = r.stdout.strip().splitlines()
        assert len(lines) == 4
        by_port = {url.rsplit(":", 1)[1].split("/")[0].split("?")[0]: url
                   for url in (webhook.url, missing.url, refused, smtp.url)}
        status = {}
        for line in lines:
            port = next(p for p in by_port if f":{p}" in line)
            status[by_port[port]] = line.split()[0]
        assert status == {webhook.url: "ok", missing.url: "FAIL", refused: "FAIL",
                          smtp.url: "ok"}
        assert webhook.received[0]["title"] == "monitor: test alert"
        assert len(smtp.mailbox.wait(1)) == 1
        cfg = write_config(tmp_path / "config.toml", sites={}, notify_urls=[webhook.url],
                           language="es")
        r = run_monitor("notify", "--test", config=cfg)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("ok") and webhook.received[1]["title"] == (
            "monitor: mensaje de prueba")
    finally:
        missing.stop()


def test_secrets_never_reach_the_archive_logs_or_errors(tmp_path, serve, webhook):
    secret = "SECRETPASS"
    webhook.fail_next = 99
    hook_port = webhook.url.rsplit(":", 1)[1]
    urls = [f"json://user:{secret}@127.0.0.1:{free_port()}/hook",
            f"json://user:{secret}@127.0.0.1:{hook_port}"]
    srv = serve(_pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=urls[:1])
    env = {"MONITOR_NOTIFY_URLS": urls[1]}
    r = run_monitor("-vv", "crawl", config=cfg, env=env)
    assert r.returncode == 1
    assert webhook.attempts >= 1           # the 500 path was exercised, not only refusal
    r2 = run_monitor("notify", "--test", config=cfg, env=env)
    assert r2.returncode == 1
    for out in (r.stdout, r.stderr, r2.stdout, r2.stderr):
        assert secret not in out
    assert "****" in r2.stdout
    db = tmp_path / "monitor.db"
    errors = _db_rows(db, "SELECT target, last_error FROM notifications")
    assert len(errors) == 2 and all(e for _, e in errors)
    for path in tmp_path.iterdir():
        if path.name.startswith("monitor.db"):
            assert secret.encode() not in path.read_bytes(), path.name
    # a URL apprise cannot use is a config error naming where it came from, not the secret
    r3 = run_monitor("notify", "--test", config=cfg,
                     env={"MONITOR_NOTIFY_URLS": f"nosuch://user:{secret}@host/x"})
    assert r3.returncode == 2
    assert "$MONITOR_NOTIFY_URLS entry 1" in r3.stderr and secret not in r3.stderr
