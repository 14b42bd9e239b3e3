"""The publishing calendar: a `late` alert when a month's report has not arrived in time.

Each source declares by which day of M+1 its report for month M is due (`due_by_day` in
source.toml's [calendar], overridable per source in config.toml). Once that day has
passed (plus `late_grace`) with no figure for M, one `late` event is recorded for M; when
a figure for M arrives, one more `late` event with `details.state = "cleared"` records
it. Both go to the ops targets, like `stale`. `stale_after` stays as the last-resort
silence timer.

Only months after the newest one on file can be late (a gap in old history is not a late
report), and only deadlines that pass while the monitor watches the source: after it
stored its first figure for it. So a first crawl is never late, like it is never stale; a
monitor installed just after a missed deadline learns of it from `stale_after`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from monitor import archive, clock
from monitor.archive.events import Event
from monitor.config import SourceConfig
from monitor.period import Period


def deadline(period: str, due_by_day: int, grace: int = 0) -> dt.datetime:
    """When the report for `period` (YYYY-MM) becomes late: the end of day `due_by_day` of
    the next month, plus `grace` seconds."""
    month = Period.parse(period).next().first_day()
    due = dt.datetime(month.year, month.month, due_by_day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    return due + dt.timedelta(seconds=grace)


def late_events(conn: sqlite3.Connection, src: SourceConfig,
                run_id: int | None) -> list[Event]:
    """Record `late` (and cleared) events for `src` now; returns them."""
    if not src.due_by_day:
        return []
    monthly = archive.monthly_periods(conn, src.name)
    if not monthly:
        return []
    now = clock.utcnow()
    state = archive.events.late_history(conn, src.name)  # period -> its last `late` details
    ids: list[Event] = []
    newest = max(monthly)
    for period, details in sorted(state.items()):
        if details.get("state") == "late" and period in monthly:
            ids.append(archive.events.record(
                conn, run_id=run_id, source=src.name, kind="late", period=period,
                details={"state": "cleared", "since": details.get("since"),
                         "due_by_day": details.get("due_by_day"), "arrived": clock.now()}))
    first_seen = archive.first_figure_stored(conn, src.name)
    watching_since = clock.parse_ts(first_seen) if first_seen else now
    overdue: list[tuple[str, dt.datetime]] = []
    period = str(Period.parse(newest).next())
    while (due := deadline(period, src.due_by_day, src.late_grace)) <= now:
        overdue.append((period, due))
        period = str(Period.parse(period).next())
    # only deadlines that pass while the monitor watches (after its first stored figure)
    for period, due in (o for o in overdue if o[1] >= watching_since):
        if period in state:
            continue  # once per missing month
        ids.append(archive.events.record(
            conn, run_id=run_id, source=src.name, kind="late", period=period,
            details={"state": "late", "since": clock.stamp(due),
                     "due_by_day": src.due_by_day, "newest": newest,
                     "grace": src.late_grace}))
    return ids
