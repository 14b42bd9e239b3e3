"""`monitor daemon` with real processes: schedule, signals, crashes, hangs, the daemon lock.

Every daemon here is a real `python -m monitor daemon` process (or, for the import check,
the same code path in a fresh interpreter) crawling a loopback fixture site. Child
processes inherit a marker variable, so a test can find any process left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from itertools import pairwise
from pathlib import Path

from conftest import run_monitor, write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site

FAST = '[schedule]\ninterval = "{interval}"\njitter = "0s"\nrun_timeout = "{timeout}"\n'


def pd_site(*periods: tuple[str, int]) -> Site:
    site = Site("Prisoners Defenders", style="dated")
    for period, total in periods or (("2025-09", 1187),):
        site.add(report_post(period, {"political_prisoners_total": total}))
    return site


def ocdh_site() -> Site:
    site = Site("OCDH", style="slug")
    site.add(report_post("2025-09", {"political_prisoners_total": 1}))
    return site


class Daemon:
    """A `monitor daemon` subprocess; stderr goes to a file the test can read."""

    def __init__(self, tmp: Path, cfg: Path, *args: str, env: dict | None = None,
                 argv: list[str] | None = None) -> None:
        self.mark = uuid.uuid4().hex
        self.log = tmp / f"daemon-{self.mark[:8]}.log"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        full_env.update(env or {})
        full_env["DAEMON_TEST_MARK"] = self.mark
        cmd = argv or [sys.executable, "-m", "monitor", "--config", str(cfg), "daemon", *args]
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err,
                                         stdin=subprocess.DEVNULL, env=full_env, text=True)

    @property
    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout=timeout)

    def processes(self) -> list[int]:
        """Live processes carrying this daemon's marker (the daemon, crawls, Scrapy)."""
        found = []
        needle = f"DAEMON_TEST_MARK={self.mark}".encode()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                environ = Path(f"/proc/{name}/environ").read_bytes()
                state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if needle in environ.split(b"\0") and state != "Z":
                found.append(int(name))
        return found

    def kill_all(self) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)

    def cleanup(self) -> None:
        """Kill whatever is left, orphans included (a failed test must not leak them)."""
        self.kill_all()


def wait_for(cond, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # not migrated yet
        return []
    finally:
        conn.close()


def runs(db: Path, source: str | None = None) -> list[tuple]:
    sql = "SELECT source, started, outcome, error FROM runs"
    if source:
        return rows(db, sql + " WHERE source=? ORDER BY id", (source,))
    return rows(db, sql + " ORDER BY id")


def ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


# Runs the real `monitor daemon` code path in a fresh interpreter, then reports which
# modules that interpreter loaded: the daemon must never import Scrapy (or lxml/bs4).
MODULES_PROBE = """
import json, sys
from monitor.cli import main
rc = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
sys.exit(rc)
"""


def test_daemon_runs_each_source_on_schedule_without_importing_scrapy(tmp_path, serve):
    pd, ocdh = serve(pd_site()), serve(ocdh_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": pd, "ocdh": ocdh},
                       extra=FAST.format(interval="2s", timeout="30s"))
    db = tmp_path / "monitor.db"
    modules = tmp_path / "modules.json"
    d = Daemon(tmp_path, cfg, argv=[sys.executable, "-c", MODULES_PROBE, str(modules),
                                    "--config", str(cfg), "--log-format", "json", "daemon"])
    try:
        t0 = time.monotonic()
        wait_for(lambda: all(len(runs(db, s)) >= 2 for s in ("prisoners_defenders", "ocdh")),
                 timeout=60, what="two runs of each source")
        elapsed = time.monotonic() - t0
        d.signal(signal.SIGTERM)
        assert d.wait() == 0, d.stderr
    finally:
        d.cleanup()
    for source in ("prisoners_defenders", "ocdh"):
        done = runs(db, source)
        assert [r[2] for r in done] == ["ok"] * len(done), d.stderr
        starts = [ts(r[1]) for r in done]
        # each next run waits the interval after the previous run started, no more often
        assert all((b - a).total_seconds() >= 2 for a, b in pairwise(starts)), starts
        assert len(done) <= elapsed / 2 + 3
    assert rows(db, "SELECT COUNT(*) FROM runs WHERE outcome NOT IN ('ok', 'failed')") == [(0,)]
    # one INFO line per run, its figures as JSON fields (from the crawl child's log)
    logged = [json.loads(line) for line in d.stderr.splitlines() if line.startswith("{")]
    per_run = [r for r in logged if "pages_fetched" in r]
    assert len(per_run) == len(runs(db))
    assert {r["source"] for r in per_run} == {"prisoners_defenders", "ocdh"}
    for r in per_run:
        assert r["level"] == "info" and r["outcome"] == "ok"
        assert {"pages_changed", "figures", "events", "duration", "time"} <= set(r)
    assert any(r["message"].startswith("daemon started") for r in logged)
    loaded = {m.split(".")[0] for m in json.loads(modules.read_text())}
    assert "monitor" in loaded and "apscheduler" in loaded
    assert not loaded & {"scrapy", "twisted", "lxml", "bs4"}, loaded & {"scrapy", "lxml"}
    assert d.processes() == []


def test_sigterm_lets_a_running_crawl_finish_and_delivers_it(tmp_path, serve, webhook):
    srv = serve(pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url], extra=FAST.format(interval="1h", timeout="30s"))
    db = tmp_path / "monitor.db"
    d = Daemon(tmp_path, cfg, env={"MONITOR_TEST_PAUSE_BEFORE_COMMIT": "2"})
    try:
        wait_for(lambda: "not committed" in d.stderr, what="the crawl to reach its commit")
        d.signal(signal.SIGTERM)
        assert d.wait() == 0, d.stderr
    finally:
        d.cleanup()
    assert [(r[0], r[2]) for r in runs(db)] == [("prisoners_defenders", "ok")], d.stderr
    assert rows(db, "SELECT value FROM figures WHERE metric='political_prisoners_total'") == [
        (1187,)]
    assert rows(db, "SELECT status FROM notifications") == [("sent",)]
    assert len(webhook.received) == 1
    assert d.processes() == []


def test_sigterm_after_the_commit_delivers_what_was_committed(tmp_path, serve, webhook):
    srv = serve(pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url], extra=FAST.format(interval="1h", timeout="30s"))
    db = tmp_path / "monitor.db"
    # the crawl committed its run, then stalls before sending: the grace runs out, the
    # crawl is stopped, and the daemon sends the committed alert itself on the way out
    d = Daemon(tmp_path, cfg, "--grace", "1s",
               env={"MONITOR_TEST_PAUSE_BEFORE_DELIVERY": "60"})
    try:
        wait_for(lambda: "alerts not yet sent" in d.stderr, what="the commit")
        d.signal(signal.SIGTERM)
        assert d.wait(timeout=30) == 0, d.stderr
    finally:
        d.cleanup()
    assert [r[2] for r in runs(db)] == ["ok"]
    assert rows(db, "SELECT status FROM notifications") == [("sent",)]
    assert len(webhook.received) == 1 and "1,187" in webhook.received[0]["title"]
    assert d.processes() == []


def test_sigterm_stops_a_hung_crawl_after_grace_leaving_nothing(tmp_path, serve):
    site = pd_site()
    site.hang = True
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       extra=FAST.format(interval="1h", timeout="60s"))
    db = tmp_path / "monitor.db"
    d = Daemon(tmp_path, cfg, "--grace", "1s")
    try:
        # the Scrapy grandchild is running (in a session of its own) and waiting on the site
        wait_for(lambda: any(b"monitor.crawl_child" in Path(f"/proc/{p}/cmdline").read_bytes()
                             for p in d.processes()), what="the Scrapy child")
        time.sleep(0.5)
        d.signal(signal.SIGTERM)
        assert d.wait(timeout=30) == 0, d.stderr
    finally:
        d.cleanup()
    assert "stopping it" in d.stderr
    assert runs(db) == []  # the run is absent, not half-stored
    assert rows(db, "SELECT COUNT(*) FROM pages") == [(0,)]
    assert d.processes() == []  # neither the crawl nor its Scrapy child survived


def test_second_signal_stops_at_once(tmp_path, serve):
    site = pd_site()
    site.hang = True
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       extra=FAST.format(interval="1h", timeout="60s"))
    d = Daemon(tmp_path, cfg)  # default grace: 60s
    try:
        wait_for(lambda: len(d.processes()) >= 3, what="daemon, crawl and Scrapy processes")
        d.signal(signal.SIGTERM)
        wait_for(lambda: "second signal stops at once" in d.stderr, what="the first signal")
        d.signal(signal.SIGINT)
        assert d.wait(timeout=10) == 0, d.stderr
        wait_for(lambda: d.processes() == [], timeout=5, what="every process to exit")
    finally:
        d.cleanup()
    assert runs(tmp_path / "monitor.db") == []


def test_sigkill_then_restart_catches_up_once_and_alerts_once(tmp_path, serve, webhook):
    srv = serve(pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url], extra=FAST.format(interval="1h", timeout="30s"))
    db = tmp_path / "monitor.db"
    # crash right after the run committed, before its alert went out: daemon and children
    d = Daemon(tmp_path, cfg, env={"MONITOR_TEST_PAUSE_BEFORE_DELIVERY": "30"})
    try:
        wait_for(lambda: "alerts not yet sent" in d.stderr, what="the commit")
        d.kill_all()
    finally:
        d.cleanup()
    assert [r[2] for r in runs(db)] == ["ok"]
    assert rows(db, "SELECT status FROM notifications") == [("pending",)]
    assert webhook.received == []

    # three hours of downtime with an hourly schedule: one catch-up run, not three
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE runs SET started=strftime('%Y-%m-%dT%H:%M:%SZ', started,"
                     " '-3 hours'), ended=strftime('%Y-%m-%dT%H:%M:%SZ', ended, '-3 hours')")
    conn.close()
    srv.site.add(report_post("2025-10", {"political_prisoners_total": 1190}))

    d2 = Daemon(tmp_path, cfg)  # the lock of the killed daemon does not stand in the way
    try:
        wait_for(lambda: len(runs(db)) == 2 and len(webhook.received) == 2, timeout=60,
                 what="the catch-up run and both alerts")
        time.sleep(2)  # room for a wrong extra run or a repeated alert
        d2.signal(signal.SIGTERM)
        assert d2.wait() == 0, d2.stderr
    finally:
        d2.cleanup()
    assert [r[2] for r in runs(db)] == ["ok", "ok"]
    titles = [m["title"] for m in webhook.received]
    assert len(titles) == 2 and len(set(titles)) == 2, titles
    assert "1,187" in titles[0] and "1,190" in titles[1]
    assert rows(db, "SELECT status, COUNT(*) FROM notifications GROUP BY status") == [("sent", 2)]


def test_hung_site_is_killed_then_failing_then_recovered(tmp_path, serve, webhook):
    site = pd_site()
    site.hang = True
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       notify_urls=[webhook.url],
                       extra=FAST.format(interval="1s", timeout="5s"))
    text = cfg.read_text().replace('timeout = "10s"', 'timeout = "60s"')
    cfg.write_text(text.replace("[sources.prisoners_defenders]\n",
                                "[sources.prisoners_defenders]\nfailing_after = 2\n"))
    db = tmp_path / "monitor.db"
    d = Daemon(tmp_path, cfg)
    try:
        wait_for(lambda: rows(db, "SELECT 1 FROM events WHERE kind='source_failing'"),
                 timeout=90, what="source_failing")
        assert [r[2] for r in runs(db)] == ["failed", "failed"]
        assert all("timed out" in r[3] for r in runs(db))
        wait_for(lambda: len(webhook.received) == 1, what="the failing alert")
        site.hang = False
        srv.httpd.hung.set()  # let the stuck requests go
        wait_for(lambda: rows(db, "SELECT 1 FROM events WHERE kind='source_recovered'"),
                 timeout=120, what="source_recovered")
        wait_for(lambda: len(webhook.received) >= 3, what="recovered and data alerts")
        d.signal(signal.SIGTERM)
        assert d.wait() == 0, d.stderr
    finally:
        d.cleanup()
    kinds = [r[0] for r in rows(db, "SELECT kind FROM events WHERE kind LIKE 'source_%'")]
    assert kinds == ["source_failing", "source_recovered"]
    titles = [m["title"].lower() for m in webhook.received]
    assert len(titles) == 3, titles
    assert "failing" in titles[0]
    assert sum("failing" in t for t in titles) == 1
    assert rows(db, "SELECT COUNT(*) FROM notifications WHERE status!='sent'") == [(0,)]
    assert d.processes() == []


def test_second_daemon_on_same_archive_exits_2(tmp_path):
    cfg = write_config(tmp_path / "config.toml", sites={})  # nothing to crawl: just the lock
    d = Daemon(tmp_path, cfg)
    try:
        wait_for(lambda: "daemon started" in d.stderr, what="the first daemon")
        r = run_monitor("daemon", config=cfg, timeout=30)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert "already running" in lines[0] and str(d.proc.pid) in lines[0]
        s = run_monitor("status", config=cfg)
        assert f"daemon: running (pid {d.proc.pid})" in s.stdout
        d.signal(signal.SIGINT)
        assert d.wait() == 0, d.stderr
    finally:
        d.cleanup()
    s = run_monitor("status", config=cfg)
    assert "daemon: not running" in s.stdout


def test_a_source_held_by_a_manual_crawl_is_put_off_not_lost(tmp_path, serve):
    from monitor.lock import source_lock

    srv = serve(pd_site())
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv},
                       extra=FAST.format(interval="2s", timeout="30s"))
    db = tmp_path / "monitor.db"
    held = source_lock(db, "prisoners_defenders").acquire()  # as `monitor crawl` would
    d = Daemon(tmp_path, cfg, "--grace", "0s")
    try:
        wait_for(lambda: "did not record a run" in d.stderr, what="the refused run")
        assert runs(db) == []
        held.release()
        wait_for(lambda: runs(db), what="the run once the source is free")
        d.signal(signal.SIGTERM)
        assert d.wait() == 0, d.stderr
    finally:
        held.release()
        d.cleanup()
    assert [r[2] for r in runs(db)][:1] == ["ok"]
    assert "already running" not in d.stderr
