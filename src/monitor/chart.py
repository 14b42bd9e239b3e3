"""`monitor chart`: one series as a line chart (PNG or SVG), drawn headless.

matplotlib is an optional dependency (`pip install 'monitor[chart]'`): the daemon never
needs it. It is used through `matplotlib.figure.Figure` directly, never pyplot, so no
display, GUI backend or global figure state is involved. The series a chart was drawn
from is embedded in the file (SVG `<dc:description>`, PNG `Description` text chunk) as
JSON, so a reader or a test can check what a chart shows without looking at pixels.

Honest by default: the y-axis starts at zero (`--zoom` fits it to the data and says so on
the chart), the x-axis ends at the last period, and markers are drawn only where they do
not touch. PNGs are rendered at 2x (`--dpi`, default 220 for a `--width` given in
1x pixels), sharp enough for print.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sqlite3
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor.messages import label, org
from monitor.period import Period, is_monthly
from monitor.period import label as period_label

INSTALL_HINT = "pip install 'monitor[chart]'"
BASE_DPI = 110        # 1x: a --width in pixels is figure inches * BASE_DPI
DEFAULT_WIDTH = 880   # pixels at 1x
DEFAULT_DPI = 2 * BASE_DPI
MARKER = 3.0          # marker size (points)
LINE = "#1f5f8b"
REVISED = "#c0392b"


class ChartUnavailable(Exception):
    """matplotlib is not installed."""


@dataclass
class Point:
    period: str
    value: int
    qualifier: str
    url: str | None


@dataclass
class Revision:
    period: str
    old_value: int
    new_value: int
    created: str


@dataclass
class Series:
    """What a chart is drawn from (and what it embeds)."""

    source: str
    metric: str
    points: list[Point] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    zero_based: bool = True  # False: `--zoom`, the y-axis fits the data (and says so)

    @property
    def yearly(self) -> bool:
        return bool(self.points) and not is_monthly(self.points[0].period)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "metric": self.metric,
                "points": [[p.period, p.value] for p in self.points],
                "qualifiers": {p.period: p.qualifier for p in self.points
                               if p.qualifier != "exact"},
                "revisions": [asdict(r) for r in self.revisions],
                "latest": [self.latest.period, self.latest.value] if self.latest else None,
                "y_axis_from_zero": self.zero_based}


def load_series(conn: sqlite3.Connection, source: str, metric: str,
                since: str | None = None) -> Series:
    """Accepted figures of one series (monthly if it has any, else yearly) and revisions."""
    from monitor import archive

    rows = archive.figures.series(conn, source, metric)
    monthly = [r for r in rows if is_monthly(r[0])]
    chosen = monthly or [r for r in rows if not is_monthly(r[0])]
    if since:
        start = Period.parse(since) if monthly else Period.parse(since).as_year()
        chosen = [r for r in chosen if Period.parse(r[0]) >= start]
    s = Series(source, metric, [Point(r[0], r[1], r[2], r[3]) for r in chosen])
    periods = {p.period for p in s.points}
    for r in archive.events.revisions(conn, source, metric):
        if r["period"] in periods and r["new_value"] is not None:
            s.revisions.append(Revision(r["period"], r["old_value"], r["new_value"],
                                        r["created"]))
    return s


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ChartUnavailable(
            f"charts need matplotlib, which is not installed: {INSTALL_HINT}") from None
    return matplotlib


def _date(period: str) -> dt.date:
    return Period.parse(period).first_day()


def _with_gaps(periods: list[str], ys: list[int]) -> tuple[list[dt.date], list[float]]:
    """Break the line where periods are missing instead of drawing across the gap."""
    ps = [Period.parse(p) for p in periods]
    xs = [p.first_day() for p in ps]
    gx: list[dt.date] = []
    gy: list[float] = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i:
            prev = xs[i - 1]
            if ps[i].index - ps[i - 1].index > 1:
                gx.append(prev + (x - prev) / 2)
                gy.append(float("nan"))
        gx.append(x)
        gy.append(y)
    return gx, gy


def title_of(series: Series, language: str = "en") -> str:
    return f"{org(series.source)}: {label(series.source, series.metric, language)}"


def markers_fit(n_points: int, width_px: float) -> bool:
    """Markers only when neighbours are at least two marker widths apart (at 1x)."""
    if n_points <= 1:
        return True
    plot_px = width_px * 0.85
    marker_px = MARKER * BASE_DPI / 72
    return plot_px / (n_points - 1) >= 2 * marker_px


ZOOM_NOTE = {"en": "y-axis does not start at zero", "es": "el eje y no empieza en cero"}


def render(series: Series, fmt: str, language: str = "en", *, width: int = DEFAULT_WIDTH,
           dpi: int = DEFAULT_DPI) -> bytes:
    """The chart as PNG or SVG bytes, with the series embedded as JSON metadata."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported chart format {fmt!r} (png or svg)")
    if not series.points:
        raise ValueError(f"no figures for {series.source} {series.metric}")
    mpl = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, MonthLocator
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rc = {"svg.fonttype": "none", "svg.hashsalt": f"monitor-{series.source}-{series.metric}",
          "font.size": 9}
    with mpl.rc_context(rc):
        inches = width / BASE_DPI
        fig = Figure(figsize=(inches, inches * 0.45), dpi=BASE_DPI)
        FigureCanvasAgg(fig)  # the non-GUI renderer: no display, no pyplot state
        ax = fig.add_subplot()
        ax.patch.set_gid("plot-area")
        xs = [_date(p.period) for p in series.points]
        ys = [p.value for p in series.points]
        gx, gy = _with_gaps([p.period for p in series.points], ys)
        (line,) = ax.plot(gx, gy, color=LINE, linewidth=2,
                          marker="o" if markers_fit(len(xs), width) else None,
                          markersize=MARKER, label="accepted value", clip_on=False)
        line.set_gid("series")
        if series.revisions:
            by_period = {p.period: p.value for p in series.points}
            rx = [_date(r.period) for r in series.revisions]
            ax.vlines(rx, [r.old_value for r in series.revisions],
                      [by_period[r.period] for r in series.revisions],
                      colors=REVISED, linestyles="dotted", linewidth=1)
            ax.scatter(rx, [r.old_value for r in series.revisions], marker="x", s=30,
                       color=REVISED, zorder=3, label="value before revision", gid="revised-old")
            ax.scatter(rx, [by_period[r.period] for r in series.revisions], marker="D", s=40,
                       facecolors="none", edgecolors=REVISED, linewidths=1.5, zorder=4,
                       label="revised", gid="revised")
            ax.legend(loc="best", frameon=False, fontsize=8)
        last = series.points[-1]
        qual = {"at_least": "≥ ", "about": "≈ "}.get(last.qualifier, "")
        # above the last point, ending at it: the axis needs no room past the last period
        ax.annotate(f"{qual}{last.value:,}, {period_label(last.period, language)}",
                    xy=(xs[-1], ys[-1]), xytext=(0, 8), textcoords="offset points",
                    fontweight="bold", color=LINE, ha="right", va="bottom",
                    gid="latest-label", annotation_clip=False)
        span = (f"{period_label(series.points[0].period, language)} – "
                f"{period_label(last.period, language)}")
        fig.suptitle(title_of(series, language), x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        note = "" if series.zero_based else f"; {ZOOM_NOTE[language]}"
        ax.set_title(("yearly" if series.yearly else "monthly") + f", {span}{note}",
                     loc="left", fontsize=8, color="#555555" if series.zero_based else REVISED,
                     gid="subtitle")
        months = (xs[-1].year - xs[0].year) * 12 + xs[-1].month - xs[0].month
        # whole months on a short series (never day ticks between monthly points)
        locator = MonthLocator() if months <= 18 else AutoDateLocator(minticks=3, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.margins(y=0.15)
        values = ys + [r.old_value for r in series.revisions]
        top = max(values) * 1.15 if max(values) > 0 else 1
        if series.zero_based:
            ax.set_ylim(0, top)
        # from the first period to the last: no padding past it (markers are not clipped)
        first_x, last_x = xs[0], xs[-1]
        if first_x == last_x:
            first_x -= dt.timedelta(days=15)
        ax.set_xlim(first_x, last_x)
        ax.grid(True, color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.text(0.01, 0.01, f"Source: {org(series.source)}, as archived "
                 "by monitor", fontsize=7, color="#777777")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        buf = io.BytesIO()
        desc = "monitor-series " + json.dumps(series.as_dict(), separators=(",", ":"))
        meta: dict[str, Any] = {"Title": title_of(series, language), "Description": desc}
        if fmt == "svg":
            meta["Date"] = None
        else:
            meta["Software"] = "monitor (matplotlib)"
        fig.savefig(buf, format=fmt, metadata=meta, dpi=dpi if fmt == "png" else BASE_DPI)
    return buf.getvalue()


def embedded_series(data: bytes) -> dict[str, Any] | None:
    """Read back the series a chart file (PNG or SVG bytes) was drawn from."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        import struct
        import zlib

        pos = 8
        while pos + 8 <= len(data):
            length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
            chunk = data[pos + 8:pos + 8 + length]
            pos += 12 + length
            if ctype in (b"tEXt", b"zTXt", b"iTXt"):
                key, _, rest = chunk.partition(b"\0")
                if key != b"Description":
                    continue
                if ctype == b"zTXt":
                    rest = zlib.decompress(rest[1:])
                elif ctype == b"iTXt":
                    flag = rest[0]
                    rest = rest[2:].split(b"\0", 2)[2]
                    rest = zlib.decompress(rest) if flag else rest
                return _parse_desc(rest.decode("utf-8", "replace"))
        return None
    m = re.search(rb"<dc:description>(.*?)</dc:description>", data, re.S)
    if not m:
        return None
    import html

    return _parse_desc(html.unescape(m.group(1).decode("utf-8")))


def _parse_desc(text: str) -> dict[str, Any] | None:
    if not text.startswith("monitor-series "):
        return None
    return json.loads(text[len("monitor-series "):])


def inline_svg(series: Series, language: str = "en") -> str:
    """The chart as an <svg> element for embedding in HTML (no XML prolog, no metadata)."""
    text = render(series, "svg", language).decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    # HTML knows the SVG and xlink namespaces; dropping the declarations leaves no URL
    # in the page that is not a link to a source
    return re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", text, count=2)


def main(cfg: Any, args: argparse.Namespace) -> int:
    """`monitor chart --source S --metric M [--since YYYY-MM] --out FILE.png|.svg`."""
    from monitor import archive

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        print(f"monitor: --out must end in .png or .svg, got {args.out!r}", file=sys.stderr)
        return 2
    try:
        _matplotlib()
    except ChartUnavailable as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 1
    conn = archive.connect(cfg.db_path, create=False)
    try:
        series = load_series(conn, args.source, args.metric, args.since)
        series.zero_based = not getattr(args, "zoom", False)
        if not series.points:
            known = archive.figures.metrics(conn, args.source)
            print(f"monitor: no figures for {args.source} {args.metric}"
                  + (f" since {args.since}" if args.since else "")
                  + (f" (metrics in the archive: {', '.join(known)})" if known else
                     " (the archive has none for this source yet)"), file=sys.stderr)
            return 1
    finally:
        conn.close()
    data = render(series, fmt, cfg.notify.get("language", "en"),
                  width=getattr(args, "width", None) or DEFAULT_WIDTH,
                  dpi=getattr(args, "dpi", None) or DEFAULT_DPI)
    try:
        out.write_bytes(data)
    except OSError as exc:
        print(f"monitor: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    last = series.latest
    assert last is not None
    print(f"wrote {out}: {title_of(series)}, {len(series.points)} points "
          f"{series.points[0].period} to {last.period}, latest {last.value:,}"
          + (f", {len(series.revisions)} revision{'s' if len(series.revisions) != 1 else ''}"
             " marked" if series.revisions else ""))
    return 0
