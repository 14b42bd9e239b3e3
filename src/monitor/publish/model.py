"""What the site is built from: one read of the archive, in plain objects.

Everything the pages, downloads and feed show comes from here, read once inside one
read transaction, so a site never mixes two states of the archive. Sources, labels and
metric order come from the source registry; a source in the archive that the registry no
longer knows is still shown, under its name.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from monitor import archive
from monitor import sources as registry
from monitor.period import is_monthly

EVENT_KINDS = ("new", "revised", "conflict", "late")
# source and metric names become file names: anything else is left out of the site
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
log = logging.getLogger("monitor.publish")


@dataclass
class Figure:
    source: str
    metric: str
    period: str
    value: int
    qualifier: str
    published: str | None
    url: str | None
    evidence: str | None
    first_seen: str
    last_changed: str
    revised_from: list[tuple[int, str]] = field(default_factory=list)  # (old value, when)

    @property
    def yearly(self) -> bool:
        return not is_monthly(self.period)


@dataclass
class Version:
    """One value a figure has had, as the monitor stored it (an Atom entry)."""

    source: str
    metric: str
    period: str
    value: int
    qualifier: str
    stored: str
    url: str | None
    evidence: str | None
    published: str | None
    old_value: int | None


@dataclass
class Snapshot:
    figures: list[Figure]
    events: list[dict[str, Any]]
    checks: list[dict[str, Any]] | None
    versions: list[Version]
    as_of: str | None
    source_names: list[str]

    def of(self, source: str) -> list[Figure]:
        return [f for f in self.figures if f.source == source]

    def series(self, source: str, metric: str, yearly: bool | None = None) -> list[Figure]:
        return [f for f in self.figures if f.source == source and f.metric == metric
                and (yearly is None or f.yearly == yearly)]

    def metrics(self, source: str) -> list[str]:
        """Metrics with figures, in the registry's order (unknown ones after, by name)."""
        have = {f.metric for f in self.of(source)}
        order = metric_order(source)
        return sorted(have, key=lambda m: (order.get(m, len(order)), m))


def _source(name: str) -> registry.Source | None:
    try:
        return registry.get(name)
    except KeyError:
        return None


def organisation(name: str) -> str:
    src = _source(name)
    return src.organisation if src else name


def short_name(name: str) -> str:
    src = _source(name)
    return src.short_name if src else name


def homepage(name: str) -> str:
    src = _source(name)
    return (src.decl.get("homepage") or "") if src else ""


def host(name: str) -> str:
    src = _source(name)
    return src.hosts[0] if src and src.hosts else name


def label(name: str, metric: str, lang: str, yearly: bool = False) -> str:
    src = _source(name)
    return src.label(metric, lang, yearly=yearly) if src else metric.replace("_", " ")


def headline(name: str) -> tuple[str, ...]:
    src = _source(name)
    return src.headline if src else ()


def metric_order(name: str) -> dict[str, int]:
    src = _source(name)
    return src.metric_order() if src else {}


def folder(name: str) -> Any:
    src = _source(name)
    return src.folder if src else None


def load(conn: sqlite3.Connection) -> Snapshot:
    """Read everything the site shows, in one read transaction."""
    with archive.snapshot(conn):
        return _load(conn)


def _load(conn: sqlite3.Connection) -> Snapshot:
    revised: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for r in archive.events.revisions(conn):
        revised.setdefault((r["source"], r["metric"], r["period"]), []).append(
            (r["old_value"], r["created"]))
    figures = [
        Figure(r["source"], r["metric"], r["period"], r["value"], r["qualifier"] or "exact",
               r["published"], r["url"], r["evidence"], r["first_seen"], r["last_changed"],
               revised.get((r["source"], r["metric"], r["period"]), []))
        for r in archive.figures.all_figures(conn)]
    events = [dict(r) for r in archive.all_events(
        conn, ["id", "created", "source", "kind", "metric", "period", "old_value",
               "new_value", "qualifier", "url", "evidence", "details"], list(EVENT_KINDS))]
    checks = None
    if archive.has_table(conn, "checks"):  # the arithmetic checks (monitor check), if stored
        try:
            checks = [dict(r) for r in archive.all_checks(conn)]
        except sqlite3.OperationalError:  # not the shape we know: leave them out
            checks = None
    unsafe = {(f.source, f.metric) for f in figures
              if not (SAFE_NAME.match(f.source) and SAFE_NAME.match(f.metric))}
    if unsafe:
        log.warning("left out of the site (names unusable as file names): %s",
                    ", ".join(f"{s}/{m}" for s, m in sorted(unsafe)))
        figures = [f for f in figures if (f.source, f.metric) not in unsafe]
        events = [e for e in events if SAFE_NAME.match(e["source"])
                  and (e["metric"] is None or SAFE_NAME.match(e["metric"]))]
    as_of = max([f.last_changed for f in figures] + [e["created"] for e in events],
                default=None)
    in_archive = {f.source for f in figures} | {e["source"] for e in events}
    names = registry.names() + sorted(n for n in in_archive - set(registry.names())
                                      if SAFE_NAME.match(n))
    return Snapshot(figures, events, checks, _versions(figures, events), as_of, names)


def _versions(figures: list[Figure], events: list[dict[str, Any]]) -> list[Version]:
    """Every value each figure has had: one per (source, metric, period, value), the
    latest time it was stored; the current value is always among them."""
    found: dict[tuple[str, str, str, int], Version] = {}
    for e in events:
        if e["kind"] not in ("new", "revised") or e["new_value"] is None or not e["period"]:
            continue
        key = (e["source"], e["metric"], e["period"], e["new_value"])
        found[key] = Version(e["source"], e["metric"], e["period"], e["new_value"],
                             e["qualifier"] or "exact", e["created"], e["url"], e["evidence"],
                             None, e["old_value"] if e["kind"] == "revised" else None)
    for f in figures:
        key = (f.source, f.metric, f.period, f.value)
        v = found.get(key)
        if v is None:
            found[key] = Version(f.source, f.metric, f.period, f.value, f.qualifier,
                                 f.last_changed, f.url, f.evidence, f.published,
                                 f.revised_from[-1][0] if f.revised_from else None)
        else:
            v.published = v.published or (f.published if f.url == v.url else None)
    return sorted(found.values(), key=lambda v: (v.stored, v.source, v.metric,
                                                  len(v.period), v.period, v.value))
