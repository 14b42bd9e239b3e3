"""Planned messages (`notifications`, one row per message per target) and their delivery
state: planned inside a run's transaction, then sent, retried or settled by monitor.notify."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from monitor import archive

WAITING = ("pending", "undelivered")  # a message that still has to go out


def plan(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str]], *,
         run_id: int | None, source: str | None, category: str, title: str, body: str,
         event_ids: list[int], message_id: str) -> int:
    """One row per (target name, target key, status) of one message; returns the count."""
    stamp = archive.now()
    records = [{"created": stamp, "run_id": run_id, "source": source, "category": category,
                "target": name, "target_key": key, "title": title, "body": body,
                "event_ids": json.dumps(event_ids), "status": status,
                "message_id": message_id} for name, key, status in rows]
    archive.database(conn)["notifications"].insert_all(records)
    return len(records)


def waiting(conn: sqlite3.Connection) -> int:
    """How many messages wait to go out (pending, or kept while no target matched)."""
    return conn.execute("SELECT COUNT(*) FROM notifications WHERE status IN"
                        f" ({','.join('?' * len(WAITING))})", WAITING).fetchone()[0]


def with_status(conn: sqlite3.Connection, status: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM notifications WHERE status=? ORDER BY id",
                        (status,)).fetchall()


def interrupted(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Pending rows whose last attempt started and never finished (a kill, SIGTERM)."""
    return conn.execute("SELECT * FROM notifications WHERE status='pending' AND"
                        " attempt_started IS NOT NULL").fetchall()


def route_undelivered(conn: sqlite3.Connection, row: sqlite3.Row,
                      targets: list[tuple[str, str]]) -> None:
    """A message kept with no target: pending for the first target, a copy for the rest."""
    (first_name, first_key), *more = targets
    conn.execute("UPDATE notifications SET target=?, target_key=?, status='pending'"
                 " WHERE id=? AND status='undelivered'", (first_name, first_key, row["id"]))
    copies = [{c: row[c] for c in ("created", "run_id", "source", "category", "title", "body",
                                   "event_ids", "message_id")}
              | {"target": name, "target_key": key, "status": "pending"}
              for name, key in more]
    if copies:
        archive.database(conn)["notifications"].insert_all(copies)


def update(conn: sqlite3.Connection, notification_id: int, **fields: Any) -> None:
    """Set columns of one notification (its attempt, its status, its last error)."""
    conn.execute(f"UPDATE notifications SET {', '.join(f'{k}=?' for k in fields)} WHERE id=?",
                 (*fields.values(), notification_id))


def start_attempt(conn: sqlite3.Connection, notification_id: int, attempts: int,
                  new_message_id: str) -> str:
    """Record an attempt before it is made; returns the message id to send it with (the
    row's own, or `new_message_id` for a row of an older schema that has none)."""
    conn.execute("UPDATE notifications SET attempts=?, attempt_started=?,"
                 " message_id=COALESCE(message_id, ?) WHERE id=?",
                 (attempts, archive.now(), new_message_id, notification_id))
    return conn.execute("SELECT message_id FROM notifications WHERE id=?",
                        (notification_id,)).fetchone()[0]


def source_summary(conn: sqlite3.Connection, source: str) -> dict[str, Any]:
    """For `status`: waiting (count, oldest created) and uncertain-since-last-sent counts."""
    pending, oldest = conn.execute(
        "SELECT COUNT(*), MIN(created) FROM notifications WHERE status IN ('pending',"
        " 'undelivered') AND source=?", (source,)).fetchone()
    last_sent = conn.execute("SELECT MAX(created) FROM notifications WHERE status='sent' AND"
                             " source=?", (source,)).fetchone()[0]
    uncertain = conn.execute("SELECT COUNT(*) FROM notifications WHERE status='uncertain' AND"
                             " source=? AND created > ?", (source, last_sent or "")
                             ).fetchone()[0]
    return {"pending": pending, "oldest": oldest, "uncertain": uncertain}


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """status -> rows, for the statuses `status` reports (pending, undelivered, uncertain)."""
    return dict(conn.execute("SELECT status, COUNT(*) FROM notifications WHERE status"
                             " IN ('pending', 'undelivered', 'uncertain')"
                             " GROUP BY status").fetchall())
