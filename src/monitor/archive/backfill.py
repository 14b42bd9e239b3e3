"""A backfill's progress (`backfill_progress`, `backfill_runs`): what it stored already and
which of its runs' events still wait for a message (see monitor.backfill)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from monitor import archive


def stored_posts(conn: sqlite3.Connection, source: str) -> list[str]:
    """Post URLs a backfill of `source` that did not finish has stored already."""
    return [r[0] for r in conn.execute(
        "SELECT url FROM backfill_progress WHERE source=? AND kind='post'", (source,))]


def unplanned_runs(conn: sqlite3.Connection, source: str) -> list[int]:
    """Backfill runs whose batches recorded events no message has been planned for."""
    return [r[0] for r in conn.execute(
        "SELECT run_id FROM backfill_runs WHERE source=? AND events_planned=0 ORDER BY run_id",
        (source,))]


def mark_planned(conn: sqlite3.Connection, run_ids: list[int]) -> None:
    if run_ids:
        conn.execute(f"UPDATE backfill_runs SET events_planned=1 WHERE run_id IN "
                     f"({','.join('?' * len(run_ids))})", run_ids)


def event_ids(conn: sqlite3.Connection, run_ids: list[int], kinds: Iterable[str]) -> list[int]:
    """Ids of the events of `kinds` these runs recorded, oldest first."""
    kinds = list(kinds)
    if not run_ids or not kinds:
        return []
    return [r[0] for r in conn.execute(
        f"SELECT id FROM events WHERE run_id IN ({','.join('?' * len(run_ids))}) AND kind IN"
        f" ({','.join('?' * len(kinds))}) ORDER BY id", (*run_ids, *kinds))]


def start(conn: sqlite3.Connection, run_id: int, source: str) -> None:
    """The first batch of a backfill: its run is a backfill run until the backfill ends."""
    archive.database(conn)["backfill_runs"].insert({"run_id": run_id, "source": source})


def record_progress(conn: sqlite3.Connection, source: str, pages: Iterable[tuple[str, str]],
                    run_id: int, stamp: str) -> None:
    """(url, kind) of each page of a committed batch, so a rerun skips them."""
    rows = [{"source": source, "url": url, "kind": kind, "run_id": run_id, "done_at": stamp}
            for url, kind in pages]
    if rows:
        archive.database(conn)["backfill_progress"].upsert_all(rows, pk=("source", "url"))


def finish(conn: sqlite3.Connection, source: str, run_id: int | None,
           prior_runs: list[int]) -> None:
    """The backfill is complete: forget its progress; its other runs were interrupted."""
    prior_runs = prior_runs + [r[0] for r in conn.execute(
        "SELECT run_id FROM backfill_runs WHERE source=?", (source,))]
    conn.execute("DELETE FROM backfill_progress WHERE source=?", (source,))
    conn.execute("DELETE FROM backfill_runs WHERE source=?", (source,))
    others = sorted({r for r in prior_runs if r != run_id})
    if others:
        conn.execute(f"UPDATE runs SET outcome='interrupted', ended=COALESCE(ended, ?) "
                     f"WHERE id IN ({','.join('?' * len(others))}) AND outcome='running'",
                     (archive.now(), *others))
