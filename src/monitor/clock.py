"""The one clock and the one timestamp form of the project.

Every stored or printed time is UTC as `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601, seconds, `Z`):
it sorts as text, so SQL compares it directly. `utcnow()` is the clock the publishing
calendar, the stale timer, the scheduler and the stored times all read.
"""

from __future__ import annotations

import datetime as dt
import os

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> dt.datetime:
    """The current time, UTC (aware).

    Test-only: `$MONITOR_TEST_NOW` (`YYYY-MM-DDTHH:MM[:SS]`, UTC) fixes it, so a subprocess
    test can run a cycle on any date (like the MONITOR_TEST_PAUSE_* hooks; never set it in
    production)."""
    fixed = os.environ.get("MONITOR_TEST_NOW")
    if fixed:
        return dt.datetime.fromisoformat(fixed.strip().rstrip("Z")).replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def stamp(when: dt.datetime | None = None) -> str:
    """`when` (default: now) in the stored form; an aware time is converted to UTC first,
    a naive one is taken as UTC."""
    when = utcnow() if when is None else when
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime(FORMAT)


def now() -> str:
    """The current time in the stored form."""
    return stamp()


def parse_ts(text: str) -> dt.datetime:
    """A stored timestamp back to an aware UTC datetime (ValueError when it is not one)."""
    return dt.datetime.strptime(text, FORMAT).replace(tzinfo=dt.UTC)
