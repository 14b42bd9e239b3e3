"""Checks every extractor's output gets, whatever reads the page: a monthly report never
describes a month after its publication month, and every observation carries a reading."""

from __future__ import annotations

import logging
from typing import Any

from monitor.extract.base import Extraction

log = logging.getLogger("monitor.extract")


def after_publication(result: Extraction) -> None:
    """Drop figures for a period after the page's publication month (a wrong year in the
    text, "marzo de 2026" in a report of April 2025), with a logged reason."""
    if not result.published:
        return
    pub = result.published[:7]
    kept = []
    for o in result.observations:
        later = o.period > pub if len(o.period) == 7 else o.period > pub[:4]
        if later:
            msg = (f"dropped {o.metric} {o.period} = {o.value}: period after publication "
                   f"month {pub}")
            log.warning("%s: %s", result.url, msg)
            result.notes.append(msg)
            continue
        kept.append(o)
    if len(kept) != len(result.observations):
        result.observations = kept
        headline = {o.metric for o in kept}
        result.headline_found = result.headline_found and bool(headline)


def fill_readings(source: Any, result: Extraction) -> None:
    """An observation from an extractor that gives no reading gets the one its metric
    stands for in the source's vocabulary (counted thing, event, scope, window), with
    its period as the anchor and the extractor named as the rule."""
    rules = _rules(source)
    for o in result.observations:
        if o.reading:
            continue
        yearly = len(o.period) == 4
        r = rules.get((o.metric, "yearly" if yearly else "monthly")) or rules.get(
            (o.metric, "monthly"))
        o.reading = {
            "thing": _first(r.things) if r else None,
            "event": _first(r.events) if r else None,
            "scope": _first(r.scopes) if r and _first(r.scopes) else "whole",
            "window": "year" if yearly else "month",
            "attribution": None,
            "anchor": o.period,
            "period": o.period,
            "rule": f"{result.extractor_version or source.name} (no reading given)",
            "why": None,
        }


def describe(reading: dict[str, Any]) -> str:
    keys = ("thing", "event", "scope", "window", "anchor", "rule")
    return " ".join(f"{k}={reading.get(k) or '-'}" for k in keys)


def _first(values: Any) -> str | None:
    named = [v for v in values if v]
    return named[0] if named else None


_cache: dict[str, dict[tuple[str, str], Any]] = {}


def _rules(source: Any) -> dict[tuple[str, str], Any]:
    """(metric, period kind) -> the first vocabulary rule for it (none without one)."""
    if source.name in _cache:
        return _cache[source.name]
    out: dict[tuple[str, str], Any] = {}
    path = source.folder / "vocabulary.toml"
    if path.exists():
        from monitor.extract.pipeline import load_vocabulary
        for r in load_vocabulary(source.folder).rules:
            out.setdefault((r.metric, r.period), r)
    _cache[source.name] = out
    return out
