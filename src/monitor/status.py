"""`monitor status`: per source last run, newest period, failures, next run; a health check.

Exit status 1 when any enabled source is failing, stale or overdue, so it can serve as a
health check (systemd, cron, a monitoring agent); 0 otherwise. It only reads (so it never
waits behind a crawl's write transaction), and the daemon lock is inspected through
/proc/locks, never taken.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from monitor import archive
from monitor.config import Config, SourceConfig
from monitor.lock import daemon_lock, holder
from monitor.output import write_rows

COLUMNS = ["source", "state", "last_run", "last_outcome", "last_error", "newest_period",
           "consecutive_failures", "next_run", "undelivered_alerts"]
UNHEALTHY = ("failing", "stale", "overdue")
OVERDUE_SLACK = 600  # seconds past due (beyond jitter and run_timeout) before "overdue"


def _fmt(when: dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def source_row(conn: sqlite3.Connection, src: SourceConfig, now: dt.datetime) -> list:
    """One status row; `state` is the worst of failing > stale > overdue > retrying > ok."""
    from monitor.scheduler import last_runs, next_run

    last, _ok, failures = last_runs(conn, src.name)
    row = conn.execute("SELECT * FROM source_state WHERE source=?", (src.name,)).fetchone()
    st = dict(row) if row else {"failing": 0, "stale": 0, "last_new_period_at": None}
    newest = conn.execute("SELECT MAX(period) FROM figures WHERE source=? AND length(period)=7",
                          (src.name,)).fetchone()[0]
    pending = conn.execute("SELECT COUNT(*) FROM notifications WHERE status='pending' AND"
                           " source=?", (src.name,)).fetchone()[0]
    due = next_run(conn, src, now) if src.enabled else None
    stale = bool(st["stale"]) or bool(
        st["last_new_period_at"] and (now - archive.parse_ts(st["last_new_period_at"]))
        .total_seconds() >= src.stale_after)
    overdue = bool(due and last is not None and (now - due).total_seconds()
                   > (src.jitter or 0) + (src.run_timeout or 0) + OVERDUE_SLACK)
    if not src.enabled:
        state = "disabled"
    elif last is None:
        state = "never run"
    elif st["failing"]:
        state = "failing"
    elif stale:
        state = "stale"
    elif overdue:
        state = "overdue"
    elif last["outcome"] != "ok":
        state = "retrying"
    else:
        state = "ok"
    return [src.name, state, last["started"] if last else None,
            last["outcome"] if last else None, last["error"] if last else None, newest,
            failures, _fmt(max(due, now)) if due else None, pending]


def show_status(cfg: Config, fmt: str) -> int:
    conn = archive.connect(cfg.db_path, create=False)  # read-only where it cannot write
    try:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        rows = [source_row(conn, src, now) for src in cfg.sources.values()]
        total = conn.execute("SELECT COUNT(*) FROM notifications WHERE status='pending'"
                             ).fetchone()[0]
    finally:
        conn.close()
    write_rows(COLUMNS, rows, fmt)
    if fmt == "table":
        pid = holder(daemon_lock(cfg.db_path))
        print(f"undelivered alerts: {total}")
        print(f"daemon: running (pid {pid})" if pid else "daemon: not running")
    return 1 if any(r[1] in UNHEALTHY for r in rows) else 0
