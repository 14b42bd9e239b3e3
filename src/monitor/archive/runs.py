"""Runs and per-source health: the rows the schedule, the probe and `status` decide from."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def update_run(conn: sqlite3.Connection, run_id: int, **fields: Any) -> None:
    """Set columns of one run row (its counters, its outcome when it ends)."""
    if "responses" in fields and not isinstance(fields["responses"], str):
        fields["responses"] = json.dumps(fields["responses"], sort_keys=True)
    if fields:
        conn.execute(f"UPDATE runs SET {', '.join(f'{k}=?' for k in fields)} WHERE id=?",
                     (*fields.values(), run_id))


def last_runs(conn: sqlite3.Connection, source: str) -> tuple[dict | None, dict | None, int]:
    """(last finished run, last successful run, consecutive failures) for a source."""
    last = conn.execute("SELECT * FROM runs WHERE source=? AND outcome IN ('ok', 'failed')"
                        " ORDER BY id DESC LIMIT 1", (source,)).fetchone()
    ok = conn.execute("SELECT * FROM runs WHERE source=? AND outcome='ok'"
                      " ORDER BY id DESC LIMIT 1", (source,)).fetchone()
    st = stored_state(conn, source)
    return (dict(last) if last else None, dict(ok) if ok else None,
            st["consecutive_failures"] if st else 0)


def last_finished(conn: sqlite3.Connection, source: str) -> sqlite3.Row | None:
    """The newest run that is not still running (any outcome)."""
    return conn.execute("SELECT * FROM runs WHERE source=? AND outcome != 'running'"
                        " ORDER BY id DESC LIMIT 1", (source,)).fetchone()


def last_full_crawl(conn: sqlite3.Connection, source: str) -> str | None:
    """When the newest successful run that started Scrapy (not a probe alone) began."""
    return conn.execute("SELECT max(started) FROM runs WHERE source=? AND outcome='ok'"
                        " AND probe=0", (source,)).fetchone()[0]


def newest_run_id(conn: sqlite3.Connection, source: str) -> int:
    """The newest run id of the source, 0 when it has none."""
    return conn.execute("SELECT MAX(id) FROM runs WHERE source=?",
                        (source,)).fetchone()[0] or 0


def stored_since(conn: sqlite3.Connection, source: str, after_run: int) -> bool:
    """Did a run of `source` newer than `after_run` store anything?"""
    return conn.execute("SELECT COUNT(*) FROM runs WHERE source=? AND id>? AND"
                        " (events>0 OR pages_changed>0)", (source, after_run)).fetchone()[0] > 0


def stored_state(conn: sqlite3.Connection, source: str) -> dict[str, Any] | None:
    """The source's `source_state` row, None when it has none (never writes: a reader)."""
    row = conn.execute("SELECT * FROM source_state WHERE source=?", (source,)).fetchone()
    return dict(row) if row else None
