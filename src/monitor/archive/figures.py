"""Observations and accepted figures: what a run writes after extraction, and the series
the rest of the monitor reads (diff, alerts, charts, the recent posts a run revalidates).
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from monitor import archive

if TYPE_CHECKING:
    from monitor.extract import Extraction

Triple = tuple[str, str, str]  # (source, metric, period)


def replace_observations(conn: sqlite3.Connection, page_id: int, ex: Extraction,
                         run_id: int | None) -> bool:
    """Make `ex` the page's current observations; False when nothing differs."""
    old = conn.execute("SELECT metric, period, value, qualifier, extractor_version"
                       " FROM observations WHERE url=? AND current=1", (ex.url,)).fetchall()
    old_set = {(r["metric"], r["period"], r["value"], r["qualifier"]) for r in old}
    new_set = {(o.metric, o.period, o.value, o.qualifier) for o in ex.observations}
    same_version = all(r["extractor_version"] == ex.extractor_version for r in old)
    if old and old_set == new_set and same_version:
        return False
    if not old and not new_set:
        return False
    conn.execute("UPDATE observations SET current=0 WHERE url=? AND current=1", (ex.url,))
    stamp = archive.now()
    archive.database(conn)["observations"].insert_all(
        {"run_id": run_id, "page_id": page_id, "source": o.source, "metric": o.metric,
          "period": o.period, "value": o.value, "qualifier": o.qualifier,
          "published": o.published or ex.published, "url": ex.url, "evidence": o.evidence,
          "extractor_version": ex.extractor_version, "observed_at": stamp, "current": 1,
          "reading": json.dumps(o.reading, ensure_ascii=False) if o.reading else None}
         for o in ex.observations)
    return True


def keys_of_url(conn: sqlite3.Connection, url: str, current: int) -> set[Triple]:
    """(source, metric, period) of a page's current (1) or superseded (0) observations."""
    rows = conn.execute("SELECT DISTINCT source, metric, period FROM observations"
                        " WHERE url=? AND current=?", (url, current))
    return {(r["source"], r["metric"], r["period"]) for r in rows}


def candidates(conn: sqlite3.Connection, source: str, metric: str,
               period: str) -> list[sqlite3.Row]:
    """Current observations of one figure, most recently published page first."""
    return conn.execute(
        "SELECT * FROM observations WHERE source=? AND metric=? AND period=? AND current=1"
        " ORDER BY COALESCE(published, '') DESC, id ASC", (source, metric, period)).fetchall()


def figure(conn: sqlite3.Connection, source: str, metric: str,
           period: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM figures WHERE source=? AND metric=? AND period=?",
                        (source, metric, period)).fetchone()


def accept(conn: sqlite3.Connection, obs: sqlite3.Row, stamp: str, *, new: bool) -> None:
    """Make observation `obs` the accepted figure (a new row, or the existing one updated;
    `stamp` is its last_changed)."""
    row = {"value": obs["value"], "qualifier": obs["qualifier"],
           "published": obs["published"], "url": obs["url"], "evidence": obs["evidence"],
           "observation_id": obs["id"], "last_changed": stamp}
    key = {"source": obs["source"], "metric": obs["metric"], "period": obs["period"]}
    if new:
        archive.database(conn)["figures"].insert({**key, **row, "first_seen": stamp})
    else:
        conn.execute(f"UPDATE figures SET {', '.join(f'{c}=?' for c in row)}"
                     " WHERE source=? AND metric=? AND period=?",
                     (*row.values(), *key.values()))


def newest_period(conn: sqlite3.Connection, source: str, this_month: str) -> str | None:
    """The newest monthly period in `figures` not after `this_month` nor after its page's
    publication month (see diff.newest_period)."""
    return conn.execute(
        "SELECT MAX(period) FROM figures WHERE source=? AND length(period)=7 AND period<=?"
        " AND (published IS NULL OR length(published)<7 OR period<=substr(published,1,7))",
        (source, this_month)).fetchone()[0]


def posts_of_newest_periods(conn: sqlite3.Connection, source: str, newest: str,
                            periods: int) -> list[str]:
    """Posts behind the current observations of the `periods` newest monthly periods up
    to `newest`."""
    chosen = [r[0] for r in conn.execute(
        "SELECT DISTINCT period FROM figures WHERE source=? AND length(period)=7"
        " AND period<=? ORDER BY period DESC LIMIT ?", (source, newest, periods))]
    marks = ",".join("?" * len(chosen))
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT o.url FROM observations o JOIN pages p ON p.url=o.url"
        f" WHERE o.source=? AND o.current=1 AND p.kind='post' AND o.period IN ({marks})"
        f" ORDER BY o.url", (source, *chosen))]


def series(conn: sqlite3.Connection, source: str, metric: str) -> list[sqlite3.Row]:
    """Accepted figures of one metric (period, value, qualifier, url), by period."""
    return conn.execute("SELECT period, value, qualifier, url FROM figures WHERE source=? AND"
                        " metric=? ORDER BY period", (source, metric)).fetchall()


def metrics(conn: sqlite3.Connection, source: str) -> list[str]:
    """The metrics of `source` that have a figure."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT metric FROM figures WHERE source=? ORDER BY metric", (source,))]


def all_figures(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every accepted figure, by source, metric and period (months before years)."""
    return conn.execute(
        "SELECT source, metric, period, value, qualifier, published, url, evidence,"
        " first_seen, last_changed FROM figures"
        " ORDER BY source, metric, length(period), period").fetchall()


def history(conn: sqlite3.Connection, columns: list[str], source: str | None = None,
            metric: str | None = None, since: str | None = None) -> sqlite3.Cursor:
    """`monitor history`: the accepted figures, filtered."""
    sql = f"SELECT {', '.join(columns)} FROM figures WHERE 1=1"
    params: list[Any] = []
    for col, value, op in (("source", source, "="), ("metric", metric, "="),
                           ("period", since, ">=")):
        if value:
            sql += f" AND {col}{op}?"
            params.append(value)
    return conn.execute(sql + " ORDER BY source, metric, length(period), period", params)


def latest(conn: sqlite3.Connection, columns: list[str],
           source: str | None = None) -> list[dict[str, Any]]:
    """`monitor latest`: the `latest` view, one row per series."""
    sql = f"SELECT {', '.join(columns)} FROM latest"
    params: list[Any] = []
    if source:
        sql += " WHERE source=?"
        params.append(source)
    cur = conn.execute(sql + " ORDER BY source, metric", params)
    names = [d[0] for d in cur.description]  # any row factory (query.connect_ro has none)
    return [dict(zip(names, r, strict=True)) for r in cur]


def latest_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM latest").fetchone()[0]


def months_archived(conn: sqlite3.Connection) -> list[tuple[str, int, str, str]]:
    """(source, months, first, last) of every source with monthly figures (demo)."""
    return [tuple(r) for r in conn.execute(
        "SELECT source, COUNT(DISTINCT period), MIN(period), MAX(period) FROM figures"
        " WHERE length(period) = 7 GROUP BY source ORDER BY source DESC")]
