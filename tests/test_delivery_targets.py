"""Targets as a new user sets them up (issue 12 points 1, 6, 10, 11, 12; issue 17 point 11):
no target yet, a wrong SMTP password, an IP-address mail server, secrets in webhook paths,
stored target keys, JSON log lines. Real subprocesses, aiosmtpd and webhooks on loopback."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import Webhook, free_port, run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site

PD = "prisoners_defenders"


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _status(cfg: Path) -> tuple[int, dict]:
    r = run_monitor("status", "--format", "json", config=cfg)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, {d["source"]: d for d in map(json.loads, r.stdout.splitlines())}


def _age(db: Path, hours: int) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE notifications SET created=strftime('%Y-%m-%dT%H:%M:%SZ', created,"
                     f" '-{hours} hours')")
    conn.close()


def _site() -> Site:
    site = Site("Prisoners Defenders", style="dated")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    return site


def test_no_target_keeps_the_alerts_and_sends_them_once_a_target_is_set(
        tmp_path, serve, webhook):
    srv = serve(_site())
    cfg = write_config(tmp_path / "config.toml", sites={PD: srv})
    db = tmp_path / "monitor.db"
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "no notification target configured" in r.stderr
    assert _rows(db, "SELECT status, target FROM notifications") == [
        ("undelivered", "(no target configured)")]
    rc, rows = _status(cfg)
    assert rc == 0 and rows[PD]["undelivered_alerts"] == 1
    text = run_monitor("status", config=cfg).stdout
    assert "undelivered alerts: 1" in text and "no target is configured" in text
    _age(db, 2)                      # nobody set a target for longer than the 1h default
    rc, rows = _status(cfg)
    assert rc == 1 and rows[PD]["state"] == "alerts undelivered"

    cfg = write_config(tmp_path / "config.toml", sites={PD: srv}, notify_urls=[webhook.url])
    r = run_monitor("crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "no notification target" not in r.stderr
    assert [m["title"] for m in webhook.received] == [
        "Prisoners Defenders: 1,187 political prisoners in Cuba, September 2025"]
    assert _rows(db, "SELECT status FROM notifications") == [("sent",)]
    assert run_monitor("crawl", config=cfg).returncode == 0
    assert len(webhook.received) == 1
    rc, rows = _status(cfg)
    assert rc == 0 and rows[PD]["state"] == "ok"


class _Auth:
    """aiosmtpd authenticator that accepts only user/right-password."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"user" and auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_smtp():
    from aiosmtpd.controller import Controller

    from conftest import Mailbox

    port = free_port()
    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=port, authenticator=_Auth(),
                     auth_require_tls=False, auth_required=True)
    ctl.start()
    yield port, box
    ctl.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_wrong_smtp_password_shows_the_server_reason_redacted_and_fails_the_health_check(
        tmp_path, serve, auth_smtp):
    port, box = auth_smtp
    secret = "Wr0ngPassw"
    url = (f"mailto://user:{secret}@127.0.0.1:{port}?from=monitor@example.org"
           "&to=alerts@example.org&secure=no")
    cfg = write_config(tmp_path / "config.toml", sites={PD: serve(_site())},
                       notify_urls=[url])
    r = run_monitor("notify", "--test", config=cfg)
    assert r.returncode == 1
    assert r.stdout.startswith("FAIL")
    assert "535" in r.stdout and "Authentication" in r.stdout   # the server's own words
    r2 = run_monitor("--log-format", "json", "crawl", config=cfg)
    assert r2.returncode == 1
    for out in (r.stdout, r.stderr, r2.stdout, r2.stderr):
        assert secret not in out and f"{secret[0]}...{secret[-1]}" not in out
    assert r.stdout.count("535") == 1                            # once, not twice
    db = tmp_path / "monitor.db"
    assert secret.encode() not in db.read_bytes()
    rc, rows = _status(cfg)
    assert rc == 0 and rows[PD]["undelivered_alerts"] == 1       # just failed: retrying
    _age(db, 2)
    rc, rows = _status(cfg)
    assert rc == 1 and rows[PD]["state"] == "alerts undelivered"
    assert box.messages == []


def test_a_mail_server_given_by_ip_without_from_says_to_set_from(tmp_path):
    cfg = write_config(tmp_path / "config.toml", sites={})
    r = run_monitor("notify", "--test", config=cfg,
                    env={"MONITOR_NOTIFY_URLS": f"mailto://127.0.0.1:{free_port()}"
                                                "?to=alerts@example.org"})
    assert r.returncode == 2
    assert "from=" in r.stderr and "IP address" in r.stderr


def test_secret_webhook_paths_are_redacted_and_keys_are_keyed_hashes(tmp_path, serve):
    token = "T0kenInThePath9"
    hook = Webhook()
    hook.fail_next = 99
    try:
        port = hook.url.rsplit(":", 1)[1].split("/")[0]
        urls = [f"json://127.0.0.1:{port}/hooks/{token}",
                f"json://127.0.0.1:{free_port()}/hooks/{token}x"]
        cfg = write_config(tmp_path / "config.toml", sites={PD: serve(_site())},
                           notify_urls=urls)
        outs = []
        for args in (("-vv", "crawl"), ("notify", "--test"), ("status",)):
            r = run_monitor(*args, config=cfg)
            outs += [r.stdout, r.stderr]
        assert hook.attempts >= 2
        for out in outs:
            assert token not in out and token[:-1] not in out
        assert "json://127.0.0.1:" in outs[2]
        db = tmp_path / "monitor.db"
        names = {t for (t,) in _rows(db, "SELECT target FROM notifications")}
        assert names == {f"json://127.0.0.1:{port}/****",
                         f"json://127.0.0.1:{urls[1].split(':')[2].split('/')[0]}/****"}
        keys = {k for (k,) in _rows(db, "SELECT target_key FROM notifications")}
        plain = {hashlib.sha256(u.encode()).hexdigest() for u in urls}
        assert len(keys) == 2 and not keys & plain        # not a guessable hash of the URL
        for path in tmp_path.iterdir():
            if path.name.startswith("monitor.db") and not path.name.endswith(".key"):
                data = path.read_bytes()
                assert token.encode() not in data, path.name
                assert not any(p.encode() in data for p in plain), path.name
        key_file = tmp_path / "monitor.db.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    finally:
        hook.stop()


def test_json_logs_every_stderr_line_and_the_alerts_line_names_the_source(
        tmp_path, serve, webhook):
    cfg = write_config(tmp_path / "config.toml", sites={PD: serve(_site())},
                       notify_urls=[webhook.url])
    r = run_monitor("--log-format", "json", "crawl", config=cfg)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stderr.splitlines()]   # every line is JSON
    [alerts] = [d for d in docs if d["message"].startswith(f"{PD}: alerts:")]
    assert alerts["message"] == f"{PD}: alerts: 1 delivered, 0 failed"
    assert (alerts["source"], alerts["delivered"], alerts["failed"]) == (PD, 1, 0)
    site = _site()
    site.add(report_post("2025-10", {"political_prisoners_total": 1190}))
    cfg = write_config(tmp_path / "config.toml", sites={PD: serve(site)},
                       notify_urls=[webhook.url])
    webhook.fail_next = 5
    r = run_monitor("--log-format", "json", "crawl", config=cfg)
    assert r.returncode == 1
    docs = [json.loads(line) for line in r.stderr.splitlines()]
    [alerts] = [d for d in docs if d["message"].startswith(f"{PD}: alerts:")]
    assert alerts["level"] == "warning"
    assert alerts["message"] == f"{PD}: alerts: 0 delivered, 1 failed (kept pending for retry)"


def test_daemon_warns_at_start_when_no_target_is_configured(tmp_path):
    from test_daemon import Daemon, wait_for

    cfg = write_config(tmp_path / "config.toml", sites={})
    d = Daemon(tmp_path, cfg)
    try:
        wait_for(lambda: "daemon started" in d.stderr, timeout=60, what="daemon start")
        wait_for(lambda: "no notification target configured" in d.stderr, timeout=30,
                 what="the no-target warning")
        d.signal()
        assert d.wait() == 0, d.stderr
    finally:
        d.cleanup()


def test_notify_test_reads_the_services_secrets_file_from_stdin(tmp_path, webhook):
    import os
    import subprocess
    import sys

    cfg = write_config(tmp_path / "config.toml", sites={})
    secrets = f"# as in /etc/monitor/secrets.env\nMONITOR_NOTIFY_URLS='{webhook.url}'\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    r = subprocess.run([sys.executable, "-m", "monitor", "--config", str(cfg), "notify",
                        "--test", "--env-file", "-"], input=secrets, capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok") and webhook.received[0]["title"] == "monitor: test alert"
    assert webhook.received[0]["message_id"].endswith("@monitor>")


@pytest.mark.parametrize("url, shown, hidden", [
    ("json://127.0.0.1:8080/hooks/S3cretT0ken", "json://127.0.0.1:8080/****", ["S3cretT0ken"]),
    ("json://user:pw12@127.0.0.1:8080/hook", "json://user:****@127.0.0.1:8080/****", ["pw12"]),
    ("ntfy://mytopicsecret", "ntfys://****", ["mytopicsecret"]),
    ("ntfy://ntfy.example.org/privatetopic", "ntfy://ntfy.example.org/****", ["privatetopic"]),
    ("tgram://123456:ABCDEFsecret/4567", "tgram://****/****", ["ABCDEFsecret", "A...t"]),
    ("mailtos://user:p%40ss%23w@smtp.example.org?from=a@b.org&to=team@d.org",
     "mailtos://user:****@smtp.example.org/team%40d.org", ["p@ss#w", "p%40ss%23w"]),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://****/****",
     ["TIiajkdnlazkcOXrIdevi7FQ", "T...Q"]),
])
def test_redacted_names_hide_passwords_tokens_paths_and_topics(url, shown, hidden):
    from monitor import notify

    t = notify.Target(url=url)
    t.name = notify._name(t)
    t.secrets = notify._secret_pieces(url, t.name)
    assert t.name == shown
    error = f"failed sending to {url}: server said no for " + " and ".join(hidden)
    for text in (t.name, notify.scrub(error, [t])):
        for piece in hidden:
            assert piece not in text
