"""Extraction: one shared reading pipeline; each source brings its vocabulary as data.

How a source reads its pages (the API a source folder uses)
-----------------------------------------------------------
A source folder `src/monitor/sources/<name>/` (or any folder registered with
`$MONITOR_SOURCE_DIRS`) holds:

- `source.toml`: its declaration (name, metrics with `headline`, calendar, ...);
- `vocabulary.toml`: its reading vocabulary, as data:
  - `[tags]`: phrases per word class (`"thing.detainee" = ["detenidos", "arrested people"]`,
    `"event.enter"`, `"scope.<x>"`, `"mod.new"`, `"org.self"`, `"org.other"`); phrases are
    matched folded (lower case, no accents), `word*` is a prefix, `#` a number;
  - `[[rule]]`: which reading is which metric (`metric`, `thing`, `event`, `scope`, `of`,
    `objects`, `without`, `mods`, `min`, `period = "monthly"|"yearly"`, `flow`); the first
    rule that matches a reading decides;
  - `[params]`: `early_days` (a cut-off date this early in a month closes the month before),
    `default_offset` (page month = publication month + this, when the page names none),
    `report_things` (title things that make a page a monthly report), `report_words` (a
    lead naming the monthly report does too), `drop_round_hedges` / `drop_about` (hedged
    numbers this round are estimates), `home` (a title naming another country and none of
    these words is about elsewhere), `annual_title`, `year_end_flow`;
  - `[words]`: word lists the reader uses (`containers`: nouns that count a kind named
    after them, "36 casos de ..."; `refine`, `case_of`, `groups`/`grouped`, `filler`);
- nothing else, usually: the registry reads the folder with the shared pipeline
  (`monitor.sources.VocabularyReader`; its version is source.toml's `reader_version`). Only
  a source whose pages the tables cannot express brings an `extractor.py` with `VERSION`,
  `extract(html, url) -> Extraction` and, optionally, `explain(html, url)` (for
  `monitor extract --explain`), typically calling `read(html, url, load_vocabulary(folder))`
  and adding what it must.

The shared lexicon (windows, qualifiers, comparisons, partitives, time roles) is
`monitor/extract/lexicon.toml`; `read()` returns the Extraction and the whole `Reading`
(every number with its reading and decision) that `explain_lines()` prints.

`extract(name, html, url)` below is the entry point the rest of the product calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.extract.base import Extraction

__all__ = ["Extraction", "Observation", "Reading", "Vocabulary", "describe", "explain",
           "explain_lines", "extract", "get", "load_vocabulary", "read", "version"]


_LAZY = {"Extraction": "base", "Observation": "base", "Reading": "pipeline",
         "Vocabulary": "pipeline", "load_vocabulary": "pipeline", "read": "pipeline"}


def __getattr__(name: str) -> Any:
    """Imported on first use: a crawl that finds nothing new (the probe) and messages' use
    of monitor.extract.numbers never import bs4 or lxml."""
    import importlib

    if name == "explain_lines":
        from monitor.extract.pipeline import explain
        return explain
    if name in _LAZY:
        return getattr(importlib.import_module(f"monitor.extract.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(name: str) -> Any:
    """The source's extractor module."""
    from monitor import sources
    return sources.get(name).module


def describe(name: str) -> str:
    doc = get(name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def version(name: str) -> str:
    from monitor import sources
    return sources.get(name).version


def extract(name: str, html: bytes | str, url: str) -> Extraction:
    """Run source `name`'s extractor on one page (through the source registry), then the
    checks every extractor's output gets: no month after the publication month, and a
    reading on every observation."""
    from monitor import sources
    from monitor.extract import checks
    result = sources.get(name).extract(html, url)
    checks.after_publication(result)
    checks.fill_readings(sources.get(name), result)
    return result


def explain(name: str, html: bytes | str, url: str) -> tuple[Extraction, list[str]]:
    """The Extraction and one line per number on the page with its reading and decision."""
    from monitor.extract import checks
    from monitor.extract.pipeline import explain as explain_lines
    mod = get(name)
    if hasattr(mod, "explain"):
        from monitor import sources
        result, reading = mod.explain(html, url)
        result.extractor_version = version(name)
        checks.after_publication(result)
        checks.fill_readings(sources.get(name), result)
        return result, explain_lines(reading)
    result = extract(name, html, url)
    lines = [f"{o.metric} {o.period} = {o.value}: {checks.describe(o.reading or {})}"
             f"  | {o.evidence[:90]}" for o in result.observations]
    lines += [f"dropped: {n}" for n in result.notes if n.startswith("dropped")]
    return result, lines or ["(no figure read on this page)"]
