"""The HTML pages: index.html and series/<source>/<metric>.html.

Plain HTML5 with one inline stylesheet and inline SVG charts: no scripts, nothing loaded
from anywhere, every internal link relative (so the folder works from file:// and from
any sub-path). The only absolute URLs are links to the pages figures were read from.
`standalone=True` renders the index as a single file with no links to the rest of the
site (`monitor report`).
"""

from __future__ import annotations

import functools
import html
from typing import Any

from monitor.period import is_monthly
from monitor.period import previous as previous_period
from monitor.publish import i18n, model, notes, svg
from monitor.publish.model import Figure, Snapshot

RECENT_EVENTS = 25

CSS = """
:root{--ink:#222;--muted:#5a5a5a;--line:#1f5f8b;--rule:#e3e3e3}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);max-width:62rem;margin:0 auto;padding:1rem 1.2rem 3rem;background:#fff}
a{color:var(--line)}h1{font-size:1.6rem;line-height:1.25;margin:.8rem 0 .3rem}
h2{font-size:1.3rem;margin-top:2.4rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.6rem 0 .4rem}
nav{font-size:.9rem;color:var(--muted)}
.meta,figcaption,.note{color:var(--muted);font-size:.88rem}
.lead{display:flex;flex-wrap:wrap;gap:.2rem 1.4rem;align-items:baseline;margin:.8rem 0}
.big{font-size:2.6rem;font-weight:700;line-height:1.1;margin:0;color:var(--line)}
.big a{text-decoration:none}.what{font-size:1.1rem;margin:0}
.change{margin:0;font-weight:600}
blockquote{margin:.4rem 0 .6rem;padding:.1rem .8rem;border-left:3px solid var(--rule);
color:#333;font-style:italic}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.93rem}
th,td{padding:.35rem .45rem;border-bottom:1px solid var(--rule);text-align:left;
vertical-align:top}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.value{font-weight:600}td.chg{text-align:right;min-width:7rem}td.nw{white-space:nowrap}td.ev{font-size:.85rem;color:#444;max-width:28rem}
.kind{font-size:.78rem;padding:.05rem .4rem;border-radius:.2rem;background:#eee;
white-space:nowrap}
.kind-revised,.kind-conflict,.fails{background:#fbe3e0}.kind-new{background:#e2f0e2}
.kind-late{background:#fff1cc}
figure{margin:1rem 0}figure svg{width:100%;height:auto;max-width:50rem;display:block}
ul.dl{padding-left:1.2rem}footer{margin-top:3rem;border-top:1px solid var(--rule);
padding-top:.6rem}
@media (max-width:40rem){td.ev,th.ev{display:none}.big{font-size:2rem}}
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _word(lang: str, key: str) -> str:
    """An interface word, escaped for HTML."""
    return _e(i18n.word(lang, key))


def ext_link(url: str | None, text: str) -> str:
    """A link to a source page; anything but http(s) is shown as plain text."""
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noopener noreferrer">{text}</a>'
    return text


class Links:
    """Relative links from a page `depth` folders below the site root (none when standalone)."""

    def __init__(self, depth: int, standalone: bool = False) -> None:
        self.prefix = "../" * depth
        self.standalone = standalone

    def href(self, path: str) -> str | None:
        return None if self.standalone else self.prefix + path

    def a(self, path: str, text: str) -> str:
        href = self.href(path)
        return f'<a href="{_e(href)}">{text}</a>' if href else text

    def series(self, source: str, metric: str) -> str:
        return f"series/{source}/{metric}.html"


def page(title: str, body: list[str], lang: str, links: Links) -> str:
    feed = links.href("feed.atom")
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        '<link rel="icon" href="data:,">',
    ]
    if feed:
        head.append(f'<link rel="alternate" type="application/atom+xml" '
                    f'title="{_e(i18n.word(lang, "feed_title"))}" href="{_e(feed)}">')
    head.append(f"<style>{CSS}</style></head><body>")
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


def _value_cell(f: Figure, lang: str) -> str:
    return (f'<td class="num value" data-value="{f.value}">'
            f"{ext_link(f.url, _e(i18n.qualified(f.value, f.qualifier, lang)))}</td>")


def _previous(snap: Snapshot, f: Figure) -> Figure | None:
    want = previous_period(f.period)
    return next((g for g in snap.series(f.source, f.metric, f.yearly) if g.period == want),
                None)


def _change(snap: Snapshot, f: Figure, lang: str) -> tuple[str, str]:
    """(signed change, against what) from the period before; ("", why not) without one."""
    prev = _previous(snap, f)
    if prev is None:
        return "", i18n.word(lang, "no_previous",
                             period=i18n.period(previous_period(f.period), lang))
    return (i18n.signed(f.value - prev.value, lang),
            f"{i18n.word(lang, 'vs', period=i18n.period(prev.period, lang))} "
            f"({i18n.qualified(prev.value, prev.qualifier, lang)})")


def _evidence(f: Figure) -> str:
    return " ".join((f.evidence or "").split())


def chart_of(snap: Snapshot, source: str, metric: str, lang: str, yearly: bool,
             footer: tuple[str, ...] = ()) -> svg.Chart | None:
    figs = snap.series(source, metric, yearly)
    if not figs:
        return None
    title = (f"{model.short_name(source)}: "
             f"{i18n.cap(model.label(source, metric, lang, yearly))}")
    revisions = [(f.period, old) for f in figs for old, _when in f.revised_from]
    return svg.Chart(title, [(f.period, f.value, f.qualifier) for f in figs], revisions,
                     footer)


def _figure(snap: Snapshot, source: str, metric: str, lang: str, yearly: bool) -> str:
    chart = chart_of(snap, source, metric, lang, yearly)
    if chart is None:
        return ""
    n_rev = len(chart.revisions)
    caption = (f"{_e(chart.title)} ({i18n.word(lang, 'yearly' if yearly else 'monthly')}, "
               f"{i18n.period(chart.points[0][0], lang)} – "
               f"{i18n.period(chart.points[-1][0], lang)})"
               + (f"; {_e(i18n.word(lang, 'revisions_n', n=n_rev))}" if n_rev else ""))
    return (f'<figure class="chart" data-source="{_e(source)}" data-metric="{_e(metric)}" '
            f'data-yearly="{int(yearly)}">\n{svg.render(chart, lang)}\n'
            f"<figcaption>{caption}</figcaption></figure>")


def _headline(snap: Snapshot, source: str, lang: str, links: Links) -> list[str]:
    heads = [m for m in model.headline(source) if snap.series(source, m, False)]
    metrics = heads or [m for m in snap.metrics(source) if snap.series(source, m, False)]
    if not metrics:
        return []
    metric = metrics[0]
    f = snap.series(source, metric, False)[-1]
    delta, against = _change(snap, f, lang)
    value = _e(i18n.qualified(f.value, f.qualifier, lang))
    out = [f'<div class="lead" data-metric="{_e(metric)}" data-period="{f.period}">',
           f'<p class="big" data-value="{f.value}">'
           f"{links.a(links.series(source, metric), value)}</p>",
           f'<p class="what">{_e(model.label(source, metric, lang))}, '
           f"<strong>{_e(i18n.period(f.period, lang))}</strong></p>",
           f'<p class="change">{_e(" ".join(filter(None, (delta, against))))}</p></div>']
    if f.evidence:
        out.append(f"<blockquote>“{_e(_evidence(f))}”</blockquote>")
    if f.url:
        out.append(f'<p class="meta">{_e(i18n.word(lang, "source_page"))}: '
                   f"{ext_link(f.url, _e(f.published or f.url))}</p>")
    out.append(_figure(snap, source, metric, lang, False))
    return out


def _latest_table(snap: Snapshot, source: str, lang: str, links: Links) -> list[str]:
    w = functools.partial(_word, lang)
    heads = set(model.headline(source))
    out = [f"<h3>{w('latest')}</h3>",
           f'<table class="latest"><thead><tr><th>{w("figure")}</th><th>{w("period")}</th>'
           f'<th>{w("value")}</th><th>{w("change")}</th><th class="ev">{w("evidence")}</th>'
           "</tr></thead><tbody>"]
    for yearly in (False, True):
        for metric in snap.metrics(source):
            figs = snap.series(source, metric, yearly)
            if not figs:
                continue
            f = figs[-1]
            delta, against = _change(snap, f, lang)
            label = _e(i18n.cap(model.label(source, metric, lang, yearly)))
            row_cls = "figure headline" if metric in heads and not yearly else "figure"
            out.append(
                f'<tr class="{row_cls}" data-source="{_e(source)}" data-metric="{_e(metric)}"'
                f' data-period="{f.period}"><td>{links.a(links.series(source, metric), label)}'
                f'</td><td class="nw">{_e(i18n.period(f.period, lang))}</td>{_value_cell(f, lang)}'
                f'<td class="chg"><strong class="nw">{_e(delta)}</strong> '
                f'<span class="meta">{_e(against)}</span></td>'
                f'<td class="ev">{_e(_evidence(f))}</td></tr>')
    out.append("</tbody></table>")
    return out


def _checks(snap: Snapshot, source: str, lang: str) -> list[str]:
    rows = [c for c in snap.checks or [] if c["source"] == source]
    if snap.checks is None or not rows:
        return []
    w = functools.partial(_word, lang)
    newest = max(c["period"] for c in rows)
    shown = [c for c in rows if c["period"] == newest or c.get("holds") in (0, False)]
    shown.sort(key=lambda c: (c["period"], c["check"]), reverse=True)
    out = [f"<h3>{w('checks')}</h3>", f'<p class="note">{w("checks_note")}</p>',
           f'<table class="checks"><thead><tr><th>{w("check")}</th><th>{w("period")}</th>'
           f'<th>{w("stated")}</th><th>{w("computed")}</th><th>{w("holds")}</th>'
           f'<th class="ev">{w("sum")}</th></tr></thead>'
           "<tbody>"]
    for c in shown[:24]:
        holds = c.get("holds")
        text = w("unknown") if holds is None else (w("yes") if holds else w("no"))
        out.append(
            f'<tr class="check{" fails" if holds in (0, False) else ""}" '
            f'data-check="{_e(c["check"])}" data-period="{_e(c["period"])}" '
            f'data-holds="{"" if holds is None else int(bool(holds))}">'
            f'<td>{_e(notes.check_label(source, str(c["check"]), lang))}</td>'
            f'<td>{_e(i18n.period(str(c["period"]), lang))}</td>'
            f'<td class="num">{_e(_num(c.get("stated"), lang))}</td>'
            f'<td class="num">{_e(_num(c.get("computed"), lang))}</td><td>{text}</td>'
            f'<td class="ev">{_e(c.get("expression") or "")}</td></tr>')
    out.append("</tbody></table>")
    return out


def _num(v: Any, lang: str) -> str:
    return i18n.number(v, lang) if isinstance(v, int) and not isinstance(v, bool) else (
        "" if v is None else str(v))


def _downloads(source: str, lang: str, links: Links) -> list[str]:
    if links.standalone:
        return []
    w = functools.partial(_word, lang)
    return [f"<h3>{w('downloads')}</h3>", '<ul class="dl">',
            f"<li>{links.a(f'data/{source}.csv', f'{source}.csv')}: {w('dl_csv')}</li>",
            f"<li>{links.a(f'data/{source}_monthly.csv', f'{source}_monthly.csv')}: "
            f"{w('dl_wide')}</li>",
            f"<li>{links.a(f'data/{source}.json', f'{source}.json')}: {w('dl_json')}</li>",
            "</ul>"]


def _events(snap: Snapshot, lang: str, links: Links) -> list[str]:
    w = functools.partial(_word, lang)
    out = [f'<section id="events"><h2>{w("events")}</h2>']
    recent = list(reversed(snap.events))[:RECENT_EVENTS]
    if not recent:
        out.append(f'<p class="note">{w("no_events")}</p></section>')
        return out
    out.append(f'<table class="events"><thead><tr><th>{w("recorded")}</th>'
               f'<th>{w("source")}</th><th>{w("event")}</th><th>{w("figure")}</th>'
               f'<th>{w("period")}</th><th>{w("value")}</th></tr></thead><tbody>')
    have = {(f.source, f.metric) for f in snap.figures}
    for e in recent:
        if e["kind"] in ("revised", "conflict") and e["old_value"] is not None \
                and e["new_value"] is not None:
            arrow = " → " if e["kind"] == "revised" else " ≠ "
            value = (f'{i18n.number(e["old_value"], lang)}{arrow}'
                     f'{i18n.qualified(e["new_value"], e["qualifier"], lang)}')
        elif e["new_value"] is not None:
            value = i18n.qualified(e["new_value"], e["qualifier"], lang)
        else:
            value = ""
        metric = e["metric"]
        yearly = bool(e["period"]) and not is_monthly(e["period"])
        label = _e(i18n.cap(model.label(e["source"], metric, lang, yearly))) if metric else ""
        if metric and (e["source"], metric) in have:
            label = links.a(links.series(e["source"], metric), label)
        kind = e["kind"]
        out.append(
            f'<tr class="event" data-id="{e["id"]}"><td>{_e(i18n.date(e["created"], lang))}'
            f'</td><td>{_e(model.short_name(e["source"]))}</td>'
            f'<td><span class="kind kind-{_e(kind)}">{_e(i18n.word(lang, "ev_" + kind))}'
            f"</span></td><td>{label}</td>"
            f'<td>{_e(i18n.period(e["period"], lang) if e["period"] else "")}</td>'
            f'<td class="num">{ext_link(e["url"], _e(value)) if value else ""}</td></tr>')
    out.append("</tbody></table></section>")
    return out


def _intro(snap: Snapshot, lang: str) -> list[str]:
    orgs = i18n.join([model.organisation(s) for s in snap.source_names], lang)
    out = [f"<h1>{_e(i18n.word(lang, 'site_title'))}</h1>",
           f'<p class="meta">{_e(i18n.word(lang, "site_intro", orgs=orgs))}']
    if snap.as_of:
        out[-1] += " " + _e(i18n.word(lang, "as_of", date=i18n.date(snap.as_of, lang)))
    out[-1] += "</p>"
    return out


def index(snap: Snapshot, lang: str, standalone: bool = False) -> str:
    links = Links(0, standalone)
    body = _intro(snap, lang)
    if not snap.figures:
        body.append(f'<p class="note">{_e(i18n.word(lang, "empty"))}</p>')
    for source in snap.source_names:
        body.append(f'<section class="source" id="{_e(source)}">'
                    f"<h2>{_e(model.organisation(source))}</h2>")
        if not snap.of(source):
            body.append(f'<p class="note">{_e(i18n.word(lang, "no_figures"))}</p></section>')
            continue
        body += _headline(snap, source, lang, links)
        body += _latest_table(snap, source, lang, links)
        body += _checks(snap, source, lang)
        body += _downloads(source, lang, links)
        body.append("</section>")
    body += _events(snap, lang, links)
    body += _footer(lang, links)
    return page(i18n.word(lang, "site_title"), body, lang, links)


def _footer(lang: str, links: Links) -> list[str]:
    if links.standalone:
        return []
    w = functools.partial(_word, lang)
    return ['<footer class="meta">',
            f"{links.a('feed.atom', 'feed.atom')}: {w('dl_feed')} · "
            f"{links.a('data/events.csv', 'events.csv')}: {w('dl_events')} · "
            f"{links.a('data/README.md', 'README.md')}: {w('dl_readme')} · "
            f"{links.a('data/SHA256SUMS', 'SHA256SUMS')}: {w('dl_sums')}",
            "</footer>"]


def _series_table(figs: list[Figure], lang: str) -> list[str]:
    w = functools.partial(_word, lang)
    out = [f'<table class="series"><thead><tr><th>{w("period")}</th><th>{w("value")}</th>'
           f'<th>{w("qualifier")}</th><th>{w("source_page")}</th>'
           f'<th class="ev">{w("evidence")}</th><th>{w("first_seen")}</th>'
           f'<th>{w("revised_from")}</th></tr></thead><tbody>']
    for f in reversed(figs):
        revised = "; ".join(f"{i18n.number(old, lang)} ({i18n.date(when, lang)})"
                            for old, when in f.revised_from)
        out.append(
            f'<tr class="figure" data-period="{f.period}">'
            f'<td class="nw">{_e(i18n.period(f.period, lang))}</td>{_value_cell(f, lang)}'
            f"<td>{_e(_qualifier(f.qualifier, lang))}</td>"
            f'<td class="nw">{ext_link(f.url, _e(f.published or i18n.word(lang, "page")))}</td>'
            f'<td class="ev">{_e(_evidence(f))}</td>'
            f'<td class="nw">{_e(i18n.date(f.first_seen, lang))}</td>'
            f'<td class="num">{_e(revised)}</td></tr>')
    out.append("</tbody></table>")
    return out


def _qualifier(q: str, lang: str) -> str:
    return i18n.word(lang, "q_" + q) if q in ("exact", "at_least", "about") else q


def series(snap: Snapshot, source: str, metric: str, lang: str) -> str:
    links = Links(2)
    org = model.organisation(source)
    yearly_only = not snap.series(source, metric, False)
    label = i18n.cap(model.label(source, metric, lang, yearly_only))
    title = i18n.word(lang, "series_title", org=model.short_name(source), label=label)
    body = [f"<nav>{links.a('index.html', _e(i18n.word(lang, 'home')))} › "
            f"{links.a('index.html#' + source, _e(org))}</nav>",
            f"<h1>{_e(title)}</h1>"]
    for yearly in (False, True):
        figs = snap.series(source, metric, yearly)
        if not figs:
            continue
        definition = notes.definition(source, metric, lang, yearly)
        if yearly and not yearly_only:
            body.append(f"<h2>{_e(i18n.cap(model.label(source, metric, lang, True)))}</h2>")
        if definition:
            body.append(f'<p class="meta">{_e(i18n.cap(definition))}.</p>')
        body.append(_figure(snap, source, metric, lang, yearly))
        if yearly == yearly_only:
            body.append(f'<p class="meta">{links.a(f"embed/{source}/{metric}.svg", "SVG")}: '
                        f"{_e(i18n.word(lang, 'dl_embed'))} · "
                        f"{links.a(f'data/{source}.csv', f'{source}.csv')}: "
                        f"{_e(i18n.word(lang, 'dl_csv'))}</p>")
        body.append(f"<h3>{_e(i18n.word(lang, 'table'))}</h3>")
        body += _series_table(figs, lang)
    note = notes.methodology(source, lang)
    if note:
        body.append(f'<section class="methodology"><h2>'
                    f"{_e(i18n.word(lang, 'methodology', org=model.short_name(source)))}</h2>"
                    f"<p>{_e(note)}</p></section>")
    home = model.homepage(source)
    if home:
        body.append(f'<p class="meta">{ext_link(home, _e(org))}</p>')
    body += _footer(lang, links)
    return page(title, body, lang, links)
