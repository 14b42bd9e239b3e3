"""`monitor report`: one self-contained static HTML page about the archive.

Everything is inline (CSS, SVG charts), so the page opens from a file, a mail attachment
or a USB stick without network; the only URLs are links to the source pages each figure
was read from. No scripts.
"""

from __future__ import annotations

import argparse
import html
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from monitor import archive
from monitor import sources as registry
from monitor.diff import HEADLINE
from monitor.messages import label, metric_order, org, period_label

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #1f5f8b}
.meta{color:#666;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:#555}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.value{font-weight:600}
tr.headline td{background:#f3f8fb}
.up{color:#a33}.down{color:#2a6f2a}
figure{margin:1rem 0}figure svg{width:100%;height:auto}
figcaption{font-size:.8rem;color:#666}
.kind{font-size:.75rem;padding:.05rem .35rem;border-radius:.2rem;background:#eee}
.kind-revised,.kind-conflict{background:#fbe3e0}.kind-new{background:#e2f0e2}
.kind-source_failing,.kind-stale,.kind-extraction_gap{background:#fff1cc}
.note{color:#666;font-style:italic}
"""

QUAL = {"at_least": "at least ", "about": "about "}


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _link(url: str | None, text: str) -> str:
    """A link to a source page; anything that is not http(s) is shown as plain text."""
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noopener noreferrer">{text}</a>'
    return text


def _label(source: str, metric: str | None, period: str | None = None) -> str:
    if not metric:
        return ""
    text = label(source, metric, "en", period)
    return text[:1].upper() + text[1:]


def _latest_table(rows: list[sqlite3.Row], source: str) -> str:
    heads = HEADLINE.get(source, ())
    order = metric_order(source)  # headline first, then as the source declares them
    rows = sorted(rows, key=lambda r: (order.get(r["metric"], len(order)), r["metric"]))
    out = ['<table class="latest"><thead><tr><th>Figure</th><th>Period</th>'
           '<th>Value</th><th>Previous</th><th>Change</th><th>Source page</th></tr></thead>'
           '<tbody>']
    for r in rows:
        change = r["change"]
        cls = "" if not change else (" up" if change > 0 else " down")
        prev = (f'{r["previous_value"]:,} <span class="meta">'
                f'({_e(period_label(r["previous_period"], "en"))})</span>'
                if r["previous_value"] is not None else "")
        shown = QUAL.get(r["qualifier"], "") + format(r["value"], ",")
        out.append(
            f'<tr class="figure{" headline" if r["metric"] in heads else ""}" '
            f'data-source="{_e(source)}" data-metric="{_e(r["metric"])}" '
            f'data-period="{_e(r["period"])}">'
            f'<td>{_e(_label(source, r["metric"], r["period"]))}</td>'
            f'<td>{_e(period_label(r["period"], "en"))}</td>'
            f'<td class="num value" data-value="{r["value"]}">'
            f'{_link(r["url"], shown)}</td>'
            f'<td class="num">{prev}</td>'
            f'<td class="num{cls}">{"" if change is None else f"{change:+,}"}</td>'
            f'<td>{_link(r["url"], _e(r["published"] or "page"))}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _chart(conn: sqlite3.Connection, source: str, metric: str) -> str:
    from monitor import chart

    series = chart.load_series(conn, source, metric)
    if not series.points:
        return ""
    try:
        svg = chart.inline_svg(series)
    except chart.ChartUnavailable:
        return (f'<p class="note">Chart of {_e(_label(source, metric))} left out: '
                f"{_e(chart.INSTALL_HINT)} to include charts.</p>")
    data = json.dumps(series.as_dict(), separators=(",", ":"))
    return (f'<figure class="chart" data-source="{_e(source)}" data-metric="{_e(metric)}" '
            f'data-series="{_e(data)}">\n{svg}\n<figcaption>{_e(chart.title_of(series))}, '
            f'{len(series.points)} periods'
            + (f"; {len(series.revisions)} revision(s) marked" if series.revisions else "")
            + "</figcaption></figure>")


def _events(rows: list[sqlite3.Row]) -> str:
    if not rows:
        return '<p class="note">No events recorded yet.</p>'
    out = ['<table class="events"><thead><tr><th>Recorded</th><th>Source</th><th>Event</th>'
           '<th>Figure</th><th>Period</th><th>Value</th></tr></thead><tbody>']
    for r in rows:
        if r["kind"] == "revised" and r["old_value"] is not None:
            value = f'{r["old_value"]:,} → {r["new_value"]:,}'
        elif r["new_value"] is not None:
            value = f'{r["new_value"]:,}'
        else:
            value = ""
        out.append(
            f'<tr class="event" data-id="{r["id"]}"><td>{_e(r["created"][:10])}</td>'
            f'<td>{_e(org(r["source"]))}</td>'
            f'<td><span class="kind kind-{_e(r["kind"])}">{_e(r["kind"])}</span></td>'
            f'<td>{_e(_label(r["source"], r["metric"], r["period"]))}</td>'
            f'<td>{_e(period_label(r["period"], "en") if r["period"] else "")}</td>'
            f'<td class="num">{_link(r["url"], _e(value)) if value else ""}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def build(conn: sqlite3.Connection, events_limit: int = 25) -> str:
    """The whole page as a string."""
    latest = conn.execute("SELECT * FROM latest ORDER BY source, metric").fetchall()
    sources = [s for s in registry.names() if any(r["source"] == s for r in latest)]
    sources += sorted({r["source"] for r in latest} - set(sources))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>monitor: political prisoners and repression in Cuba</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Political prisoners and repression in Cuba</h1>",
        f'<p class="meta">Figures as published by Prisoners Defenders and the Observatorio '
        f"Cubano de Derechos Humanos (OCDH), archived by monitor. Report generated "
        f"{_e(archive.now())}. Every value links to the page it was read from.</p>",
    ]
    if not latest:
        parts.append('<p class="note">The archive has no figures yet: run '
                     "<code>monitor crawl --backfill</code>.</p>")
    for source in sources:
        rows = [r for r in latest if r["source"] == source]
        parts.append(f'<section id="{_e(source)}"><h2>{_e(org(source))}</h2>')
        parts.append("<h3>Latest figures</h3>")
        parts.append(_latest_table(rows, source))
        have = {r["metric"] for r in rows}
        for metric in HEADLINE.get(source, ()):
            if metric in have:
                parts.append(_chart(conn, source, metric))
        parts.append("</section>")
    events = conn.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?",
                          (events_limit,)).fetchall()
    parts.append(f'<section id="events"><h2>Recent events</h2>{_events(events)}</section>')
    parts.append('<p class="meta">Browse everything: <code>monitor history</code>, '
                 "<code>monitor query</code>, or <code>datasette db/monitor.db -m "
                 "db/metadata.yml</code>.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def main(cfg: Any, args: argparse.Namespace) -> int:
    """`monitor report --out report.html`."""
    conn = archive.connect(cfg.db_path, create=False)
    try:
        page = build(conn)
        n = conn.execute("SELECT COUNT(*) FROM latest").fetchone()[0]
    finally:
        conn.close()
    out = Path(args.out)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"monitor: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {n} latest figures, {len(page) // 1024} KiB, self-contained")
    return 0
