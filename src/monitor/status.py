"""`monitor status`: per source last run, newest period, failures, next run; a health check.

Exit status 1 when any enabled source is failing, stale, overdue, has runs that could not
be recorded (disk full) or alerts undelivered for longer than notify.alerts_undelivered_after,
so it can serve as a health check (systemd, cron, a monitoring agent); 0 otherwise. It
only reads (so it never waits behind a crawl's write transaction), and the daemon lock is
inspected through /proc/locks, never taken.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from monitor import archive, clock, diff, unrecorded
from monitor.config import Config, SourceConfig
from monitor.lock import daemon_lock, holder
from monitor.output import write_rows

COLUMNS = ["source", "state", "last_run", "last_outcome", "last_error", "newest_period",
           "consecutive_failures", "next_run", "undelivered_alerts"]
UNHEALTHY = ("failing", "unrecorded", "stale", "overdue", "alerts undelivered")
UNDELIVERED = ("pending", "undelivered")  # not yet accepted by a target (or none configured)
OVERDUE_SLACK = 600  # seconds past due (beyond jitter and run_timeout) before "overdue"


def source_row(conn: sqlite3.Connection, src: SourceConfig, now: dt.datetime,
               cfg_notify: dict | None = None, notes: dict | None = None) -> list:
    """One status row; `state` is the worst of failing > unrecorded > stale > overdue >
    alerts undelivered > alerts uncertain > retrying > ok.

    `unrecorded`: the newest runs could not be written at all (disk full; see
    monitor.unrecorded). `alerts undelivered`: a message of the source has waited longer
    than notify.alerts_undelivered_after (a wrong SMTP password, no target configured).
    `alerts uncertain`: the newest message may not have arrived (see README).
    """
    cfg_notify = cfg_notify or {}
    from monitor.scheduler import last_runs, next_run

    last, _ok, failures = last_runs(conn, src.name)
    st = archive.runs.stored_state(conn, src.name) or {
        "failing": 0, "stale": 0, "last_new_period_at": None}
    newest = diff.newest_period(conn, src.name)  # never a period its page cannot describe
    alerts = archive.notifications.source_summary(conn, src.name)
    pending, oldest, uncertain = alerts["pending"], alerts["oldest"], alerts["uncertain"]
    late_alerts = bool(oldest and (now - clock.parse_ts(oldest)).total_seconds()
                       >= cfg_notify.get("alerts_undelivered_after", 3600))
    lost = (notes or {}).get(src.name)
    if lost and last is not None and lost.get("at", "") < last["started"]:
        lost = None
    due = next_run(conn, src, now) if src.enabled else None
    stale = bool(st["stale"]) or bool(
        st["last_new_period_at"] and (now - clock.parse_ts(st["last_new_period_at"]))
        .total_seconds() >= src.stale_after)
    overdue = bool(due and last is not None and (now - due).total_seconds()
                   > (src.jitter or 0) + (src.run_timeout or 0) + OVERDUE_SLACK)
    if not src.enabled:
        state = "disabled"
    elif lost:
        state = "unrecorded"
    elif last is None:
        state = "never run"
    elif st["failing"]:
        state = "failing"
    elif stale:
        state = "stale"
    elif overdue:
        state = "overdue"
    elif late_alerts:
        state = "alerts undelivered"
    elif uncertain:
        state = "alerts uncertain"
    elif last["outcome"] != "ok":
        state = "retrying"
    else:
        state = "ok"
    if lost:
        return [src.name, state, lost.get("at"), "failed (not recorded)", lost.get("error"),
                newest, failures, clock.stamp(max(due, now)) if due else None, pending]
    return [src.name, state, last["started"] if last else None,
            last["outcome"] if last else None, last["error"] if last else None, newest,
            failures, clock.stamp(max(due, now)) if due else None, pending]


def show_status(cfg: Config, fmt: str) -> int:
    conn = archive.connect(cfg.db_path, create=False)  # read-only where it cannot write
    notes = unrecorded.read(cfg.db_path)
    try:
        now = clock.utcnow().replace(microsecond=0)
        rows = [source_row(conn, src, now, cfg.notify, notes) for src in cfg.sources.values()]
        counts = archive.notifications.counts(conn)
    finally:
        conn.close()
    write_rows(COLUMNS, rows, fmt)
    if fmt == "table":
        pid = holder(daemon_lock(cfg.db_path))
        total = counts.get("pending", 0) + counts.get("undelivered", 0)
        print(f"undelivered alerts: {total}")
        if counts.get("undelivered"):
            print(f"  {counts['undelivered']} kept because no target is configured: set "
                  "notify.urls or $MONITOR_NOTIFY_URLS; they go out at the next crawl or "
                  "daemon start")
        if counts.get("uncertain"):
            print(f"uncertain deliveries: {counts['uncertain']} (may or may not have arrived; "
                  "see `monitor query \"SELECT id, target, title, last_error FROM "
                  "notifications WHERE status='uncertain'\"`)")
        print(f"daemon: running (pid {pid})" if pid else "daemon: not running")
    return 1 if any(r[1] in UNHEALTHY for r in rows) else 0
