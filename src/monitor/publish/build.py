"""Building the site: every file in memory, then written by `writer.write_site`.

Layout (SPEC "Commands"): index.html, series/<source>/<metric>.html, data/<source>.csv
and .json (plus data/<source>_monthly.csv, wide, for charting tools), data/events.csv,
data/README.md, data/SHA256SUMS, embed/<source>/<metric>.svg, feed.atom.

The site is built in memory from one read of the archive, written to a temporary folder
beside DIR and swapped in at the end, so a reader never sees half a site. Nothing in it
depends on when it was built: with no change in the archive the bytes are the same, and
then nothing is rewritten at all.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from monitor.publish import data, feed, i18n, model, site, svg
from monitor.publish.writer import PublishError, write_site

__all__ = ["PublishError", "Result", "build_files", "publish"]


@dataclass
class Result:
    out: Path
    files: int
    series: int
    changed: bool


def _embed(snap: model.Snapshot, source: str, metric: str, lang: str) -> bytes:
    yearly = not snap.series(source, metric, False)
    latest = snap.series(source, metric, yearly)[-1]
    footer = (i18n.word(lang, "chart_source", org=model.organisation(source),
                        host=model.host(source)),
              i18n.word(lang, "chart_date", period=i18n.short_period(latest.period, lang),
                        published=latest.published or "?", date=latest.last_changed[:10]))
    chart = site.chart_of(snap, source, metric, lang, yearly, footer)
    assert chart is not None
    return svg.standalone(chart, lang).encode("utf-8")


def build_files(snap: model.Snapshot, lang: str = "en", base_url: str = "") -> dict[str, bytes]:
    """Every file of the site: relative path -> bytes."""
    if lang not in i18n.LANGS:
        raise ValueError(f"unknown language {lang!r} (en or es)")
    files: dict[str, bytes] = {"index.html": site.index(snap, lang).encode("utf-8")}
    for source in snap.source_names:
        for metric in snap.metrics(source):
            files[f"series/{source}/{metric}.html"] = site.series(
                snap, source, metric, lang).encode("utf-8")
            files[f"embed/{source}/{metric}.svg"] = _embed(snap, source, metric, lang)
    files.update(data.files(snap, lang))
    files["feed.atom"] = feed.build(snap, lang, base_url)
    return files


def publish(conn: sqlite3.Connection, out: Path, lang: str = "en",
            base_url: str = "") -> Result:
    snap = model.load(conn)
    files = build_files(snap, lang, base_url)
    changed = write_site(files, out)
    n_series = sum(1 for p in files if p.startswith("series/"))
    return Result(out, len(files), n_series, changed)
