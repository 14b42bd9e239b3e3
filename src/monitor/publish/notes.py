"""Methodology notes and metric definitions, read from each source's folder.

A source folder may hold `methodology.toml`: `[note]` with `en`/`es` text (what the
organisation counts and how far to trust it) and `[definitions.<metric>]` /
`[definitions_yearly.<metric>]` with `en`/`es` one-line definitions; `[checks.<name>]`
the arithmetic checks in words. A source without the
file gets no note and its labels as definitions.
"""

from __future__ import annotations

import functools
import tomllib
from typing import Any

from monitor import sources as registry
from monitor.publish import model


@functools.cache
def _load(source: str) -> dict[str, Any]:
    folder = model.folder(source)
    path = folder / "methodology.toml" if folder else None
    if path is None or not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def methodology(source: str, lang: str) -> str:
    note = _load(source).get("note", {})
    return (note.get(lang) or note.get("en") or "").strip()


def definition(source: str, metric: str, lang: str, yearly: bool = False) -> str:
    table = _load(source).get("definitions_yearly" if yearly else "definitions", {})
    entry = table.get(metric, {})
    return (entry.get(lang) or entry.get("en") or "").strip()


def check_label(source: str, check: str, lang: str) -> str:
    """What an arithmetic check says, in words ([checks.<name>]); else its name."""
    entry = _load(source).get("checks", {}).get(check, {})
    return (entry.get(lang) or entry.get("en") or check.replace("_", " ")).strip()


def declared_metrics(source: str, snap: model.Snapshot) -> list[tuple[str, bool]]:
    """(metric, yearly) the registry declares, then any other the archive holds."""
    out: list[tuple[str, bool]] = []
    try:
        out = [(m.name, m.period == "yearly") for m in registry.get(source).metrics]
    except KeyError:
        pass
    for f in snap.of(source):
        if (f.metric, f.yearly) not in out:
            out.append((f.metric, f.yearly))
    return out
