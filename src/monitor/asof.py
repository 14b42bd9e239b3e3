"""The archive as it stood at a past time: `monitor history --as-of`, `latest --as-of`.

Every change of an accepted figure is an event (`new`, then `revised`), stamped when the
monitor recorded it; a conflict leaves the accepted value alone. So the accepted value of
a figure at time T is the value of its last `new`/`revised` event recorded at or before
T, and a revision recorded later does not show. (A qualifier that changed without a
value change is not an event: such a figure shows its qualifier of that time's event.)
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from monitor import archive, clock
from monitor.period import is_monthly, previous

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?Z?$")


def parse(text: str) -> str:
    """'YYYY-MM-DD' (the end of that day) or 'YYYY-MM-DDTHH:MM' (the end of that minute),
    UTC -> the stored timestamp form to compare with. ValueError when it is neither."""
    m = _TIME.match(text.strip())
    if not m:
        raise ValueError(f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), got {text!r}")
    y, mo, d, hh, mm = m.groups()
    try:
        if hh is None:
            when = dt.datetime(int(y), int(mo), int(d), 23, 59, 59)
        else:
            when = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), 59)
    except ValueError as exc:
        raise ValueError(f"not a valid time: {text!r} ({exc})") from None
    return clock.stamp(when)


def figures(conn: sqlite3.Connection, when: str, source: str | None = None,
            metric: str | None = None, since: str | None = None) -> list[dict]:
    """The accepted figures as of `when` (a stored-form timestamp), like `figures`."""
    return archive.figures_as_of(conn, when, source, metric, since)


def latest(conn: sqlite3.Connection, when: str, source: str | None = None) -> list[dict]:
    """The `latest` view as of `when`: per source and metric the newest monthly figure,
    the previous month's value and the change."""
    figs = [f for f in figures(conn, when, source) if is_monthly(f["period"])]
    by_key = {(f["source"], f["metric"], f["period"]): f for f in figs}
    newest: dict[tuple[str, str], dict] = {}
    for f in figs:
        key = (f["source"], f["metric"])
        if key not in newest or f["period"] > newest[key]["period"]:
            newest[key] = f
    out = []
    for (src, metric), f in sorted(newest.items()):
        prev_p = previous(f["period"])
        prev = by_key.get((src, metric, prev_p))
        out.append({**f, "previous_period": prev["period"] if prev else None,
                    "previous_value": prev["value"] if prev else None,
                    "change": f["value"] - prev["value"] if prev else None})
    return out
