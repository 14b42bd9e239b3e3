"""`monitor daemon`: schedule one `monitor crawl --source S` child per source.

The daemon only schedules. Each crawl runs as a separate process (which itself runs Scrapy
in a child), so a hung site, a leak or a crash never takes the daemon down, and the
daemon never imports Scrapy. Next runs are computed from the runs stored in SQLite, so a
restart after downtime catches up once instead of waiting a whole interval.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from monitor import archive
from monitor.config import Config, SourceConfig
from monitor.lock import daemon_lock

log = logging.getLogger("monitor.daemon")

SHUTDOWN_GRACE = 60  # seconds a running crawl may take to finish after SIGTERM
TICK = 60  # seconds between retries of pending alerts


def last_runs(conn: sqlite3.Connection, source: str) -> tuple[dict | None, dict | None, int]:
    """(last run, last successful run, consecutive failures) for a source."""
    last = conn.execute("SELECT * FROM runs WHERE source=? AND outcome!='running'"
                        " ORDER BY id DESC LIMIT 1", (source,)).fetchone()
    ok = conn.execute("SELECT * FROM runs WHERE source=? AND outcome='ok'"
                      " ORDER BY id DESC LIMIT 1", (source,)).fetchone()
    st = conn.execute("SELECT consecutive_failures FROM source_state WHERE source=?",
                      (source,)).fetchone()
    return (dict(last) if last else None, dict(ok) if ok else None,
            st[0] if st else 0)


def next_run(conn: sqlite3.Connection, src: SourceConfig,
             now: dt.datetime | None = None) -> dt.datetime:
    """When the source is next due: from the last successful run, sooner after a failure."""
    now = now or dt.datetime.now(dt.UTC)
    last, ok, failures = last_runs(conn, src.name)
    if last is None:
        return now
    if src.cron:
        from apscheduler.triggers.cron import CronTrigger

        base = archive.parse_ts(ok["started"]) if ok else now
        nxt = CronTrigger.from_crontab(src.cron, timezone=dt.UTC).get_next_fire_time(None, base)
        due = nxt or now
    else:
        base = archive.parse_ts(ok["started"]) if ok else archive.parse_ts(last["started"])
        due = base + dt.timedelta(seconds=src.interval or 0)
    if last["outcome"] == "failed":
        retry = archive.parse_ts(last["ended"] or last["started"]) + dt.timedelta(
            seconds=min(60 * 2 ** max(failures - 1, 0), src.interval or 3600))
        due = min(due, retry)
    return max(due, now) if due < now else due


class Daemon:
    def __init__(self, cfg: Config, args: argparse.Namespace) -> None:
        self.cfg = cfg
        self.args = args
        self.stop = threading.Event()
        self.children: dict[str, subprocess.Popen] = {}
        self.lock = threading.Lock()
        self.signals = 0

    def crawl_cmd(self, source: str) -> list[str]:
        cmd = [sys.executable, "-m", "monitor", "--db", str(self.cfg.db_path)]
        if self.cfg.path:
            cmd += ["--config", str(self.cfg.path)]
        if self.args.log_format == "json":
            cmd += ["--log-format", "json"]
        return [*cmd, "crawl", "--source", source]

    def run_source(self, src: SourceConfig) -> None:
        if self.stop.is_set():
            return
        from monitor.fetch import stop_process

        t0 = time.monotonic()
        proc = subprocess.Popen(self.crawl_cmd(src.name), stdin=subprocess.DEVNULL,
                                start_new_session=True)
        with self.lock:
            self.children[src.name] = proc
        try:
            limit = (src.run_timeout or 0) + 30 or None
            rc = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            log.error("%s: crawl exceeded %ss; stopping it", src.name, src.run_timeout)
            stop_process(proc)
            rc = proc.returncode
        finally:
            with self.lock:
                self.children.pop(src.name, None)
        log.info("%s: crawl finished with status %s in %.1fs", src.name, rc,
                 time.monotonic() - t0)

    def retry_alerts(self) -> None:
        from monitor import notify

        try:
            conn = archive.connect(self.cfg.db_path)
            try:
                pending = conn.execute(
                    "SELECT COUNT(*) FROM notifications WHERE status='pending'").fetchone()[0]
                if pending:
                    notify.deliver_pending(conn, self.cfg, honor_backoff=True)
            finally:
                conn.close()
        except Exception:
            log.exception("retrying pending alerts failed")

    def handle_signal(self, signum: int, _frame: object) -> None:
        self.signals += 1
        if self.signals == 1:
            log.info("received %s: stopping (a second signal stops at once)",
                     signal.Signals(signum).name)
            self.stop.set()
        else:
            log.warning("second signal: stopping running crawls now")
            with self.lock:
                for proc in self.children.values():
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            os._exit(1)

    def run(self) -> int:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.date import DateTrigger

        signal.signal(signal.SIGTERM, self.handle_signal)
        signal.signal(signal.SIGINT, self.handle_signal)
        sched = BackgroundScheduler(timezone=dt.UTC,
                                    job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": None})
        sched.start()
        sources = self.cfg.enabled_sources()
        log.info("daemon started for %s; archive %s", ", ".join(s.name for s in sources),
                 self.cfg.db_path)
        self.retry_alerts()

        def schedule(src: SourceConfig) -> None:
            conn = archive.connect(self.cfg.db_path)
            try:
                when = next_run(conn, src)
            finally:
                conn.close()
            if when > dt.datetime.now(dt.UTC) and src.jitter:
                when += dt.timedelta(seconds=random.uniform(0, src.jitter))
            log.info("%s: next run at %s", src.name, when.strftime("%Y-%m-%d %H:%M:%S UTC"))
            sched.add_job(job, DateTrigger(when), args=[src], id=src.name,
                          replace_existing=True)

        def job(src: SourceConfig) -> None:
            self.run_source(src)
            if not self.stop.is_set():
                schedule(src)

        for src in sources:
            schedule(src)
        last_tick = time.monotonic()
        while not self.stop.wait(1.0):
            if time.monotonic() - last_tick >= TICK:
                last_tick = time.monotonic()
                self.retry_alerts()
        sched.remove_all_jobs()
        deadline = time.monotonic() + SHUTDOWN_GRACE
        while self.children and time.monotonic() < deadline:
            time.sleep(0.2)
        with self.lock:
            leftover = list(self.children.values())
        for proc in leftover:
            from monitor.fetch import stop_process

            stop_process(proc)
        sched.shutdown(wait=True)
        self.retry_alerts()
        log.info("daemon stopped")
        return 0


def run_daemon(cfg: Config, args: argparse.Namespace) -> int:
    archive.connect(cfg.db_path).close()
    with daemon_lock(cfg.db_path):
        return Daemon(cfg, args).run()
