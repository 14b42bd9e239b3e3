"""`monitor daemon`: run `monitor crawl --source S` as a child process on each source's schedule.

The daemon only schedules and delivers. Each crawl is a separate process (which runs
Scrapy in a child of its own), so a hung site, a leak or a crash never takes the daemon
down, and the daemon never imports Scrapy, lxml or bs4.

When a source is next due is computed from the `runs` table every time, never from
process start: after a restart or downtime a due source runs at once (one catch-up run,
not one per missed interval), and a failed run is retried sooner, with backoff.
`monitor status` uses the same function, so it shows the time the daemon will use.
"""

from __future__ import annotations

import contextlib
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
from dataclasses import dataclass

from monitor import archive, clock
from monitor.config import Config, SourceConfig
from monitor.lock import daemon_lock

log = logging.getLogger("monitor.daemon")

RETRY_BASE = 300  # first retry of a failed run after 5 min, doubling, never later than the schedule
TICK = 30  # seconds between retries of pending alerts (each alert keeps its own backoff)
STOP_GRACE = 5  # seconds a crawl process tree gets between SIGTERM and SIGKILL
# `monitor crawl` stops its own Scrapy child at run_timeout (and records a failed run);
# the daemon kills the whole tree only if the crawl process is still there this much later.
BACKSTOP = 120
MIN_GAP = 1.0  # never start a source twice within this many seconds, whatever the config


def last_runs(conn: sqlite3.Connection, source: str) -> tuple[dict | None, dict | None, int]:
    """(last finished run, last successful run, consecutive failures) for a source."""
    return archive.runs.last_runs(conn, source)


def retry_delay(failures: int, cap: float) -> float:
    """Seconds before retrying after `failures` consecutive failures: 5m, 10m, 20m... <= cap."""
    return max(0.0, min(RETRY_BASE * 2.0 ** max(failures - 1, 0), cap))


def jitter_offset(source: str, base: dt.datetime, jitter: int) -> float:
    """A random-looking delay in [0, jitter) that is the same for the same (source, base).

    Deterministic so that `monitor status` and the daemon agree on the next run time
    without sharing state, and a restart does not re-roll it.
    """
    if not jitter:
        return 0.0
    return random.Random(f"{source}@{clock.stamp(base)}").uniform(0, jitter)


def regular_after(src: SourceConfig, base: dt.datetime) -> dt.datetime:
    """The next scheduled slot after a run that started at `base` (interval or cron)."""
    if src.cron:
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger.from_crontab(src.cron, timezone=dt.UTC)
        # +1s: a run that started exactly on a fire time must not fire again at once
        nxt = trigger.get_next_fire_time(None, base + dt.timedelta(seconds=1))
        return nxt or base + dt.timedelta(days=366)
    return base + dt.timedelta(seconds=src.interval or 0)


def next_run(conn: sqlite3.Connection, src: SourceConfig,
             now: dt.datetime | None = None) -> dt.datetime:
    """When the source is due, from the runs stored in the archive (may be in the past).

    Never run: now. Last run ok: the next slot after its start, plus jitter. Last run
    failed: after a backoff counted from its end, but never later than the next slot.
    """
    now = now or clock.utcnow()
    last, _ok, failures = last_runs(conn, src.name)
    if last is None:
        return now
    if last["outcome"] == "ok":
        base = clock.parse_ts(last["started"])
        return regular_after(src, base) + dt.timedelta(
            seconds=jitter_offset(src.name, base, src.jitter or 0))
    ended = clock.parse_ts(last["ended"] or last["started"])
    slot = regular_after(src, ended)
    retry = ended + dt.timedelta(seconds=retry_delay(
        failures, (slot - ended).total_seconds()))
    return min(retry, slot)


@dataclass
class _Unrecorded:
    """Attempts that left no row in `runs` (source held elsewhere, killed): back off here."""

    count: int = 0
    not_before: dt.datetime | None = None


# -- process trees --------------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (from /proc; empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def _signal_tree(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)  # a group leader: take its whole group with it
            else:
                os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_tree(proc: subprocess.Popen, grace: float = STOP_GRACE, *,
              sig: int = signal.SIGTERM) -> None:
    """Stop a crawl process and everything under it, SIGTERM first, SIGKILL after `grace`.

    `monitor crawl` runs Scrapy in a session of its own, so killing the crawl's process
    group would orphan it: the descendants are collected before anything is signalled.
    The crawl process is signalled first, so it dies before it can record the loss of its
    child as a failed run: a stopped run is absent, never half-stored.
    """
    pids = [proc.pid, *descendants(proc.pid)]
    _signal_tree(pids, sig)
    start = time.monotonic()
    again = sig == signal.SIGTERM
    while time.monotonic() - start < grace:
        proc.poll()
        left = [p for p in pids if _alive(p)]
        if not left:
            break
        if again and time.monotonic() - start >= 1.0:
            # Scrapy's first SIGTERM waits for downloads in flight; a second stops it now
            _signal_tree(left, signal.SIGTERM)
            again = False
        time.sleep(0.05)
    proc.poll()
    left = [p for p in pids if _alive(p)]
    if left:
        _signal_tree(left, signal.SIGKILL)
    proc.wait()


# -- the daemon -----------------------------------------------------------------------------

class Daemon:
    def __init__(self, cfg: Config, *, grace: float = 60.0, child_args: list[str] | None = None,
                 tick: float = TICK) -> None:
        self.cfg = cfg
        self.grace = grace
        self.tick = tick
        self.child_args = child_args or []
        self.stopping = threading.Event()
        self.children: dict[str, subprocess.Popen] = {}
        self.unrecorded: dict[str, _Unrecorded] = {}
        self.lock = threading.RLock()  # RLock: the signal handler may interrupt a holder
        self.signals = 0
        self.sched = None

    def crawl_cmd(self, source: str) -> list[str]:
        cmd = [sys.executable, "-m", "monitor", "--db", str(self.cfg.db_path)]
        if self.cfg.path:
            cmd += ["--config", str(self.cfg.path)]
        return [*cmd, *self.child_args, "crawl", "--source", source]

    # scheduling

    def due(self, src: SourceConfig) -> dt.datetime:
        now = clock.utcnow()
        try:
            with contextlib.closing(archive.connect(self.cfg.db_path)) as conn:
                when = next_run(conn, src, now)
        except Exception:
            log.exception("%s: cannot read the archive to plan the next run; retrying in 60s",
                          src.name)
            when = now + dt.timedelta(seconds=60)
        held = self.unrecorded.get(src.name)
        if held and held.not_before and held.not_before > when:
            when = held.not_before
        return max(when, now)

    def plan(self, src: SourceConfig) -> None:
        if self.stopping.is_set() or self.sched is None:
            return
        from apscheduler.triggers.date import DateTrigger

        when = self.due(src)
        log.info("%s: next run at %s", src.name, clock.stamp(when),
                 extra={"source": src.name, "next_run": clock.stamp(when)})
        self.sched.add_job(self.run_source, DateTrigger(when), args=[src], id=src.name,
                           name=src.name, replace_existing=True)

    def _after_job(self, event: object) -> None:
        """Plan the next run once the executor has fully finished the last one."""
        src = self.cfg.sources.get(getattr(event, "job_id", ""))
        if src is not None:
            try:
                self.plan(src)
            except Exception:
                log.exception("%s: planning the next run failed", src.name)

    # one run

    def run_source(self, src: SourceConfig) -> None:
        try:
            self._run_source(src)
        except Exception:
            log.exception("%s: running the crawl failed", src.name)
            self._unrecorded(src, "daemon error")

    def _run_source(self, src: SourceConfig) -> None:
        t0 = time.monotonic()
        before = self._last_run_id(src)
        with self.lock:  # so a shutdown never misses a child started at the same moment
            if self.stopping.is_set():
                return
            try:
                proc = subprocess.Popen(self.crawl_cmd(src.name), stdin=subprocess.DEVNULL,
                                        start_new_session=True)
            except OSError as exc:
                self._unrecorded(src, f"cannot start the crawl process: {exc}")
                return
            self.children[src.name] = proc
        limit = src.run_timeout + STOP_GRACE + 10 + BACKSTOP if src.run_timeout else None
        try:
            rc = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            log.error("%s: crawl process still running %ds after run_timeout; killing it",
                      src.name, limit - src.run_timeout, extra={"source": src.name})
            stop_tree(proc)
            rc = proc.returncode
        finally:
            with self.lock:
                self.children.pop(src.name, None)
        log.debug("%s: crawl process exited %s after %.1fs", src.name, rc,
                  time.monotonic() - t0)
        # judged by the archive, not the exit status: a crawl that exits 1 before storing
        # anything (a full disk) must not be restarted in a tight loop either
        if before is not None and self._last_run_id(src) not in (None, before):
            self.unrecorded.pop(src.name, None)
            from monitor.publish import hook

            hook.after_run(self.cfg, src.name, before)  # [publish] dir: republish the site
        elif self.stopping.is_set():
            log.info("%s: crawl stopped for shutdown; nothing of it was stored", src.name,
                     extra={"source": src.name})
        else:
            why = {2: "source held by another process, or bad config"}.get(
                rc, f"exit status {rc}")
            self._unrecorded(src, why)

    def _last_run_id(self, src: SourceConfig) -> int | None:
        """Newest run id of the source (0: none yet), None if the archive cannot be read."""
        try:
            with contextlib.closing(archive.connect(self.cfg.db_path)) as conn:
                return archive.runs.newest_run_id(conn, src.name)
        except Exception:
            log.exception("%s: cannot read the archive", src.name)
            return None

    def _unrecorded(self, src: SourceConfig, why: str) -> None:
        held = self.unrecorded.setdefault(src.name, _Unrecorded())
        held.count += 1
        cap = src.interval if src.interval is not None else 3600
        delay = max(retry_delay(held.count, cap), MIN_GAP)
        held.not_before = clock.utcnow() + dt.timedelta(seconds=delay)
        log.warning("%s: crawl did not record a run (%s); retrying in %ds", src.name, why,
                    delay, extra={"source": src.name})

    # alerts

    def deliver(self, *, honor_backoff: bool = True) -> None:
        from monitor import notify

        try:
            with contextlib.closing(archive.connect(self.cfg.db_path)) as conn:
                pending = archive.notifications.waiting(conn)
                if pending:
                    sent, failed = notify.deliver_pending(conn, self.cfg,
                                                          honor_backoff=honor_backoff)
                    if sent or failed:
                        log.info("pending alerts: %d delivered, %d failed", sent, failed)
        except Exception:
            log.exception("retrying pending alerts failed")

    # signals and the main loop

    def handle_signal(self, signum: int, _frame: object) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        if self.signals == 1:
            log.info("received %s: no new runs; waiting up to %ds for running crawls "
                     "(a second signal stops at once)", name, self.grace)
            self.stopping.set()
            return
        log.warning("received %s again: stopping running crawls now", name)
        with self.lock:
            procs = list(self.children.values())
        for proc in procs:
            with contextlib.suppress(Exception):
                stop_tree(proc, 0, sig=signal.SIGKILL)
        logging.shutdown()
        os._exit(0)

    def run(self) -> int:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        signal.signal(signal.SIGTERM, self.handle_signal)
        signal.signal(signal.SIGINT, self.handle_signal)
        sources = self.cfg.enabled_sources()
        log.info("daemon started (pid %d) for %s; archive %s", os.getpid(),
                 ", ".join(s.name for s in sources) or "no enabled source", self.cfg.db_path)
        from monitor.notify import warn_if_no_target

        warn_if_no_target(self.cfg, "daemon")
        self.deliver(honor_backoff=False)  # a restart retries every pending alert once
        self.sched = BackgroundScheduler(
            timezone=dt.UTC,
            executors={"default": ThreadPoolExecutor(max(len(sources), 1))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self.sched.add_listener(self._after_job,
                                EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self.sched.start()
        for src in sources:
            self.plan(src)
        next_tick = time.monotonic() + self.tick
        while not self.stopping.wait(0.5):
            if time.monotonic() >= next_tick:
                self.deliver()
                next_tick = time.monotonic() + self.tick
        return self.shutdown()

    def shutdown(self) -> int:
        self.sched.shutdown(wait=False)  # no new runs; a running one keeps its thread
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline:
            with self.lock:
                if not self.children:
                    break
            time.sleep(0.1)
        with self.lock:
            left = dict(self.children)
        for name, proc in left.items():
            log.warning("%s: crawl still running after %ds; stopping it", name, self.grace,
                        extra={"source": name})
            stop_tree(proc)
        self.deliver()  # what the finished runs committed
        log.info("daemon stopped")
        return 0


def run_daemon(cfg: Config, *, grace: float = 60.0, child_args: list[str] | None = None,
               tick: float = TICK) -> int:
    """Hold the daemon lock for the archive (exit 2 via LockHeld if taken) and run."""
    with daemon_lock(cfg.db_path):
        archive.connect(cfg.db_path).close()  # create or migrate once, before any child does
        return Daemon(cfg, grace=grace, child_args=child_args, tick=tick).run()
