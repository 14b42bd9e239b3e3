"""The `monitor` command line (see `monitor --help` and ../shared/SPEC.md "Commands")."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from monitor import __version__
from monitor.config import SOURCE_NAMES, Config, ConfigError, load
from monitor.lock import LockHeld
from monitor.output import FORMATS, write_rows

log = logging.getLogger("monitor")


class UsageError(Exception):
    """Bad usage found after parsing; exit 2 with the message."""


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at emit time, not the one seen at setup."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _setup_logging(verbose: int, quiet: bool, fmt: str = "text") -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = _StderrHandler()
    if fmt == "json":
        from monitor.logfmt import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                               "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apprise", "scrapy", "twisted", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _config(args: argparse.Namespace) -> Config:
    return load(args.config, args.db)


def _sources(cfg: Config, names: list[str] | None) -> list:
    if names:
        for n in names:
            if n not in cfg.sources:
                raise UsageError(f"unknown source {n!r} (known: {', '.join(SOURCE_NAMES)})")
        return [cfg.sources[n] for n in names]
    return cfg.enabled_sources()


def _interrupt_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C: the open transaction rolls back, the Scrapy child stops."""
    import signal

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, handler)


def cmd_crawl(args: argparse.Namespace) -> int:
    from monitor.runner import run_cycle

    cfg = _config(args)
    _interrupt_on_sigterm()
    return run_cycle(cfg, _sources(cfg, args.source), backfill=args.backfill,
                     send=not args.no_notify)


def cmd_reparse(args: argparse.Namespace) -> int:
    from monitor.runner import reparse

    cfg = _config(args)
    _interrupt_on_sigterm()
    return reparse(cfg, _sources(cfg, args.source), send=not args.no_notify)


def cmd_daemon(args: argparse.Namespace) -> int:
    from monitor.scheduler import run_daemon

    child = ["--log-format", args.log_format]
    child += ["-q"] if args.quiet else ["-v"] * args.verbose
    return run_daemon(_config(args), grace=args.grace, child_args=child)


def _duration(text: str) -> int:
    from monitor.config import parse_duration

    try:
        return parse_duration(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("duration: ")) from None


def cmd_extract(args: argparse.Namespace) -> int:
    from monitor import extract

    target = args.page
    url = args.url
    if re.match(r"^https?://", target):
        import urllib.request

        req = urllib.request.Request(target, headers={"User-Agent": "monitor extract"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                html = resp.read(20_000_000)
        except OSError as exc:
            print(f"monitor: cannot fetch {target}: {exc}", file=sys.stderr)
            return 1
        url = url or target
    else:
        try:
            html = Path(target).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {target}: {exc.strerror}") from None
        url = url or Path(target).resolve().as_uri()
    if getattr(args, "explain", False):
        result, lines = extract.explain(args.source, html, url)
        for line in lines:
            print(f"explain: {line}", file=sys.stderr)
    else:
        result = extract.extract(args.source, html, url)
    for obs in result.observations:
        print(json.dumps(obs.as_dict(), ensure_ascii=False))
    if not result.observations:
        print(f"monitor: no figures found in {target}"
              + (" (looks like a monthly report: extraction gap)" if result.extraction_gap
                 else ""), file=sys.stderr)
    for note in result.notes:
        print(f"monitor: note: {note}", file=sys.stderr)
    return 0


def _db(args: argparse.Namespace) -> sqlite3.Connection:
    """The archive for a reading command: never created here (FileNotFoundError -> exit 1)."""
    from monitor import archive

    cfg = _config(args)
    return archive.connect(cfg.db_path, create=False)


LATEST_COLUMNS = ["source", "metric", "period", "value", "qualifier", "previous_period",
                  "previous_value", "change", "published", "url"]
HISTORY_COLUMNS = ["source", "metric", "period", "value", "qualifier", "published", "url"]
EVENTS_COLUMNS = ["id", "created", "source", "kind", "metric", "period", "old_value",
                  "new_value", "qualifier", "url", "details"]


def cmd_latest(args: argparse.Namespace) -> int:
    conn = _db(args)
    sql = f"SELECT {', '.join(LATEST_COLUMNS)} FROM latest"
    params: list = []
    if args.source:
        sql += " WHERE source=?"
        params.append(args.source)
    write_rows(LATEST_COLUMNS, conn.execute(sql + " ORDER BY source, metric", params),
               args.format)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    conn = _db(args)
    sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM figures WHERE 1=1"
    params: list = []
    if args.source:
        sql += " AND source=?"
        params.append(args.source)
    if args.metric:
        sql += " AND metric=?"
        params.append(args.metric)
    if args.since:
        sql += " AND period>=?"
        params.append(args.since)
    sql += " ORDER BY source, metric, length(period), period"
    write_rows(HISTORY_COLUMNS, conn.execute(sql, params), args.format)
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    conn = _db(args)
    sql = f"SELECT {', '.join(EVENTS_COLUMNS)} FROM events WHERE 1=1"
    params: list = []
    if args.since:
        sql += " AND created>=?"
        params.append(args.since)
    if args.kind:
        sql += " AND kind=?"
        params.append(args.kind)
    if args.source:
        sql += " AND source=?"
        params.append(args.source)
    sql += " ORDER BY id"
    write_rows(EVENTS_COLUMNS, conn.execute(sql, params), args.format)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from monitor.query import run_query

    cfg = _config(args)
    return run_query(cfg.db_path, args.sql, args.format)


def cmd_status(args: argparse.Namespace) -> int:
    from monitor.status import show_status

    return show_status(_config(args), args.format)


def cmd_notify(args: argparse.Namespace) -> int:
    from monitor import notify

    cfg = _config(args)
    if not args.test:
        raise UsageError("nothing to do: use `monitor notify --test`")
    results = notify.send_test(cfg)
    if not results:
        print("no notification targets configured (notify.urls, $MONITOR_NOTIFY_URLS or "
              "notify.config)", file=sys.stderr)
        return 1
    bad = 0
    for name, err in results:
        print(f"{'ok  ' if err is None else 'FAIL'} {name}" + (f": {err}" if err else ""))
        bad += err is not None
    return 1 if bad else 0


def cmd_sources(args: argparse.Namespace) -> int:
    from monitor import extract, notify

    print("extractors:")
    for name in extract.EXTRACTORS:
        print(f"  {name:22} {extract.version(name):28} {extract.describe(name)}")
    print("notifiers (apprise URL schemes):")
    for name, doc in notify.NOTIFIERS.items():
        print(f"  {name:22} {doc}")
    return 0


def cmd_chart(args: argparse.Namespace) -> int:
    from monitor.chart import main as chart_main

    return chart_main(_config(args), args)


def cmd_report(args: argparse.Namespace) -> int:
    from monitor.report import main as report_main

    return report_main(_config(args), args)


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import main as demo_main

    return demo_main(args)


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2})?", text):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {text!r}")
    return text


def _date(text: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?)?)?", text):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor",
        description="Watch Prisoners Defenders and OCDH publications about Cuba, archive "
                    "every figure in SQLite, and alert on new or revised counts.")
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    p.add_argument("--config", metavar="PATH",
                   help="config file (default: $MONITOR_CONFIG, else ./config.toml, else "
                        "built-in defaults)")
    p.add_argument("--db", metavar="PATH", help="archive path (overrides database.path)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    p.add_argument("--log-format", choices=("text", "json"), default="text",
                   help="log line format on stderr (json for log shippers)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    def fmt(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--format", choices=FORMATS,
                        default="table",
                        help="output format (default: table)")

    sp = add("crawl", cmd_crawl, "one full cycle now: crawl, extract, store, diff, alert")
    sp.add_argument("--source", action="append", choices=SOURCE_NAMES,
                    help="only this source (repeatable; default: every enabled source)")
    sp.add_argument("--backfill", action="store_true",
                    help="follow every listing page, not just the newest ones")
    sp.add_argument("--no-notify", action="store_true",
                    help="record events but send nothing (alerts are stored as unsent)")

    sp = add("daemon", cmd_daemon, "run the schedule until SIGTERM/SIGINT")
    sp.add_argument("--grace", type=_duration, default=60, metavar="DURATION",
                    help="after SIGTERM/SIGINT, how long a running crawl may take to finish "
                         "before it is stopped (default: 60s; a second signal stops at once)")

    sp = add("extract", cmd_extract,
             "run one source's extractor on a saved page or a URL; print JSON lines")
    sp.add_argument("--source", required=True, choices=SOURCE_NAMES)
    sp.add_argument("page", metavar="PATH_OR_URL")
    sp.add_argument("--url", help="the page's original address (a hint: dates in its path)")
    sp.add_argument("--explain", action="store_true",
                    help="also print on stderr every number on the page with its reading "
                         "(counted thing, event, scope, window, anchor) and the decision")

    sp = add("latest", cmd_latest, "current figure per source and metric, with the change")
    sp.add_argument("--source", choices=SOURCE_NAMES)
    fmt(sp)
    sp = add("history", cmd_history, "the accepted series, one row per figure")
    sp.add_argument("--source", choices=SOURCE_NAMES)
    sp.add_argument("--metric")
    sp.add_argument("--since", type=_month, metavar="YYYY-MM")
    fmt(sp)
    sp = add("events", cmd_events, "the change log")
    sp.add_argument("--since", type=_date, metavar="DATE",
                    help="events recorded on or after DATE: YYYY-MM-DD (or YYYY-MM, or a "
                         "timestamp YYYY-MM-DDTHH:MM:SSZ)")
    sp.add_argument("--kind", choices=("new", "revised", "conflict", "source_failing",
                                       "source_recovered", "stale", "extraction_gap"))
    sp.add_argument("--source", choices=SOURCE_NAMES)
    fmt(sp)
    sp = add("query", cmd_query, "read-only SQL on the archive")
    sp.add_argument("sql")
    fmt(sp)
    sp = add("status", cmd_status, "per source: last run, newest period, next run; "
                                   "undelivered alerts (exit 1 if failing or stale)")
    fmt(sp)
    sp = add("notify", cmd_notify, "send a test alert to every target")
    sp.add_argument("--test", action="store_true", help="send a test message")
    sp = add("reparse", cmd_reparse, "re-run extractors over stored pages, then diff and alert")
    sp.add_argument("--source", action="append", choices=SOURCE_NAMES)
    sp.add_argument("--no-notify", action="store_true")
    add("sources", cmd_sources, "list the registered extractors and notifiers")
    sp = add("chart", cmd_chart, "a line chart of one series (PNG or SVG)")
    sp.add_argument("--source", required=True, choices=SOURCE_NAMES)
    sp.add_argument("--metric", required=True)
    sp.add_argument("--since", type=_month, metavar="YYYY-MM")
    sp.add_argument("--out", required=True, metavar="FILE.png|FILE.svg")
    sp = add("report", cmd_report, "a self-contained static HTML report")
    sp.add_argument("--out", default="report.html", metavar="FILE.html")
    sp = add("demo", cmd_demo, "offline demo: serve a bundled site copy, backfill, show alerts")
    sp.add_argument("--keep", metavar="DIR", help="keep the demo archive in DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet, args.log_format)
    try:
        return args.func(args)
    except (ConfigError, UsageError, LockHeld) as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return 130
    except sqlite3.DatabaseError as exc:
        print(f"monitor: database error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"monitor: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
