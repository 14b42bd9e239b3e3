"""Events: the change log, written as values and handed on as values.

`record` writes one event and returns it as an `Event`; the runner plans alerts from those
values and `monitor.messages` renders them, so nothing reads an event back by id inside the
run that wrote it, and `details` (JSON in the table) is parsed once, when a stored event is
read (`by_id`, for events recorded by earlier transactions: backfill batches).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from monitor import archive

DATA_KINDS = ("new", "revised", "conflict")


@dataclass(frozen=True)
class Event:
    """One row of `events`; `details` already parsed."""

    id: int
    source: str
    kind: str
    created: str
    run_id: int | None = None
    metric: str | None = None
    period: str | None = None
    old_value: int | None = None
    new_value: int | None = None
    qualifier: str | None = None
    url: str | None = None
    evidence: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    alert: bool = True

    @property
    def is_data(self) -> bool:
        """A figure event (new, revised, conflict), not an operational one."""
        return self.kind in DATA_KINDS


_COLUMNS = tuple(f.name for f in dataclasses.fields(Event))


def record(conn: sqlite3.Connection, *, source: str, kind: str, run_id: int | None = None,
           details: dict[str, Any] | None = None, created: str | None = None,
           **fields: Any) -> Event:
    """Insert one event (inside the caller's transaction) and return it as a value."""
    ev = Event(id=0, source=source, kind=kind, created=created or archive.now(),
               run_id=run_id, details=dict(details or {}), **fields)
    row = {c: getattr(ev, c) for c in _COLUMNS if c != "id"}
    row["alert"] = int(ev.alert)
    row["details"] = (json.dumps(ev.details, ensure_ascii=False, sort_keys=True)
                      if details is not None else None)
    table = archive.database(conn)["events"]
    table.insert(row)
    return dataclasses.replace(ev, id=table.last_rowid)


def _from_row(r: sqlite3.Row) -> Event:
    values = {c: r[c] for c in _COLUMNS}
    values["details"] = json.loads(r["details"] or "{}")
    values["alert"] = bool(r["alert"])
    return Event(**values)


def by_id(conn: sqlite3.Connection, ids: Iterable[int]) -> list[Event]:
    """Stored events (recorded by earlier transactions), in id order."""
    ids = sorted(set(ids))
    if not ids:
        return []
    rows = conn.execute(f"SELECT * FROM events WHERE id IN ({','.join('?' * len(ids))})"
                        " ORDER BY id", ids)
    return [_from_row(r) for r in rows]


def mute(conn: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Recorded only, never sent (`alert` = 0): old periods seen in a backfill."""
    ids = [e.id for e in events]
    if ids:
        conn.execute(f"UPDATE events SET alert=0 WHERE id IN ({','.join('?' * len(ids))})",
                     ids)


def conflict_values(conn: sqlite3.Connection, source: str, metric: str,
                    period: str) -> list[list[int]]:
    """The conflicting values of every conflict already recorded for one figure."""
    rows = conn.execute("SELECT details FROM events WHERE kind='conflict' AND source=? AND"
                        " metric=? AND period=?", (source, metric, period))
    return [json.loads(r["details"] or "{}").get("values") for r in rows]


def gap_recorded(conn: sqlite3.Connection, url: str) -> bool:
    """Whether an `extraction_gap` was recorded for this page already (once per page)."""
    return conn.execute("SELECT 1 FROM events WHERE kind='extraction_gap' AND url=? LIMIT 1",
                        (url,)).fetchone() is not None


def late_history(conn: sqlite3.Connection, source: str) -> dict[str, dict[str, Any]]:
    """period -> details of its last `late` event ({"state": "late"|"cleared", ...})."""
    return {r["period"]: json.loads(r["details"] or "{}") for r in conn.execute(
        "SELECT period, details FROM events WHERE source=? AND kind='late' ORDER BY id",
        (source,))}


def revisions(conn: sqlite3.Connection, source: str | None = None,
              metric: str | None = None) -> list[sqlite3.Row]:
    """`revised` events with their old value (oldest first): source, metric, period,
    old_value, new_value, created."""
    sql = ("SELECT source, metric, period, old_value, new_value, created FROM events"
           " WHERE kind='revised' AND old_value IS NOT NULL")
    args: list[Any] = []
    for col, value in (("source", source), ("metric", metric)):
        if value is not None:
            sql += f" AND {col}=?"
            args.append(value)
    return conn.execute(sql + " ORDER BY id", args).fetchall()
