"""Compare observations with accepted figures and record what changed as events.

The accepted value for (source, metric, period) always comes from the most recently
published page among the current observations, whatever order pages were processed in;
two pages published the same day that disagree are a `conflict` and leave the accepted
value alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from monitor import archive, sources
from monitor.archive.events import DATA_KINDS, Event
from monitor.clock import utcnow
from monitor.period import Period, current_month

__all__ = ["DATA_KINDS", "HEADLINE", "Event", "Key", "apply", "mark_alerts", "newest_period"]


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


def apply(conn: sqlite3.Connection, keys: Iterable[Key], run_id: int | None) -> list[Event]:
    """Update `figures` for the touched keys; returns the events written."""
    events: list[Event] = []
    stamp = archive.now()
    for key in sorted(set(keys), key=lambda k: (k.source, k.metric, k.period)):
        cands = archive.figures.candidates(conn, key.source, key.metric, key.period)
        if not cands:
            continue
        best_date = cands[0]["published"] or ""
        # one candidate per page (the first the extractor emitted): a conflict is two
        # pages disagreeing, not one page mentioning a figure twice
        top = list({c["url"]: c for c in reversed(
            [c for c in cands if (c["published"] or "") == best_date])}.values())
        top.sort(key=lambda c: c["id"])
        values = {c["value"] for c in top}
        fig = archive.figures.figure(conn, key.source, key.metric, key.period)
        if len(values) > 1:
            chosen = top[0]
            if fig is not None:
                kept = [c for c in top if c["value"] == fig["value"]]
                chosen = kept[0] if kept else None
            if fig is None:
                archive.figures.accept(conn, chosen, stamp, new=True)
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
            archive.figures.accept(conn, best, stamp, new=True)
            events.append(_event(conn, run_id, "new", best, None, best["value"]))
        elif fig["value"] != best["value"]:
            if (fig["published"] or "") > best_date:
                continue  # accepted value comes from a later page still current
            archive.figures.accept(conn, best, stamp, new=False)
            events.append(_event(conn, run_id, "revised", best, fig["value"], best["value"]))
        elif fig["observation_id"] != best["id"]:
            changed = fig["qualifier"] != best["qualifier"]
            archive.figures.accept(conn, best, stamp if changed else fig["last_changed"],
                                   new=False)
    return events


def _conflict_known(conn: sqlite3.Connection, key: Key, details: dict) -> bool:
    return details["values"] in archive.events.conflict_values(conn, key.source, key.metric,
                                                               key.period)


def _event(conn: sqlite3.Connection, run_id: int | None, kind: str, obs: sqlite3.Row,
           old: int | None, new: int | None, details: dict | None = None) -> Event:
    return archive.events.record(
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
    return archive.figures.newest_period(conn, source, this_month)


def mark_alerts(conn: sqlite3.Connection, source: str, events: list[Event]) -> list[Event]:
    """Decide which data events a message carries: the newest period, any revision, and
    any conflict (a person has to look at those, whatever the period).

    `new` figures for older periods (a backfill) are recorded with alert=0, not sent; the
    yearly figure of the newest month's year counts as newest (December reports carry it).
    Returns the events that stay alertable.
    """
    if not events:
        return []
    newest = newest_period(conn, source)
    year = str(Period.parse(newest).as_year()) if newest else None
    data = [e for e in events if e.is_data]  # operational events are routed separately
    keep = [e for e in data if e.kind in ("revised", "conflict")
            or (e.kind == "new" and e.period in (newest, year))]
    kept = {e.id for e in keep}
    archive.events.mute(conn, [e for e in data if e.id not in kept])
    return keep
