"""Line charts as SVG text: inline in the pages, and standalone files to embed.

Drawn by hand (no matplotlib): a few hundred bytes of paths and text that any browser
renders, with no fonts, scripts or images to load. Revised periods are marked (the value
before the revision as a cross, the accepted one as a ring, joined by a dotted line) and
the latest value is labelled. Points carry data-period/data-value so a reader or a test
can check what a chart shows without looking at pixels.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

from monitor.period import Period, is_monthly
from monitor.publish import i18n

LINE = "#1f5f8b"
REVISED = "#b03a2e"
GRID = "#dddddd"
MUTED = "#555555"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"


@dataclass
class Chart:
    """What one chart shows."""

    title: str
    points: list[tuple[str, int, str]]  # (period, value, qualifier), in period order
    revisions: list[tuple[str, int]] = field(default_factory=list)  # (period, old value)
    footer: tuple[str, ...] = ()  # source and date lines of a standalone chart


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _index(period: str) -> int:
    """Months (or years) since year 0, so gaps in a series keep their width."""
    return Period.parse(period).index


def nice_ticks(lo: int, hi: int, want: int = 4) -> list[int]:
    """Round axis values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if hi == lo:
        pad = max(1, abs(hi) // 10)
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / want
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    step = max(1, int(step)) if step >= 1 else 1
    start = math.floor(lo / step) * step
    end = math.ceil(hi / step) * step
    return list(range(int(start), int(end) + 1, int(step)))


def _x_ticks(first: int, last: int, monthly: bool) -> list[int]:
    if not monthly:
        every = max(1, math.ceil((last - first + 1) / 8))
        return [y for y in range(first, last + 1) if (y - first) % every == 0]
    span = last - first
    if span <= 6:
        return list(range(first, last + 1))
    if span <= 18:
        return [i for i in range(first, last + 1) if i % 3 == 0]
    years = span / 12
    every = 1 if years <= 8 else (2 if years <= 16 else 5)
    return [i for i in range(first, last + 1) if i % 12 == 0 and (i // 12) % every == 0]


def _x_label(i: int, monthly: bool, span: int, lang: str) -> str:
    if not monthly:
        return str(i)
    per = Period.from_index(i)
    if span <= 18:
        return per.short_label(lang)
    return str(per.as_year())


def render(chart: Chart, lang: str, *, standalone: bool = False, width: int = 640,
           height: int = 300) -> str:
    """The chart as an <svg> element (standalone: with the XML namespace, title and footer,
    sized to be read at 600 px wide)."""
    pts = chart.points
    if not pts:
        return ""
    monthly = is_monthly(pts[0][0])
    top = 68 if standalone else 18
    bottom = 78 if standalone else 34
    left, right = 58, 112
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [_index(p) for p, _, _ in pts]
    values = [v for _, v, _ in pts] + [old for _, old in chart.revisions]
    lo, hi = min(values), max(values)
    if lo >= 0 and (lo <= 2 * (hi - lo) or hi <= 50):
        lo = 0  # small counts from zero, so a change of two does not look like a collapse
    ticks = nice_ticks(lo, hi)
    y0, y1 = ticks[0], ticks[-1]
    x0, x1 = xs[0], xs[-1]

    def X(i: int) -> float:
        return left + (plot_w * (i - x0) / (x1 - x0) if x1 > x0 else plot_w / 2)

    def Y(v: float) -> float:
        return top + plot_h - plot_h * (v - y0) / (y1 - y0)

    last_per, last_val, last_q = pts[-1]
    desc = i18n.word(lang, "chart_desc", label=chart.title,
                     first=i18n.period(pts[0][0], lang), last=i18n.period(last_per, lang),
                     value=i18n.qualified(last_val, last_q, lang),
                     period=i18n.period(last_per, lang))
    out: list[str] = []
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    size = f' width="{width}" height="{height}"' if standalone else ""
    out.append(f'<svg{ns} class="chart" viewBox="0 0 {width} {height}"{size} role="img" '
               f'aria-label="{_e(chart.title)}" font-family="{_e(FONT)}">')
    out.append(f"<title>{_e(chart.title)}</title><desc>{_e(desc)}</desc>")
    if standalone:
        out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
        out.append(f'<text x="16" y="28" font-size="18" font-weight="bold" fill="#222222">'
                   f"{_e(chart.title)}</text>")
        span = f"{i18n.period(pts[0][0], lang)} – {i18n.period(last_per, lang)}"
        out.append(f'<text x="16" y="47" font-size="13" fill="{MUTED}">{_e(span)}</text>')
    # grid and y axis
    for t in ticks:
        y = Y(t)
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end" '
                   f'fill="{MUTED}">{_e(i18n.number(t, lang))}</text>')
    # x axis
    base = top + plot_h
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" '
               f'stroke="#999999" stroke-width="1"/>')
    for i in _x_ticks(x0, x1, monthly):
        x = X(i)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 5}" '
                   f'stroke="#999999" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{base + 19}" font-size="12" text-anchor="middle" '
                   f'fill="{MUTED}">{_e(_x_label(i, monthly, x1 - x0, lang))}</text>')
    # the line, broken where periods are missing
    d: list[str] = []
    for k, (i, (_, v, _)) in enumerate(zip(xs, pts, strict=True)):
        cmd = "L" if k and i - xs[k - 1] == 1 else "M"
        d.append(f"{cmd}{X(i):.1f},{Y(v):.1f}")
    out.append(f'<path class="series" d="{" ".join(d)}" fill="none" stroke="{LINE}" '
               f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>')
    r = 3 if len(pts) <= 60 else 1.6
    for i, (per, v, q) in zip(xs, pts, strict=True):
        out.append(f'<circle class="point" data-period="{per}" data-value="{v}" '
                   f'data-qualifier="{q}" cx="{X(i):.1f}" cy="{Y(v):.1f}" r="{r}" '
                   f'fill="{LINE}"><title>{_e(i18n.period(per, lang))}: '
                   f"{_e(i18n.qualified(v, q, lang))}</title></circle>")
    # revisions
    by_period = {p: v for p, v, _ in pts}
    for per, old in chart.revisions:
        if per not in by_period:
            continue
        x, yo, yn = X(_index(per)), Y(old), Y(by_period[per])
        out.append(f'<g class="revision" data-period="{per}" data-old="{old}" '
                   f'data-new="{by_period[per]}" stroke="{REVISED}" stroke-width="1.6">'
                   f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{yo:.1f}" y2="{yn:.1f}" '
                   f'stroke-dasharray="2 2"/>'
                   f'<path d="M{x - 4:.1f},{yo - 4:.1f}L{x + 4:.1f},{yo + 4:.1f}'
                   f'M{x - 4:.1f},{yo + 4:.1f}L{x + 4:.1f},{yo - 4:.1f}"/>'
                   f'<circle cx="{x:.1f}" cy="{yn:.1f}" r="6" fill="none"/></g>')
    if chart.revisions:
        ly = top + 4
        out.append(f'<g class="legend" font-size="12" fill="{MUTED}">'
                   f'<path d="M{left + 8},{ly - 4}l8,8m-8,0l8,-8" stroke="{REVISED}" '
                   f'stroke-width="1.6"/>'
                   f'<text x="{left + 22}" y="{ly + 4}">{_e(i18n.word(lang, "chart_before"))}'
                   f"</text>"
                   f'<circle cx="{left + 12}" cy="{ly + 16}" r="5" fill="none" '
                   f'stroke="{REVISED}" stroke-width="1.6"/>'
                   f'<text x="{left + 22}" y="{ly + 20}">{_e(i18n.word(lang, "chart_revised"))}'
                   f"</text></g>")
    # the latest value, labelled
    lx, ly = X(xs[-1]), Y(last_val)
    ty = min(ly - 2, base - 22)  # both lines of the label above the x axis labels
    out.append(f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="5" fill="{LINE}" stroke="#ffffff" '
               f'stroke-width="1.5"/>')
    out.append(f'<text class="latest-label" data-period="{last_per}" data-value="{last_val}" '
               f'x="{lx + 10:.1f}" y="{ty:.1f}" font-size="15" font-weight="bold" '
               f'fill="{LINE}">{_e(i18n.qualified(last_val, last_q, lang))}</text>')
    out.append(f'<text x="{lx + 10:.1f}" y="{ty + 16:.1f}" font-size="12" fill="{MUTED}">'
               f"{_e(i18n.short_period(last_per, lang))}</text>")
    if standalone:
        for k, line in enumerate(chart.footer):
            y = height - 14 - 17 * (len(chart.footer) - 1 - k)
            out.append(f'<text class="footer" x="16" y="{y}" font-size="12" '
                       f'fill="{MUTED}">{_e(line)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def standalone(chart: Chart, lang: str) -> str:
    """An .svg file: XML prolog, namespace, title, source and date in the image."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + render(
        chart, lang, standalone=True, width=600, height=360) + "\n"
