"""`monitor status`: per source last run, newest period, failures, next run; a health check."""

from __future__ import annotations

import datetime as dt

from monitor import archive
from monitor.config import Config
from monitor.output import write_rows


def show_status(cfg: Config, fmt: str) -> int:
    from monitor.scheduler import last_runs, next_run

    conn = archive.connect(cfg.db_path)
    rows = []
    unhealthy = False
    for src in cfg.sources.values():
        last, _ok, failures = last_runs(conn, src.name)
        st = archive.source_state(conn, src.name)
        newest = conn.execute("SELECT MAX(period) FROM figures WHERE source=? AND"
                              " length(period)=7", (src.name,)).fetchone()[0]
        nxt = next_run(conn, src) if src.enabled else None
        state = ("disabled" if not src.enabled else "failing" if st["failing"]
                 else "stale" if st["stale"] else "never run" if last is None else "ok")
        unhealthy |= state in ("failing", "stale")
        rows.append([src.name, state, last["started"] if last else None,
                     last["outcome"] if last else None, newest, failures,
                     nxt.strftime("%Y-%m-%dT%H:%M:%SZ") if nxt else None])
    write_rows(["source", "state", "last_run", "last_outcome", "newest_period",
                "consecutive_failures", "next_run"], rows, fmt)
    pending = conn.execute("SELECT COUNT(*) FROM notifications WHERE status='pending'"
                           ).fetchone()[0]
    if fmt == "table":
        print(f"undelivered alerts: {pending}")
    conn.close()
    _ = dt
    return 1 if unhealthy else 0
