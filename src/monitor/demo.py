"""`monitor demo`: the whole product, offline, in well under a minute.

Serves a bundled sample copy of both sites (three years of monthly reports generated from
`demo_site/series.json`, illustrative numbers) on 127.0.0.1, backfills it into a
temporary archive through the real crawl path (`runner.run_cycle`: Scrapy child, extract,
store, diff, plan and deliver alerts), then publishes one more month and a correction,
crawls again, and prints the latest figures and every alert that went out. Alerts are
delivered to a JSON webhook on loopback inside this process, so what is printed is what a
real target would have received.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.resources
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.extract.numbers import MONTH_NAMES_ES, format_int, shift_month
from monitor.wpsite import Post, Site, SiteServer

log = logging.getLogger("monitor.demo")


def load_series() -> dict[str, Any]:
    """The bundled sample figures: {source: {period: {metric: value}}, 'revision': {...}}."""
    res = importlib.resources.files("monitor") / "demo_site" / "series.json"
    return json.loads(res.read_text(encoding="utf-8"))


def _es(n: int) -> str:
    return format_int(n, "es")


def _next_month(per: str, day: int) -> dt.date:
    y, m = shift_month(int(per[:4]), int(per[5:7]), 1)
    return dt.date(y, m, day)


def _mes(per: str) -> tuple[str, int]:
    return MONTH_NAMES_ES[int(per[5:7]) - 1], int(per[:4])


def pd_post(per: str, f: dict[str, int], last12: int | None = None,
            published: dt.date | None = None) -> Post:
    """A Prisoners Defenders monthly report in the shape of the real ones (own wording)."""
    mes, y = _mes(per)
    published = published or _next_month(per, 8 + int(per[5:7]) % 6)
    total = f["political_prisoners_total"]
    paras = [
        f"La lista mensual de Prisoners Defenders, con cierre de datos a "
        f"{published.day} de {MONTH_NAMES_ES[published.month - 1]} de {published.year}, "
        f"contiene un total de {_es(total)} presos políticos y de conciencia en Cuba.",
        f"En {mes} entraron en la lista {f['new_political_prisoners']} nuevos presos "
        f"políticos, y otros {f['released']} salieron de ella tras cumplir su condena.",
        f"De ellos, {f['convicts_of_conscience']} son convictos de conciencia, "
        f"{f['sentenced_of_conscience']} condenados de conciencia y "
        f"{f['other_political_prisoners']} otros presos políticos.",
        f"La lista incluye {f['women']} mujeres y {f['minors']} menores de edad, y "
        f"{f['with_health_issues']} presos políticos padecen enfermedades graves.",
    ]
    if last12 is not None:
        paras.append(f"En los últimos 12 meses entraron en la lista {last12} nuevos presos "
                     f"políticos (un promedio de {round(last12 / 12)} al mes).")
    paras.append("La organización pide a la comunidad internacional que exija la liberación "
                 "de todas las personas encarceladas por sus ideas.")
    slug_total = _es(total).replace(".", "-")
    return Post(
        slug=f"{slug_total}-presos-politicos-en-cuba-en-{mes}-de-{y}",
        title=f"Prisoners Defenders: {_es(total)} presos políticos en Cuba en {mes} de {y}",
        subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
        published=published,
        content="\n".join(f"<p>{p}</p>" for p in paras),
    )


def pd_correction(per: str, total: int, published: dt.date) -> Post:
    """A later post that corrects one month's total: the archive records a revision."""
    mes, y = _mes(per)
    return Post(
        slug=f"actualizacion-de-la-lista-de-{mes}-de-{y}",
        title=f"Prisoners Defenders actualiza la lista de {mes} de {y}",
        subtitle=f"{_es(total)} presos políticos en Cuba en {mes} de {y}",
        published=published,
        content=(f"<p>Tras verificar casos documentados con retraso, la lista de {mes} de {y} "
                 f"contiene un total de {_es(total)} presos políticos en Cuba.</p>\n"
                 "<p>La organización actualiza así la cifra publicada inicialmente.</p>"),
    )


def ocdh_post(per: str, f: dict[str, int], year_to_date: int) -> Post:
    """An OCDH monthly release: dateline, actions, detentions, other abuses (own wording)."""
    mes, y = _mes(per)
    published = _next_month(per, 2 + int(per[5:7]) % 5)
    mes_pub = MONTH_NAMES_ES[published.month - 1]
    paras = [
        f"Madrid, {published.day} de {mes_pub} de {published.year}",
        f"El Observatorio Cubano de Derechos Humanos (OCDH) documentó durante el mes de "
        f"{mes} un total de {f['repressive_actions']} acciones represivas en Cuba: "
        f"{f['arbitrary_detentions']} detenciones arbitrarias y {f['other_abuses']} "
        f"otros abusos.",
        f"En lo que va de año, el OCDH contabiliza {_es(year_to_date)} acciones represivas.",
        "Entre los abusos documentados figuran citaciones policiales, amenazas, multas y "
        "retenciones en viviendas de activistas y periodistas independientes.",
    ]
    return Post(
        slug=f"{f['repressive_actions']}-acciones-represivas-en-cuba-en-{mes}-de-{y}",
        title=f"{f['repressive_actions']} acciones represivas en Cuba en {mes} de {y}",
        published=published,
        content="\n".join(f"<p>{p}</p>" for p in paras),
    )


@dataclass
class DemoSites:
    pd: Site
    ocdh: Site
    later_pd: list[Post]
    later_ocdh: list[Post]


def build_sites(series: dict[str, Any] | None = None) -> DemoSites:
    """Both sites with every month but the last; the last month (and a correction) come later."""
    series = series or load_series()
    pd_site = Site("Prisoners Defenders", style="dated")
    ocdh_site = Site("Observatorio Cubano de Derechos Humanos", style="slug")
    pd_periods = sorted(series["prisoners_defenders"])
    later_pd: list[Post] = []
    for i, per in enumerate(pd_periods):
        window = pd_periods[max(0, i - 11):i + 1]
        last12 = (sum(series["prisoners_defenders"][p]["new_political_prisoners"]
                      for p in window) if len(window) == 12 else None)
        post = pd_post(per, series["prisoners_defenders"][per], last12)
        if i == len(pd_periods) - 1:
            later_pd.append(post)
        else:
            pd_site.add(post)
    rev = series.get("revision")
    if rev:
        newest = max(p.published for p in later_pd) if later_pd else dt.date.today()
        later_pd.append(pd_correction(rev["period"], rev["political_prisoners_total"],
                                      newest + dt.timedelta(days=2)))
    oc_periods = sorted(series["ocdh"])
    later_ocdh: list[Post] = []
    for i, per in enumerate(oc_periods):
        ytd = sum(series["ocdh"][p]["repressive_actions"] for p in oc_periods[:i + 1]
                  if p[:4] == per[:4])
        post = ocdh_post(per, series["ocdh"][per], ytd)
        (later_ocdh.append(post) if i == len(oc_periods) - 1 else ocdh_site.add(post))
    return DemoSites(pd_site, ocdh_site, later_pd, later_ocdh)


class AlertCapture:
    """A JSON webhook on loopback (apprise `json://`) that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    msg = json.loads(body or b"{}")
                except ValueError:
                    msg = {"title": "", "message": body.decode("utf-8", "replace")}
                with capture.lock:
                    capture.received.append(msg)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/demo"

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            out, self.received = self.received, []
        return out

    def __enter__(self) -> AlertCapture:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def demo_config(workdir: Path, pd_srv: SiteServer, ocdh_srv: SiteServer, notify_url: str
                ) -> Any:
    from monitor.config import build

    data = {
        "database": {"path": str(workdir / "monitor.db")},
        "crawl": {"download_delay": 0.0, "timeout": "10s",
                  "user_agent": "monitor demo (+offline sample site)"},
        "sources": {
            "prisoners_defenders": {"start_urls": [pd_srv.base_url + "/feed/"],
                                    "allowed_domains": [pd_srv.host]},
            "ocdh": {"start_urls": [ocdh_srv.base_url + "/feed/"],
                     "allowed_domains": [ocdh_srv.host]},
        },
        "notify": {"urls": [notify_url], "language": "en"},
    }
    return build(data, None)


def _print_alerts(alerts: list[dict[str, Any]], out: Any) -> None:
    if not alerts:
        print("  (no alert: nothing new)", file=out)
    for a in alerts:
        print(f"  ┌ {a.get('title', '')}", file=out)
        for line in str(a.get("message", a.get("body", ""))).splitlines():
            print(f"  │ {line}", file=out)
        print("  └", file=out)


def _print_latest(db_path: Path, out: Any) -> None:
    from monitor.output import write_rows
    from monitor.query import connect_ro

    conn = connect_ro(db_path)
    try:
        rows = conn.execute("SELECT source, metric, period, value, qualifier, previous_value,"
                            " change FROM latest ORDER BY source DESC, metric").fetchall()
        counts = conn.execute("SELECT source, COUNT(DISTINCT period), MIN(period),"
                              " MAX(period) FROM figures"
                              " WHERE length(period) = 7 GROUP BY source ORDER BY source DESC"
                              ).fetchall()
    finally:
        conn.close()
    write_rows(["source", "metric", "period", "value", "qualifier", "previous_value",
                "change"], rows, "table", out)
    print("", file=out)
    for source, n, first, last in counts:
        print(f"  {source}: {n} months archived, {first} to {last}", file=out)
    for source in ("prisoners_defenders", "ocdh"):
        if source not in {c[0] for c in counts}:
            print(f"  {source}: no figures extracted from the sample pages "
                  f"(`monitor extract --source {source} PAGE` shows what its extractor "
                  f"reads)", file=out)


REAL_SITES = """\
To watch the real sites:
  1. Edit config.toml: its default start URLs are the real feeds
     (https://www.prisonersdefenders.org/feed/, https://observacuba.org/feed/); set
     crawl.user_agent to say who you are, and where alerts go: notify.urls, or
     export MONITOR_NOTIFY_URLS="mailtos://user:pass@smtp.example.org?to=you@example.org".
  2. monitor crawl --backfill --no-notify   # read the whole history once, send nothing
  3. monitor notify --test                  # check that alerts reach you
  4. monitor daemon                         # (or `make run`) crawl on schedule, alert on change
"""


def run_demo(workdir: Path, out: Any = None, verbose: bool = False) -> int:
    """Serve, backfill, publish one more month, crawl again; print what happened."""
    from monitor.runner import run_cycle

    out = out or sys.stdout
    t0 = time.monotonic()
    # the demo's alerts go only to its own loopback capture, never to the user's targets
    os.environ.pop("MONITOR_NOTIFY_URLS", None)
    if not verbose:
        for name in ("monitor", "scrapy", "apprise"):
            logging.getLogger(name).setLevel(logging.WARNING)
    sites = build_sites()
    with SiteServer(sites.pd) as pd_srv, SiteServer(sites.ocdh) as ocdh_srv, \
            AlertCapture() as capture:
        cfg = demo_config(workdir, pd_srv, ocdh_srv, capture.url)
        print(f"monitor demo: sample copies of both sites on {pd_srv.base_url} "
              f"(Prisoners Defenders, {len(sites.pd.posts)} monthly reports) and "
              f"{ocdh_srv.base_url} (OCDH, {len(sites.ocdh.posts)} monthly releases).\n"
              "The figures are illustrative sample data, not real counts.\n", file=out)
        print("1. First run: `monitor crawl --backfill` reads every report into an empty "
              "archive.\n   One alert per source, for its newest month; older months are "
              "archived without alerts.", file=out, flush=True)
        status = run_cycle(cfg, cfg.enabled_sources(), backfill=True, send=True)
        _print_alerts(capture.take(), out)

        for post in sites.later_pd:
            sites.pd.add(post)
        for post in sites.later_ocdh:
            sites.ocdh.add(post)
        print("\n2. A month later both sites publish a new report, and Prisoners Defenders "
              "corrects\n   an earlier month. A scheduled `monitor crawl` alerts on the new "
              "month and the revision:", file=out, flush=True)
        status = max(status, run_cycle(cfg, cfg.enabled_sources(), backfill=False, send=True))
        _print_alerts(capture.take(), out)

    print("\n3. Latest figures (`monitor latest`):\n", file=out)
    _print_latest(cfg.db_path, out)
    print(f"\nDone in {time.monotonic() - t0:.0f}s.\n", file=out)
    print(REAL_SITES, file=out)
    return status


def _write_report(db: Path, out: Path) -> None:
    from monitor import archive, report

    conn = archive.connect(db, create=False)
    try:
        out.write_text(report.build(conn), encoding="utf-8")
    finally:
        conn.close()
    print(f"Wrote {out}: the static HTML report (open it in a browser, no network needed).")


def main(args: argparse.Namespace) -> int:
    keep = getattr(args, "keep", None)
    if keep:
        workdir = Path(keep)
        if (workdir / "monitor.db").exists():
            print(f"monitor: {workdir / 'monitor.db'} already exists; give --keep an empty "
                  "or new folder", file=sys.stderr)
            return 2
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    try:
        status = run_demo(workdir, verbose=getattr(args, "verbose", 0) > 0)
        if keep:
            db = workdir / "monitor.db"
            _write_report(db, workdir / "report.html")
            print(f"The demo archive is kept in {db}. Explore it:\n"
                  f"  monitor --db {db} history --source prisoners_defenders\n"
                  f"  monitor --db {db} events --kind revised\n"
                  f"  monitor --db {db} query 'SELECT * FROM prisoners_defenders_monthly'\n"
                  f"  monitor --db {db} chart --source prisoners_defenders "
                  f"--metric political_prisoners_total --out chart.svg\n"
                  f"  monitor --db {db} report --out report.html")
        return status
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
