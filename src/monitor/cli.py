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

from monitor import __version__, logfmt
from monitor.config import Config, ConfigError, load, source_names
from monitor.lock import LockHeld
from monitor.output import FORMATS, write_rows
from monitor.sources import SourceError

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
    logfmt.TRACEBACKS = verbose >= 1
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


def _check_source_args(args: argparse.Namespace, known: list[str] | tuple[str, ...]) -> None:
    """--source names a registered source (the config may register more: plugins)."""
    given = getattr(args, "source", None)
    for n in [given] if isinstance(given, str) else (given or []):
        if n not in known:
            raise UsageError(f"unknown source {n!r} (known: {', '.join(known)})")


def _config(args: argparse.Namespace) -> Config:
    cfg = load(args.config, args.db)
    _check_source_args(args, list(cfg.sources))
    return cfg


def _sources(cfg: Config, names: list[str] | None) -> list:
    if names:
        return [cfg.sources[n] for n in names]
    return cfg.enabled_sources()


def _interrupt_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C: the open transaction rolls back, the Scrapy child stops."""
    import signal

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, handler)


def _require_writable(cfg: Config) -> None:
    """crawl/daemon write the archive: one line naming the path when they cannot (exit 2)."""
    from monitor.archive.readonly import check_can_write

    problem = check_can_write(cfg.db_path)
    if problem:
        raise UsageError(problem)


def _require_archive(cfg: Config) -> None:
    """Commands that work on an archive never create one: a mistyped path is an error."""
    if not cfg.db_path.exists():
        raise FileNotFoundError(f"no archive at {cfg.db_path} (run `monitor crawl` first)")


def cmd_crawl(args: argparse.Namespace) -> int:
    from monitor.runner import run_cycle

    cfg = _config(args)
    _require_writable(cfg)
    _interrupt_on_sigterm()
    return run_cycle(cfg, _sources(cfg, args.source), backfill=args.backfill,
                     send=not args.no_notify)


def cmd_reparse(args: argparse.Namespace) -> int:
    from monitor.runner import reparse

    cfg = _config(args)
    _require_archive(cfg)
    _interrupt_on_sigterm()
    return reparse(cfg, _sources(cfg, args.source), send=not args.no_notify)


def cmd_daemon(args: argparse.Namespace) -> int:
    from monitor.scheduler import run_daemon

    child = ["--log-format", args.log_format]
    child += ["-q"] if args.quiet else ["-v"] * args.verbose
    cfg = _config(args)
    _require_writable(cfg)
    return run_daemon(cfg, grace=args.grace, child_args=child)


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
    from monitor.config import parse_chars
    from monitor.extract.base import page_limit
    from monitor.fetch import page_cap

    cap = page_cap(args.config)
    if re.match(r"^https?://", target):
        import urllib.request

        req = urllib.request.Request(target, headers={"User-Agent": "monitor extract"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                html = resp.read(cap + 1)
        except OSError as exc:
            print(f"monitor: cannot fetch {target}: {exc}", file=sys.stderr)
            return 1
        if len(html) > cap:
            print(f"monitor: {target} is larger than crawl.max_page_size ({cap} bytes)",
                  file=sys.stderr)
            return 1
        url = url or target
    else:
        try:
            html = Path(target).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {target}: {exc.strerror}") from None
        url = url or Path(target).resolve().as_uri()
    if args.source not in source_names():
        _config(args)  # a source registered by the config's plugins.source_dirs
    with page_limit(parse_chars(cap)):  # pages are read as far as a crawl would read them
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
                  "previous_value", "change", "published", "url", "check"]
HISTORY_COLUMNS = ["source", "metric", "period", "value", "qualifier", "published", "url"]
EVENTS_COLUMNS = ["id", "created", "source", "kind", "metric", "period", "old_value",
                  "new_value", "qualifier", "url", "details"]


def _as_of(args: argparse.Namespace) -> str | None:
    from monitor import asof

    if not getattr(args, "as_of", None):
        return None
    try:
        return asof.parse(args.as_of)
    except ValueError as exc:
        raise UsageError(f"--as-of: {exc}") from None


def _check_column(conn: sqlite3.Connection, rows: list[dict], when: str | None) -> None:
    """Fill each latest row's `check`: its identities for that period hold, or which fail
    ("" when no identity covers the figure)."""
    from monitor import asof, checks

    for source in sorted({r["source"] for r in rows}):
        if when:
            figs = {(f["metric"], f["period"]): (f["value"], f["qualifier"])
                    for f in asof.figures(conn, when, source)}
        else:
            figs = checks.load_figures(conn, source)
        covered = checks.metric_checks(checks.evaluate(source, figs), source)
        for r in rows:
            if r["source"] != source:
                continue
            res = covered.get((r["metric"], r["period"]), [])
            failing = [c.check for c in res if not c.holds]
            r["check"] = (f"fails: {', '.join(failing)}" if failing
                          else "holds" if res else "")


def cmd_latest(args: argparse.Namespace) -> int:
    from monitor import asof

    when = _as_of(args)
    conn = _db(args)
    if when:
        rows = asof.latest(conn, when, args.source)
    else:
        from monitor import archive

        rows = archive.figures.latest(conn, LATEST_COLUMNS[:-1], args.source)
    _check_column(conn, rows, when)
    write_rows(LATEST_COLUMNS, ([r.get(c) for c in LATEST_COLUMNS] for r in rows), args.format)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from monitor import asof

    when = _as_of(args)
    conn = _db(args)
    if when:
        rows = asof.figures(conn, when, args.source, args.metric, args.since)
        write_rows(HISTORY_COLUMNS, ([r[c] for c in HISTORY_COLUMNS] for r in rows),
                   args.format)
        return 0
    from monitor import archive

    if args.metric:
        _check_metric(args.metric, args.source)
    write_rows(HISTORY_COLUMNS, archive.figures.history(conn, HISTORY_COLUMNS, args.source,
                                                        args.metric, args.since), args.format)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Every declared identity per period; exit 1 when one fails in the range."""
    from monitor import archive, checks

    cfg = _config(args)
    conn = archive.connect(cfg.db_path, create=False)
    names = [args.source] if args.source else list(cfg.sources)
    rows = checks.rows(conn, names, args.since)
    write_rows(checks.COLUMNS, ([r[c] for c in checks.COLUMNS] for r in rows), args.format)
    return 1 if any(not r["holds"] for r in rows) else 0


def cmd_events(args: argparse.Namespace) -> int:
    from monitor import archive

    conn = _db(args)
    write_rows(EVENTS_COLUMNS, archive.all_events(conn, EVENTS_COLUMNS,
                                                  [args.kind] if args.kind else None,
                                                  args.since, args.source), args.format)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from monitor.query import run_query

    cfg = _config(args)
    return run_query(cfg.db_path, args.sql, args.format, timeout=args.timeout or None,
                     max_rows=args.max_rows or None)


def cmd_status(args: argparse.Namespace) -> int:
    from monitor.status import show_status

    cfg = _config(args)
    _require_archive(cfg)
    return show_status(cfg, args.format)


def _read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, quotes)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--env-file: cannot read {path}: {exc.strerror}") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, eq, value = line.removeprefix("export ").partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise UsageError(f"--env-file: {path} line {n}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def cmd_notify(args: argparse.Namespace) -> int:
    import os

    from monitor import notify

    if args.env_file:
        os.environ.update(_read_env_file(args.env_file))
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
    _config(args)  # registers the config's plugin sources
    for name in source_names():
        print(f"  {name:22} {extract.version(name):28} {extract.describe(name)}")
    print("notifiers (apprise URL schemes):")
    for name, doc in notify.NOTIFIERS.items():
        print(f"  {name:22} {doc}")
    return 0


def cmd_chart(args: argparse.Namespace) -> int:
    from monitor.chart import main as chart_main

    _check_metric(args.metric, args.source)
    if not 200 <= args.width <= 8000:
        raise UsageError(f"--width: must be between 200 and 8000 pixels, got {args.width}")
    if not 50 <= args.dpi <= 1200:
        raise UsageError(f"--dpi: must be between 50 and 1200, got {args.dpi}")
    return chart_main(_config(args), args)


def cmd_report(args: argparse.Namespace) -> int:
    from monitor.report import main as report_main

    cfg = _config(args)
    _require_archive(cfg)
    return report_main(cfg, args)


def cmd_publish(args: argparse.Namespace) -> int:
    from monitor import archive
    from monitor.publish.build import PublishError, publish

    cfg = _config(args)
    lang = args.lang or cfg.publish["lang"]
    base_url = cfg.publish["base_url"] if args.base_url is None else args.base_url
    if base_url and not re.match(r"^https?://[^/\s]+", base_url):
        raise UsageError(f"--base-url: expected an http(s) URL, got {base_url!r}")
    conn = archive.connect(cfg.db_path, create=False)
    try:
        result = publish(conn, Path(args.dir), lang, base_url)
    except PublishError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        print(f"monitor: cannot write the site to {args.dir}: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if result.changed:
        print(f"published {result.out}: {result.files} files ({result.series} series pages), "
              f"language {lang}; open {result.out / 'index.html'}")
    else:
        print(f"{result.out} is up to date: nothing rewritten")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import main as demo_main

    return demo_main(args)


def _check_metric(metric: str, source: str | None) -> None:
    """--metric names a metric the source (or any source) declares; else list them."""
    from monitor import sources

    names = [source] if source else sources.names()
    known: list[str] = []
    for n in names:
        try:
            known += [m for m in sources.get(n).metric_names if m not in known]
        except KeyError:
            continue
    if known and metric not in known:
        where = f" of {source}" if source else ""
        raise UsageError(f"unknown metric {metric!r}; the metrics{where} are: "
                         + ", ".join(known))


def _month(text: str) -> str:
    """YYYY or YYYY-MM with a real month (2025-13 is refused, not matched as text)."""
    from monitor.period import Period, PeriodError

    try:
        return str(Period.parse(text))
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> str:
    """YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z], each a real date."""
    import datetime as dt

    formats = {4: "%Y", 7: "%Y-%m", 10: "%Y-%m-%d", 16: "%Y-%m-%dT%H:%M",
               19: "%Y-%m-%dT%H:%M:%S"}
    core = text[:-1] if text.endswith("Z") and len(text) > 10 else text
    try:
        if len(core) not in formats or not re.fullmatch(r"[\dT:-]+", core):
            raise ValueError
        dt.datetime.strptime(core, formats[len(core)])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date YYYY-MM-DD (or YYYY-MM, or YYYY-MM-DDTHH:MM[:SS]Z), got "
            f"{text!r}") from None
    return text


def _global_options(p: argparse.ArgumentParser, after_command: bool = False) -> None:
    """--config, --db, -v, -q, --log-format: before the command, or after it (`monitor
    status -q`). After it, their defaults are SUPPRESS, so an option given only before the
    command is not reset by the subcommand's parser."""
    kw = {"default": argparse.SUPPRESS} if after_command else {}
    p.add_argument("--config", metavar="PATH",
                   help="config file (default: $MONITOR_CONFIG, else ./config.toml, else "
                        "built-in defaults)", **kw)
    p.add_argument("--db", metavar="PATH", help="archive path (overrides database.path)", **kw)
    p.add_argument("-v", "--verbose", action="count", help="more log output",
                   **(kw or {"default": 0}))
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only",
                   **kw)
    p.add_argument("--log-format", choices=("text", "json"),
                   help="log line format on stderr (json for log shippers)",
                   **(kw or {"default": "text"}))


def _status_help() -> str:
    from monitor.status import UNHEALTHY

    return ("per source: last run, newest period, next run; undelivered alerts. Exit "
            f"status 1 when a source is {', '.join(UNHEALTHY[:-1])} or {UNHEALTHY[-1]} "
            "(a health check), 0 otherwise; `no archive` is exit 1 too")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="monitor",
        description="Watch Prisoners Defenders and OCDH publications about Cuba, archive "
                    "every figure in SQLite, and alert on new or revised counts.")
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    _global_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    try:
        names = ", ".join(source_names())
    except SourceError:  # reported by the command that needs the sources
        names = "see `monitor sources`"

    def source_opt(sp: argparse.ArgumentParser, help_: str = "only this source",
                   **kw: object) -> None:
        # checked once the config is loaded: its plugins.source_dirs may register more
        sp.add_argument("--source", metavar="NAME", help=f"{help_} ({names}, or a source "
                        "registered with plugins.source_dirs)", **kw)

    def add(name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        _global_options(sp.add_argument_group("global options"), after_command=True)
        return sp

    def fmt(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--format", choices=FORMATS,
                        default="table",
                        help="output format (default: table)")

    sp = add("crawl", cmd_crawl, "one full cycle now: crawl, extract, store, diff, alert")
    source_opt(sp, "only this source (repeatable; default: every enabled source)",
               action="append")
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
    source_opt(sp, "the source whose extractor reads the page", required=True)
    sp.add_argument("page", metavar="PATH_OR_URL")
    sp.add_argument("--url", help="the page's original address (a hint: dates in its path)")
    sp.add_argument("--explain", action="store_true",
                    help="also print on stderr every number on the page with its reading "
                         "(counted thing, event, scope, window, anchor) and the decision")

    as_of_help = ("the archive as it stood at TIME (UTC; a date means the end of that "
                  "day): revisions recorded later do not show")
    sp = add("latest", cmd_latest, "current figure per source and metric, with the change "
                                   "and whether its arithmetic checks hold")
    source_opt(sp)
    sp.add_argument("--as-of", metavar="YYYY-MM-DD[THH:MM]", help=as_of_help)
    fmt(sp)
    sp = add("history", cmd_history, "the accepted series, one row per figure")
    source_opt(sp)
    sp.add_argument("--metric")
    sp.add_argument("--since", type=_month, metavar="YYYY-MM")
    sp.add_argument("--as-of", metavar="YYYY-MM-DD[THH:MM]", help=as_of_help)
    fmt(sp)
    sp = add("check", cmd_check, "every arithmetic identity the sources declare, per period, "
                                 "with its result (exit 1 when one fails in the range)")
    source_opt(sp)
    sp.add_argument("--since", type=_month, metavar="YYYY-MM",
                    help="only periods from this month on")
    fmt(sp)
    sp = add("events", cmd_events, "the change log")
    sp.add_argument("--since", type=_date, metavar="DATE",
                    help="events recorded on or after DATE: YYYY-MM-DD (or YYYY-MM, or a "
                         "timestamp YYYY-MM-DDTHH:MM:SSZ)")
    sp.add_argument("--kind", choices=("new", "revised", "conflict", "source_failing",
                                       "source_recovered", "stale", "late",
                                       "extraction_gap"))
    source_opt(sp)
    fmt(sp)
    sp = add("query", cmd_query, "read-only SQL on the archive")
    sp.add_argument("sql")
    sp.add_argument("--timeout", type=_duration, default=30, metavar="DURATION",
                    help="stop the query after this long (default: 30s; 0s: no limit); "
                         "Ctrl-C stops it too")
    sp.add_argument("--max-rows", type=int, default=1_000_000, metavar="N",
                    help="stop when the query returns more than N rows (default: 1000000; "
                         "0: no limit)")
    fmt(sp)
    sp = add("status", cmd_status, _status_help())
    fmt(sp)
    sp = add("notify", cmd_notify, "send a test alert to every target")
    sp.add_argument("--test", action="store_true", help="send a test message")
    sp.add_argument("--env-file", metavar="PATH",
                    help="read KEY=VALUE lines (e.g. MONITOR_NOTIFY_URLS) from PATH first, "
                         "as systemd's EnvironmentFile= does; '-' reads stdin, so "
                         "`sudo cat /etc/monitor/secrets.env | sudo -u monitor monitor "
                         "notify --test --env-file -` tests the service's own targets")
    sp = add("reparse", cmd_reparse, "re-run extractors over stored pages, then diff and alert")
    source_opt(sp, "only this source (repeatable)", action="append")
    sp.add_argument("--no-notify", action="store_true")
    add("sources", cmd_sources, "list the registered extractors and notifiers")
    sp = add("chart", cmd_chart, "a line chart of one series (PNG or SVG)")
    source_opt(sp, "the series' source", required=True)
    sp.add_argument("--metric", required=True)
    sp.add_argument("--since", type=_month, metavar="YYYY-MM")
    sp.add_argument("--out", required=True, metavar="FILE.png|FILE.svg")
    sp.add_argument("--width", type=int, default=880, metavar="PX",
                    help="width in pixels at 1x (default: 880)")
    sp.add_argument("--dpi", type=int, default=220, metavar="N",
                    help="PNG resolution: 110 is 1x, the default 220 is 2x (print quality)")
    sp.add_argument("--zoom", action="store_true",
                    help="fit the y-axis to the data instead of starting at zero (the "
                         "chart says so)")
    sp = add("report", cmd_report, "the site's front page as one self-contained HTML file "
                                   "(see publish)")
    sp.add_argument("--out", default="report.html", metavar="FILE.html")
    sp.add_argument("--lang", choices=("en", "es"),
                    help="interface language (default: publish.lang, else en)")
    sp = add("publish", cmd_publish,
             "write a static bilingual site: pages, CSV/JSON downloads, Atom feed, "
             "embeddable SVG charts")
    sp.add_argument("dir", metavar="DIR",
                    help="the site folder (created, or replaced if monitor wrote it)")
    sp.add_argument("--lang", choices=("en", "es"),
                    help="interface language: labels, months, number format (default: "
                         "publish.lang, else en); evidence stays as published")
    sp.add_argument("--base-url", metavar="URL",
                    help="where the site is served, for the feed's absolute links only "
                         "(default: publish.base_url; pages always link relatively)")
    sp = add("demo", cmd_demo, "offline demo: serve a bundled site copy, backfill, show alerts")
    sp.add_argument("--keep", metavar="DIR", help="keep the demo archive in DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet, args.log_format)
    try:
        return args.func(args)
    except (ConfigError, UsageError, LockHeld, SourceError) as exc:
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
