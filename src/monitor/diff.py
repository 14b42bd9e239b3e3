"""Compare observations with accepted figures and record what changed as events.

The accepted value for (source, metric, period) always comes from the most recently
published page among the current observations, whatever order pages were processed in;
two pages published the same day that disagree are a `conflict` and leave the accepted
value alone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from monitor import sources
from monitor.archive import insert_event
from monitor.clock import now, utcnow
from monitor.period import Period, current_month

DATA_KINDS = ("new", "revised", "conflict")


class _Headline(Mapping[str, tuple[str, ...]]):
    """source -> its headline metrics, as its declaration flags them."""

    def __getitem__(self, source: str) -> tuple[str, ...]:
        return sources.get(source).headline

    def __iter__(self) -> Iterator[str]:
        return iter(sources.names())

    def __len__(self) -> int:
        return len(sources.names())


HEADLINE: Mapping[str, tuple[str, ...]] = _Headline()


@dataclass(frozen=True)
class Key:
    source: str
    metric: str
    period: str


def _candidates(conn: sqlite3.Connection, key: Key) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM observations WHERE source=? AND metric=? AND period=? AND current=1"
        " ORDER BY COALESCE(published, '') DESC, id ASC",
        (key.source, key.metric, key.period),
    ).fetchall()


def apply(conn: sqlite3.Connection, keys: Iterable[Key], run_id: int) -> list[int]:
    """Update `figures` for the touched keys; returns the ids of the events written."""
    events: list[int] = []
    stamp = now()
    for key in sorted(set(keys), key=lambda k: (k.source, k.metric, k.period)):
        cands = _candidates(conn, key)
        if not cands:
            continue
        best_date = cands[0]["published"] or ""
        # one candidate per page (the first the extractor emitted): a conflict is two
        # pages disagreeing, not one page mentioning a figure twice
        top = list({c["url"]: c for c in reversed(
            [c for c in cands if (c["published"] or "") == best_date])}.values())
        top.sort(key=lambda c: c["id"])
        values = {c["value"] for c in top}
        fig = conn.execute(
            "SELECT * FROM figures WHERE source=? AND metric=? AND period=?",
            (key.source, key.metric, key.period),
        ).fetchone()
        if len(values) > 1:
            chosen = top[0]
            if fig is not None:
                kept = [c for c in top if c["value"] == fig["value"]]
                chosen = kept[0] if kept else None
            if fig is None:
                _insert_figure(conn, chosen, stamp)
                events.append(_event(conn, run_id, "new", chosen, None, chosen["value"]))
            details = {"values": sorted(values), "urls": sorted({c["url"] for c in top}),
                       "published": best_date}
            if not _conflict_known(conn, key, details):
                accepted = fig["value"] if fig is not None else chosen["value"]
                events.append(_event(conn, run_id, "conflict", top[0], accepted,
                                     next(v for v in sorted(values) if v != accepted),
                                     details=details))
            continue
        best = top[0]
        if fig is None:
            _insert_figure(conn, best, stamp)
            events.append(_event(conn, run_id, "new", best, None, best["value"]))
        elif fig["value"] != best["value"]:
            if (fig["published"] or "") > best_date:
                continue  # accepted value comes from a later page still current
            _update_figure(conn, best, stamp, changed=True)
            events.append(_event(conn, run_id, "revised", best, fig["value"], best["value"]))
        elif fig["observation_id"] != best["id"]:
            changed = fig["qualifier"] != best["qualifier"]
            _update_figure(conn, best, stamp if changed else fig["last_changed"], changed=False)
    return events


def _conflict_known(conn: sqlite3.Connection, key: Key, details: dict) -> bool:
    rows = conn.execute(
        "SELECT details FROM events WHERE kind='conflict' AND source=? AND metric=? AND period=?",
        (key.source, key.metric, key.period),
    ).fetchall()
    return any(json.loads(r["details"] or "{}").get("values") == details["values"] for r in rows)


def _insert_figure(conn: sqlite3.Connection, obs: sqlite3.Row, stamp: str) -> None:
    conn.execute(
        "INSERT INTO figures (source, metric, period, value, qualifier, published, url,"
        " evidence, observation_id, first_seen, last_changed) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (obs["source"], obs["metric"], obs["period"], obs["value"], obs["qualifier"],
         obs["published"], obs["url"], obs["evidence"], obs["id"], stamp, stamp),
    )


def _update_figure(conn: sqlite3.Connection, obs: sqlite3.Row, stamp: str, changed: bool) -> None:
    conn.execute(
        "UPDATE figures SET value=?, qualifier=?, published=?, url=?, evidence=?,"
        " observation_id=?, last_changed=? WHERE source=? AND metric=? AND period=?",
        (obs["value"], obs["qualifier"], obs["published"], obs["url"], obs["evidence"],
         obs["id"], stamp, obs["source"], obs["metric"], obs["period"]),
    )


def _event(conn: sqlite3.Connection, run_id: int, kind: str, obs: sqlite3.Row,
           old: int | None, new: int | None, details: dict | None = None) -> int:
    return insert_event(
        conn, run_id=run_id, source=obs["source"], kind=kind, metric=obs["metric"],
        period=obs["period"], old_value=old, new_value=new, qualifier=obs["qualifier"],
        url=obs["url"], evidence=obs["evidence"], details=details,
    )


def newest_period(conn: sqlite3.Connection, source: str) -> str | None:
    """The source's newest monthly period in `figures` (None on an empty archive).

    A monthly report never describes a month after the one it was published in, and no
    figure describes a month still to come: a period later than its page's publication
    month, or than the current month, is a misreading (a wrong year, a bad date) and must
    not become "newest", or every real report after it would be recorded as old and never
    sent. Such figures are ignored here even if extraction let them through.
    """
    this_month = str(current_month(utcnow()))
    row = conn.execute(
        "SELECT MAX(period) FROM figures WHERE source=? AND length(period)=7 AND period<=?"
        " AND (published IS NULL OR length(published)<7 OR period<=substr(published,1,7))",
        (source, this_month)).fetchone()
    return row[0]


def mark_alerts(conn: sqlite3.Connection, source: str, event_ids: list[int]) -> list[int]:
    """Decide which data events a message carries: the newest period, any revision, and
    any conflict (a person has to look at those, whatever the period).

    `new` figures for older periods (a backfill) are recorded with alert=0, not sent; the
    yearly figure of the newest month's year counts as newest (December reports carry it).
    Returns the ids that stay alertable.
    """
    if not event_ids:
        return []
    newest = newest_period(conn, source)
    year = str(Period.parse(newest).as_year()) if newest else None
    keep: list[int] = []
    marks = ",".join("?" for _ in event_ids)
    for ev in conn.execute(f"SELECT * FROM events WHERE id IN ({marks})", event_ids):
        if ev["kind"] not in DATA_KINDS:
            continue  # operational events are routed separately
        alert = ev["kind"] in ("revised", "conflict") or (
            ev["kind"] == "new" and ev["period"] in (newest, year))
        if alert:
            keep.append(ev["id"])
        else:
            conn.execute("UPDATE events SET alert=0 WHERE id=?", (ev["id"],))
    return keep
