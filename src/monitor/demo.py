"""`monitor demo`: the whole product, offline, in well under a minute.

Serves a bundled sample copy of each source's site (three years of monthly reports that
the source folder's sample.py renders from its sample.json, illustrative numbers) on
127.0.0.1, backfills it into a temporary archive through the real crawl path
(`runner.run_cycle`: Scrapy child, extract, store, diff, plan and deliver alerts), then
publishes one more month and a correction, crawls again, and prints the latest figures
and every alert that went out. Alerts are delivered to a JSON webhook on loopback inside
this process, so what is printed is what a real target would have received.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
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

from monitor import archive, sources
from monitor.wpsite import Post, Site, SiteServer

log = logging.getLogger("monitor.demo")


def load_series() -> dict[str, dict[str, Any]]:
    """The bundled sample figures of every source that has them (its folder's sample.json):
    {source: {"series": {period: {metric: value}}, "revision": {period, figures} | absent}}."""
    out = {}
    for src in sources.all_sources():
        data = src.sample_data()
        if data is not None and src.sample is not None:
            out[src.name] = data
    return out


@dataclass
class DemoSite:
    """One source's sample site: what is online at first, and what is published later."""

    source: str
    site: Site
    later: list[Post]
    noun: str  # "monthly reports"

    @property
    def org(self) -> str:
        return sources.get(self.source).short_name


def build_sites(samples: dict[str, dict[str, Any]] | None = None) -> dict[str, DemoSite]:
    """Every source's site with every month but the last; the last month (and a correction,
    where the sample has one) come later. Posts come from each source's sample.py."""
    samples = samples or load_series()
    out: dict[str, DemoSite] = {}
    for name, data in samples.items():
        mod = sources.get(name).sample
        site = Site(mod.SITE_TITLE, style=mod.URL_STYLE)
        series = data["series"]
        periods = sorted(series)
        later: list[Post] = []
        for i, per in enumerate(periods):
            post = mod.demo_post(per, series)
            (later.append(post) if i == len(periods) - 1 else site.add(post))
        rev = data.get("revision")
        if rev:
            newest = max(p.published for p in later) if later else dt.date.today()
            later.append(mod.correction_post(rev["period"], rev["figures"],
                                             newest + dt.timedelta(days=2)))
        out[name] = DemoSite(name, site, later, getattr(mod, "POSTS_NOUN", "monthly reports"))
    return out


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


def demo_config(workdir: Path, servers: dict[str, SiteServer], notify_url: str) -> Any:
    """Every demo source on its loopback copy; sources without a sample stay disabled."""
    from monitor.config import build

    data = {
        "database": {"path": str(workdir / "monitor.db")},
        "crawl": {"download_delay": 0.0, "timeout": "10s",
                  "user_agent": "monitor demo (+offline sample site)"},
        "sources": {name: ({"start_urls": [srv.base_url + "/feed/"],
                            "allowed_domains": [srv.host]} if name in servers
                           else {"enabled": False})
                    for name, srv in ((n, servers.get(n)) for n in sources.names())},
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

    columns = ["source", "metric", "period", "value", "qualifier", "previous_value", "change"]
    conn = connect_ro(db_path)
    try:
        latest = archive.figures.latest(conn, columns)
        counts = archive.figures.months_archived(conn)
    finally:
        conn.close()
    latest.sort(key=lambda r: r["source"], reverse=True)  # stable: metric order kept
    write_rows(columns, ([r[c] for c in columns] for r in latest), "table", out)
    print("", file=out)
    for source, n, first, last in counts:
        print(f"  {source}: {n} months archived, {first} to {last}", file=out)
    for source in load_series():
        if source not in {c[0] for c in counts}:
            print(f"  {source}: no figures extracted from the sample pages "
                  f"(`monitor extract --source {source} PAGE` shows what its extractor "
                  f"reads)", file=out)


def real_sites() -> str:
    feeds = ", ".join(u for src in sources.all_sources() for u in src.start_urls)
    return f"""\
To watch the real sites:
  1. Edit config.toml: its default start URLs are the real feeds
     ({feeds}); set
     crawl.user_agent to say who you are, and where alerts go: notify.urls, or
     export MONITOR_NOTIFY_URLS="mailtos://user:pass@smtp.example.org?to=you@example.org".
  2. monitor crawl --backfill --no-notify   # read the whole history once, send nothing
  3. monitor notify --test                  # check that alerts reach you
  4. monitor daemon                         # (or `make run`) crawl on schedule, alert on change
"""


def _sites_line(sites: dict[str, DemoSite], servers: dict[str, SiteServer]) -> str:
    parts = [f"{servers[n].base_url} ({d.org}, {len(d.site.posts)} {d.noun})"
             for n, d in sites.items()]
    which = "both sites" if len(parts) == 2 else (
        "the site" if len(parts) == 1 else f"all {len(parts)} sites")
    listed = " and ".join(parts) if len(parts) <= 2 else (
        ", ".join(parts[:-1]) + " and " + parts[-1])
    return f"monitor demo: sample copies of {which} on {listed}."


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
    with contextlib.ExitStack() as stack:
        servers = {n: stack.enter_context(SiteServer(d.site)) for n, d in sites.items()}
        capture = stack.enter_context(AlertCapture())
        cfg = demo_config(workdir, servers, capture.url)
        print(_sites_line(sites, servers) + "\n"
              "The figures are illustrative sample data, not real counts.\n", file=out)
        print("1. First run: `monitor crawl --backfill` reads every report into an empty "
              "archive.\n   One alert per source, for its newest month; older months are "
              "archived without alerts.", file=out, flush=True)
        status = run_cycle(cfg, cfg.enabled_sources(), backfill=True, send=True)
        _print_alerts(capture.take(), out)

        for d in sites.values():
            for post in d.later:
                d.site.add(post)
        which = "both sites publish" if len(sites) == 2 else (
            "the site publishes" if len(sites) == 1 else "every site publishes")
        fixers = [d.org for n, d in sites.items() if load_series()[n].get("revision")]
        fix = (f", and {' and '.join(fixers)} corrects{chr(10)}   an earlier month"
               if fixers else "")
        print(f"\n2. A month later {which} a new report{fix}. A scheduled `monitor crawl` "
              "alerts on the new month and the revision:", file=out, flush=True)
        status = max(status, run_cycle(cfg, cfg.enabled_sources(), backfill=False, send=True))
        _print_alerts(capture.take(), out)

    print("\n3. Latest figures (`monitor latest`):\n", file=out)
    _print_latest(cfg.db_path, out)
    print(f"\nDone in {time.monotonic() - t0:.0f}s.\n", file=out)
    print(real_sites(), file=out)
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
            first = sources.get(next(iter(load_series())))
            name, metric = first.name, first.headline[0]
            print(f"The demo archive is kept in {db}. Explore it:\n"
                  f"  monitor --db {db} history --source {name}\n"
                  f"  monitor --db {db} events --kind revised\n"
                  f"  monitor --db {db} query 'SELECT * FROM {name}_monthly'\n"
                  f"  monitor --db {db} chart --source {name} "
                  f"--metric {metric} --out chart.svg\n"
                  f"  monitor --db {db} report --out report.html")
        return status
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
