"""Slow, dripping and interrupted deliveries (issue 17 points 1, 2 and 8): each message is
received once, or, when its fate is unknown, at most twice with one id and then shown as
`uncertain`; no send outlives notify.timeout. Real `monitor crawl` subprocesses, a real
SMTP server (aiosmtpd) and HTTP receivers on loopback, real signals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import free_port, run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


class SlowHook:
    """A json:// receiver that records each POST on arrival, then waits `delay` seconds
    before answering 200 (or drips its reply a byte a second when `drip`)."""

    def __init__(self, delay: float = 0.0, drip: bool = False) -> None:
        self.delay, self.drip = delay, drip
        self.received: list[dict] = []
        self.arrived = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append(json.loads(body or b"{}"))
                hook.arrived.set()
                try:
                    if hook.drip:
                        self.send_response(200)
                        self.send_header("Content-Length", "600")
                        self.end_headers()
                        for _ in range(600):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(1)
                        return
                    time.sleep(hook.delay)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_hook():
    hooks: list[SlowHook] = []

    def make(**kw) -> SlowHook:
        hooks.append(SlowHook(**kw))
        return hooks[-1]

    yield make
    for h in hooks:
        h.stop()


def _site() -> Site:
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    return site


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _config(tmp_path: Path, srv, urls: list[str], timeout: str | None = None) -> Path:
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=urls)
    if timeout:  # [notify] is already in the file: add the key to it
        cfg.write_text(cfg.read_text().replace("[notify]\n",
                                               f'[notify]\ntimeout = "{timeout}"\n'))
    return cfg


def test_webhook_answering_after_6s_receives_each_message_once(tmp_path, serve, slow_hook):
    hook = slow_hook(delay=6)
    cfg = _config(tmp_path, serve(_site()), [hook.url])
    db = tmp_path / "monitor.db"
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(hook.received) == 1
    [(status, attempts, msg_id)] = _rows(db, "SELECT status, attempts, message_id"
                                             " FROM notifications")
    assert (status, attempts) == ("sent", 1)
    assert hook.received[0]["message_id"] == msg_id and msg_id.endswith("@monitor>")
    assert run_monitor("crawl", config=cfg).returncode == 0  # a later crawl: nothing again
    assert len(hook.received) == 1


def test_timeout_after_sending_is_retried_once_with_the_same_id_then_uncertain(
        tmp_path, serve, slow_hook):
    hook = slow_hook(delay=6)
    cfg = _config(tmp_path, serve(_site()), [hook.url], timeout="2s")
    db = tmp_path / "monitor.db"
    t0 = time.monotonic()
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 1, r.stderr
    assert "uncertain" in r.stderr and "may have arrived" in r.stderr
    assert _rows(db, "SELECT status, attempts, uncertain_attempts FROM notifications") == [
        ("pending", 1, 1)]
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 1
    assert "marked uncertain, not sent again" in r.stderr
    assert time.monotonic() - t0 < 60   # each send stopped at notify.timeout
    assert _rows(db, "SELECT status, attempts, uncertain_attempts FROM notifications") == [
        ("uncertain", 2, 2)]
    assert run_monitor("crawl", config=cfg).returncode == 0   # never sent again
    assert len(hook.received) == 2      # at most twice, and both with one id
    assert hook.received[0]["message_id"] == hook.received[1]["message_id"]
    r = run_monitor("status", "--format", "json", config=cfg)
    pd = json.loads(r.stdout.splitlines()[0])
    assert pd["state"] == "alerts uncertain" and pd["undelivered_alerts"] == 0
    r = run_monitor("status", config=cfg)
    assert "uncertain deliveries: 1" in r.stdout


def test_a_dripping_webhook_does_not_keep_crawl_alive(tmp_path, serve, slow_hook):
    hook = slow_hook(drip=True)
    cfg = _config(tmp_path, serve(_site()), [hook.url], timeout="3s")
    t0 = time.monotonic()
    r = run_monitor("crawl", config=cfg, timeout=90)
    took = time.monotonic() - t0
    assert r.returncode == 1, r.stderr
    assert len(hook.received) == 1
    assert took < 45, took               # the drip lasts 600 s; the send ended at 3 s
    assert "within 3s" in r.stderr


class SlowMailbox:
    """aiosmtpd handler that holds the end of DATA for `delay` seconds before 250."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def test_smtp_slow_at_end_of_data_receives_the_message_once(tmp_path, serve):
    from aiosmtpd.controller import Controller

    box = SlowMailbox(delay=17)  # longer than apprise's own 15 s SMTP timeout
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        url = (f"mailto://127.0.0.1:{port}?from=monitor@example.org&to=alerts@example.org"
               f"&smtp=127.0.0.1&secure=no")
        cfg = _config(tmp_path, serve(_site()), [url])
        db = tmp_path / "monitor.db"
        r = run_monitor("crawl", config=cfg)
        assert r.returncode == 0, r.stderr
        assert run_monitor("crawl", config=cfg).returncode == 0
        assert len(box.messages) == 1
        [(status, msg_id)] = _rows(db, "SELECT status, message_id FROM notifications")
        assert status == "sent"
        assert box.messages[0]["Message-ID"] == msg_id
        assert len(box.messages[0].get_all("Message-ID")) == 1
    finally:
        ctl.stop()


def _crawl_until_delivering(cfg: Path, hook: SlowHook) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "crawl"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    assert hook.arrived.wait(90), "the crawl never reached the receiver"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])  # SIGINT = SIGTERM path
def test_signal_during_delivery_counts_as_uncertain_not_as_never_tried(
        tmp_path, serve, slow_hook, sig):
    hook = slow_hook(delay=120)          # holds the delivery: the message is on its way
    cfg = _config(tmp_path, serve(_site()), [hook.url])
    db = tmp_path / "monitor.db"
    proc = _crawl_until_delivering(cfg, hook)
    os.kill(proc.pid, sig)
    _out, err = proc.communicate(timeout=20)   # it stops now, not when the receiver answers
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, err
    [(status, attempts, started)] = _rows(db, "SELECT status, attempts, attempt_started"
                                              " FROM notifications")
    assert status == "pending" and attempts == 1   # tried, not "never tried"
    assert (started is None) == (sig != signal.SIGKILL)

    hook.delay = 0
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(hook.received) == 2                 # one retry, with the same id
    assert hook.received[0]["message_id"] == hook.received[1]["message_id"]
    assert _rows(db, "SELECT status, attempts, uncertain_attempts FROM notifications") == [
        ("sent", 2, 1)]
    assert run_monitor("crawl", config=cfg).returncode == 0
    assert len(hook.received) == 2
