"""What one monitoring cycle costs: backfill, no-change recheck, alert latency, extraction, memory.

    .venv/bin/python bench/run.py [--n 300] [--out bench/RESULTS.md]

Serves a generated WordPress-shaped copy of both sources (`--n` monthly reports each) on
127.0.0.1 with politeness delays off, runs the real `monitor` command against it, prints a
table and writes it to bench/RESULTS.md. Figures are measurements, not assertions: the
targets are printed next to them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


from sitegen import bench_sources, build_sites, next_post  # noqa: E402

from monitor import archive, extract  # noqa: E402
from monitor.wpsite import SiteServer, render_post  # noqa: E402

SOURCES = tuple(bench_sources())


class Mailbox:
    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.subjects: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.arrived.append(time.monotonic())
            self.subjects.append(str(msg["Subject"]))
        return "250 OK"


def run_env() -> dict[str, str]:
    """The environment of every measured command: no MONITOR_* settings of this shell, and
    bytecode caching as an installed monitor has it. pip compiles an installed package
    (and urlwatch's venv) to .pyc; a shell with PYTHONDONTWRITEBYTECODE set would make
    every `monitor` run compile its own modules from source again (~0.07 s on this
    machine, half the no-change check) while the peer runs from bytecode."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("MONITOR_") and k != "PYTHONDONTWRITEBYTECODE"}


def write_config(path: Path, servers: dict[str, SiteServer], smtp_port: int) -> Path:
    mail = (f"mailto://127.0.0.1:{smtp_port}?from=monitor@example.org"
            f"&to=alerts@example.org&smtp=127.0.0.1&secure=no")
    lines = ['[database]', 'path = "monitor.db"', '',
             '[schedule]', 'interval = "6h"', 'jitter = "0s"', '',
             '[crawl]', 'download_delay = 0.0', 'timeout = "30s"',
             'user_agent = "monitor-bench (+mailto:bench@example.org)"', '',
             '[notify]', f'urls = ["{mail}"]', '']
    for name, srv in servers.items():
        lines += [f"[sources.{name}]", f'start_urls = ["{srv.base_url}/feed/"]',
                  f'allowed_domains = ["{srv.host}"]', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def monitor(cfg: Path, *args: str) -> tuple[float, int]:
    """Run `monitor ARGS`; (seconds, peak RSS in KiB of the `monitor` process itself).

    The peak is VmHWM polled from /proc while it runs (ru_maxrss would be inherited from
    this big benchmark process across fork/exec).
    """
    env = run_env()
    with tempfile.TemporaryFile("w+") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), *args],
                                stdout=subprocess.DEVNULL, stderr=err, text=True, env=env)
        peak = 0
        while proc.poll() is None:
            try:
                peak = max(peak, status_kb(proc.pid, "VmHWM"))
            except OSError:
                pass
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
        if proc.returncode != 0:
            err.seek(0)
            print(err.read()[-3000:], file=sys.stderr)
            raise SystemExit(f"monitor {' '.join(args)} failed with {proc.returncode}")
    return elapsed, peak


def runs_since(conn: sqlite3.Connection, after_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM runs WHERE id > ?", (after_id,))]


def max_run_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("pages", "observations", "figures", "events", "notifications", "runs")}


def page_snapshot(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {r[0]: tuple(r) for r in conn.execute(
        "SELECT url, last_fetched, last_changed, content_hash, http_status FROM pages")}


def sum_runs(rows: list[dict], key: str) -> int:
    return sum(int(r[key] or 0) for r in rows)


def stored_posts(conn: sqlite3.Connection) -> list[tuple[str, str, bytes]]:
    return [(r["source"], r["url"], archive.decompress(r["html_z"])) for r in conn.execute(
        "SELECT source, url, html_z FROM pages WHERE kind='post' ORDER BY id")]


def bare_posts(n: int) -> list[tuple[str, str, bytes]]:
    """The same reports rendered without theme markup (the bare fixture shape)."""
    base = "http://127.0.0.1"
    out = []
    for src, site in build_sites(n, theme=False).items():
        out += [(src, base + p.path(site.style), render_post(site, p, base).encode())
                for p in site.posts]
    return out


def extraction_bench(pages: list[tuple[str, str, bytes]]) -> dict[str, float]:
    """Milliseconds per page for the sources' extractors (the shared reading pipeline, which
    keeps no cache between pages), with the lxml-only parse of the same pages for scale."""
    import logging

    import lxml.html

    logging.disable(logging.WARNING)  # extraction gaps are reported by count, not logged
    t0 = time.perf_counter()
    for _src, _url, html in pages:
        lxml.html.document_fromstring(html)
    floor = time.perf_counter() - t0
    found = gaps = 0
    cost = 0.0
    for src, url, html in pages:
        t0 = time.perf_counter()
        result = extract.extract(src, html, url)
        gaps += result.extraction_gap   # the runner asks it of every page: its cost counts
        found += bool(result.observations)
        cost += time.perf_counter() - t0
    logging.disable(logging.NOTSET)
    n = max(len(pages), 1)
    return {"pages": len(pages), "lxml_s": floor, "extract_s": cost,
            "lxml_ms": floor / n * 1000, "extract_ms": cost / n * 1000,
            "ratio": cost / floor, "with_figures": found, "gaps": gaps,
            "avg_kb": sum(len(h) for _s, _u, h in pages) / n / 1024}


def status_kb(pid: int, key: str) -> int:
    """A memory figure (VmRSS, VmHWM) of a live process, from /proc, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def daemon_idle_rss(cfg: Path, settle: float) -> int:
    """RSS of `monitor daemon` after it has planned its (hours-away) runs and gone idle."""
    env = run_env()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "daemon"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        time.sleep(settle)
        return status_kb(proc.pid, "VmRSS")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


URLWATCH = "urlwatch==2.29"


def urlwatch_venv(path: Path) -> Path:
    """urlwatch 2.29 in a venv of the benchmark's own (never a project dependency)."""
    exe = path / "bin" / "urlwatch"
    if not exe.exists():
        print(f"installing {URLWATCH} into {path} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "pip"), "install", "-q", URLWATCH], check=True)
    return exe


def tree_pids(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def timed_tree(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS KiB of the whole process tree): the largest sum, over 5 ms
    samples, of each live process's VmHWM (its own peak so far)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while proc.poll() is None:
        total = 0
        for pid in tree_pids(proc.pid):
            try:
                total += status_kb(pid, "VmHWM")
            except OSError:
                pass
        peak = max(peak, total)
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with {proc.returncode}: {err[-2000:]}")
    return elapsed, peak


def peer_bench(tmp: Path, cfg: Path, srv: SiteServer, uw: Path, runs: int,
               conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """No-change check of the same two URLs (feed, first listing): monitor vs urlwatch."""
    udir = tmp / "urlwatch"
    udir.mkdir()
    (udir / "urls.yaml").write_text(
        f"name: feed\nurl: {srv.base_url}/feed/\n---\nname: listing\nurl: {srv.base_url}/\n",
        encoding="utf-8")
    uw_cmd = [str(uw), "--urls", str(udir / "urls.yaml"), "--config", str(udir / "config.yaml"),
              "--hooks", str(udir / "hooks.py"), "--cache", str(udir / "cache.db")]
    env = run_env()
    mon_cmd = [sys.executable, "-m", "monitor", "--config", str(cfg), "crawl",
               "--source", "prisoners_defenders"]
    for _ in range(2):  # warm-up: urlwatch stores the pages' ETags, monitor caches robots.txt
        timed_tree(uw_cmd, env)
    timed_tree(mon_cmd, env)
    mon, peer = [], []
    for i in range(runs):  # alternated, so a load change on the shared machine hits both
        first, second = ((mon_cmd, mon), (uw_cmd, peer)) if i % 2 == 0 else (
            (uw_cmd, peer), (mon_cmd, mon))
        for cmd, into in (first, second):
            srv.clear_log()
            into.append((*timed_tree(cmd, env), [s for _p, s, _n in srv.requests]))
    run = conn.execute("SELECT probe, requests FROM runs ORDER BY id DESC LIMIT 1").fetchone()

    def med(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2]

    rows = []
    for i, ((mt, mp, mr), (ut, up, ur)) in enumerate(zip(mon, peer, strict=True), 1):
        rows.append((f"no-change check, run {i}: monitor / urlwatch",
                     f"{mt:.2f} s / {ut:.2f} s",
                     f"peak RSS {mp / 1024:.0f} / {up / 1024:.0f} MiB; responses "
                     f"{sorted(mr)} / {sorted(ur)}"))
    mt, ut = med([m[0] for m in mon]), med([u[0] for u in peer])
    mp, up = med([m[1] for m in mon]), med([u[1] for u in peer])
    rows += [
        ("no-change check: monitor (median)", f"{mt:.2f} s, {mp / 1024:.0f} MiB",
         f"`monitor crawl --source prisoners_defenders`, probe run: {bool(run['probe'])}, "
         f"{run['requests']} requests"),
        ("no-change check: urlwatch 2.29 (median)", f"{ut:.2f} s, {up / 1024:.0f} MiB",
         "same feed + first listing, its own venv"),
        ("no-change check: time ratio", f"{mt / ut:.2f}x", f"median of {runs}; target <= 0.8x"),
        ("no-change check: peak memory ratio", f"{mp / up:.2f}x",
         "process tree; target <= 1.0x"),
    ]
    return rows


def _log_times(stderr: str) -> dict[str, float]:
    """Wall-clock stamps (epoch seconds) of the steps of one `monitor --log-format json
    crawl` run, from its own log lines."""
    marks = {"crawling ": "crawl", "crawl child finished": "child", ": ok;": "stored",
             "alerts: ": "delivered"}
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or "time" not in doc:
            continue
        stamp = dt.datetime.strptime(doc["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=dt.UTC).timestamp()
        for needle, key in marks.items():
            if needle in doc.get("message", "") and key not in out:
                out[key] = stamp
    return out


def alert_bench(cfg: Path, sites: dict, servers: dict[str, SiteServer], mailbox: Mailbox,
                runs: int, conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """New post -> alert: `runs` new posts, alternately seen by the scheduled crawl (probe
    first) and by the same crawl with the probe off (full_crawl_every = 0s: the crawl as it
    was before the probe), each timed from the command's start to the SMTP server's DATA,
    with the requests the site saw."""
    first = SOURCES[0]
    full = cfg.with_name("config-full.toml")
    full.write_text(cfg.read_text(encoding="utf-8").replace(
        f"[sources.{first}]\n", f'[sources.{first}]\nfull_crawl_every = "0s"\n'),
        encoding="utf-8")
    env = run_env()
    seen: dict[str, list[dict]] = {"probe": [], "full": []}
    for i in range(2 * runs):
        variant = "probe" if i % 2 == 0 else "full"
        sites[first].add(next_post(first, sites[first], seed=99 + i))
        servers[first].clear_log()
        n_mail = len(mailbox.arrived)
        with tempfile.TemporaryFile("w+") as err:
            wall0, t0 = time.time(), time.monotonic()
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config",
                 str(cfg if variant == "probe" else full), "--log-format", "json", "-v",
                 "-v", "crawl", "--source", first],
                stdout=subprocess.DEVNULL, stderr=err, text=True, env=env)
            latency = None
            while time.monotonic() - t0 < 300:
                with mailbox.lock:
                    if len(mailbox.arrived) > n_mail:
                        latency = mailbox.arrived[n_mail] - t0
                        break
                if proc.poll() is not None and len(mailbox.arrived) == n_mail:
                    time.sleep(0.5)
                    if len(mailbox.arrived) == n_mail:
                        break
                time.sleep(0.002)
            proc.wait()
            err.seek(0)
            stamps = {k: v - wall0 for k, v in _log_times(err.read()).items()}
        run = dict(conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone())
        seen[variant].append({
            "latency": latency, "stamps": stamps, "requests": run["requests"],
            "probe": run["probe"], "server": len(servers[first].requests),
            "subject": mailbox.subjects[n_mail] if latency else ""})

    def med(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2] if xs else float("nan")

    rows = []
    for variant, label in (("probe", "new post -> alert"),
                           ("full", "new post -> alert, probe off (full crawl)")):
        got = seen[variant]
        lat = [g["latency"] for g in got if g["latency"] is not None]
        if len(lat) < len(got):
            rows.append((label, "no alert!", f"{len(got) - len(lat)} of {len(got)} runs"))
            continue
        steps = []
        for name, a, b in (("start+probe", None, "crawl"), ("crawl child", "crawl", "child"),
                           ("extract+store", "child", "stored")):
            xs = [g["stamps"][b] - (g["stamps"][a] if a else 0.0) for g in got
                  if b in g["stamps"] and (a is None or a in g["stamps"])]
            steps.append(f"{name} {med(xs):.2f}")
        xs = [g["latency"] - g["stamps"]["stored"] for g in got if "stored" in g["stamps"]]
        steps.append(f"delivery {med(xs):.2f}")
        rows.append((label, f"{med(lat):.2f} s",
                     f"median of {len(lat)} (range {min(lat):.2f}-{max(lat):.2f}); command "
                     f"start to SMTP DATA; {', '.join(steps)} s; subject: "
                     f"{got[-1]['subject'][:60]}"))
    req = {v: sorted({g["server"] for g in seen[v]}) for v in seen}
    recorded = all(g["requests"] == g["server"] for v in seen for g in seen[v])
    rows.append(("new post: requests", f"{'/'.join(map(str, req['probe']))} / "
                 f"{'/'.join(map(str, req['full']))}",
                 "with the probe / probe off, as the site counted them (target: no more than "
                 f"without the probe); runs.requests {'equal' if recorded else 'DIFFER'}"))
    return rows


def machine() -> list[str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import apscheduler
    import lxml.etree
    import scrapy

    from monitor import __version__ as mv
    load = os.getloadavg()
    return [
        f"date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {platform.platform()}; {os.cpu_count()} CPUs ({cpu}); RAM {mem}; "
        f"load average {load[0]:.2f}",
        f"versions: monitor {mv}, Python {platform.python_version()}, Scrapy "
        f"{scrapy.__version__}, lxml {'.'.join(map(str, lxml.etree.LXML_VERSION))}, SQLite "
        f"{sqlite3.sqlite_version}, APScheduler {apscheduler.__version__}",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="monthly reports per source (<= 2000)")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--extract-runs", type=int, default=7,
                    help="extraction measurements per page set; the median is reported")
    ap.add_argument("--peer-runs", type=int, default=7,
                    help="alternated no-change checks by monitor and by urlwatch")
    ap.add_argument("--urlwatch-venv", type=Path,
                    default=Path.home() / ".cache" / "monitor-bench" / "urlwatch-2.29",
                    help="where the benchmark keeps its own urlwatch install")
    ap.add_argument("--alert-runs", type=int, default=5,
                    help="new posts seen with the probe (and as many with it off)")
    ap.add_argument("--daemon-settle", type=float, default=8.0,
                    help="seconds to let the daemon start and go idle before measuring")
    args = ap.parse_args(argv)
    if not 1 <= args.n <= 2000:
        ap.error("--n must be between 1 and 2000")

    from aiosmtpd.controller import Controller

    sites = build_sites(args.n)
    mailbox = Mailbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        smtp_port = sock.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    servers = {name: SiteServer(site).start() for name, site in sites.items()}
    rows: list[tuple[str, str, str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
            cfg = write_config(Path(tmp) / "config.toml", servers, smtp_port)
            conn = sqlite3.connect(Path(tmp) / "monitor.db")
            conn.row_factory = sqlite3.Row

            # 1. backfill
            secs, cmd_peak = monitor(cfg, "crawl", "--backfill", "--no-notify")
            archive.migrate(conn)
            back = runs_since(conn, 0)
            posts = conn.execute("SELECT count(*) FROM pages WHERE kind='post'").fetchone()[0]
            back_bytes = sum_runs(back, "bytes_received")
            child_peak = max(int(r["crawl_max_rss_kb"] or 0) for r in back)
            rows += [
                ("backfill: time", f"{secs:.1f} s", f"{posts} posts, {len(back)} sources"),
                ("backfill: throughput", f"{posts / secs:.0f} pages/s",
                 f"crawl+extract+store; {sum_runs(back, 'requests')} requests"),
                ("backfill: bytes received", f"{back_bytes / 1e6:.2f} MB", ""),
            ]

            # 2. no-change recheck
            counts, snap, last = table_counts(conn), page_snapshot(conn), max_run_id(conn)
            state = [tuple(r) for r in conn.execute("SELECT * FROM source_state ORDER BY source")]
            secs, _peak = monitor(cfg, "crawl")
            re_runs = runs_since(conn, last)
            after = table_counts(conn)
            page_rows = sum(1 for u, v in page_snapshot(conn).items() if snap.get(u) != v)
            other = {t: f"+{after[t] - counts[t]}" for t in after if after[t] != counts[t]}
            state_now = [tuple(r) for r in conn.execute(
                "SELECT * FROM source_state ORDER BY source")]
            changed_state = sum(1 for a, b in zip(state, state_now, strict=False) if a != b)
            if changed_state:
                other["source_state"] = f"{changed_state} updated"
            re_bytes = sum_runs(re_runs, "bytes_received")
            statuses: dict[str, int] = {}
            for r in re_runs:
                for k, v in json.loads(r["responses"] or "{}").items():
                    statuses[k] = statuses.get(k, 0) + v
            pct = 100.0 * re_bytes / back_bytes if back_bytes else 0.0
            rows += [
                ("no-change recheck: time", f"{secs:.1f} s", "both sources, whole command"),
                ("no-change recheck: requests", str(sum_runs(re_runs, "requests")),
                 "responses " + json.dumps(statuses, sort_keys=True)),
                ("no-change recheck: bytes", f"{re_bytes} B",
                 f"{pct:.3f}% of backfill (target < 2%)"),
                ("no-change recheck: rows written", f"{page_rows} page rows",
                 "other: " + (", ".join(f"{t} {n}" for t, n in other.items()) or "none")
                 + " (target: no page rows, only run rows)"),
            ]

            # 2b. the same no-change check by a peer: urlwatch 2.29
            rows += peer_bench(Path(tmp), cfg, servers["prisoners_defenders"],
                               urlwatch_venv(args.urlwatch_venv), args.peer_runs, conn)

            # 3. new posts -> alerts on the loopback SMTP server, with and without the probe
            rows += alert_bench(cfg, sites, servers, mailbox, args.alert_runs, conn)

            # 4. extraction: milliseconds per page (target < 5 ms on theme-sized pages)
            themed = stored_posts(conn)
            for label, pages in (("themed pages", themed), ("bare pages", bare_posts(args.n))):
                # a shared machine moves single runs by +-10%: median of several, with range
                runs = sorted((extraction_bench(pages)
                               for _ in range(args.extract_runs)),
                              key=lambda r: r["extract_ms"])
                ex = runs[len(runs) // 2]
                target = "; target < 5 ms" if label.startswith("themed pages") else ""
                rows += [
                    (f"extraction, {label}", f"{ex['extract_ms']:.2f} ms/page",
                     f"median of {len(runs)} runs (range {runs[0]['extract_ms']:.2f}-"
                     f"{runs[-1]['extract_ms']:.2f} ms); {ex['pages']} posts, avg "
                     f"{ex['avg_kb']:.1f} KB; {ex['with_figures']} yielded figures{target}"),
                    (f"lxml parse, {label}", f"{ex['lxml_ms']:.2f} ms/page",
                     "lxml.html.document_fromstring only, for scale (no target)"),
                ]

            # 5. memory
            rows += [
                ("crawl child peak RSS", f"{child_peak / 1024:.0f} MB",
                 "VmHWM of the Scrapy child (runs.crawl_max_rss_kb), backfill"),
                ("monitor crawl peak RSS", f"{cmd_peak / 1024:.0f} MB",
                 "the parent (extract + store), VmHWM during the backfill"),
            ]
            conn.close()
            idle = daemon_idle_rss(cfg, args.daemon_settle)
            rows.append(("idle daemon RSS", f"{idle / 1024:.1f} MB",
                         f"VmRSS after {args.daemon_settle:.0f}s idle (target < 60 MB)"))
    finally:
        for s in servers.values():
            s.stop()
        smtp.stop()

    report = render(rows, args.n)
    print(report)
    args.out.write_text(report, encoding="utf-8")
    return 0


def render(rows: list[tuple[str, str, str]], n: int) -> str:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = ["# Benchmark results", "", "Last run of `bench/run.py` "
             f"(`--n {n}`: {n} monthly reports per source, both sources, 127.0.0.1, "
             "download_delay 0).", "", *[f"- {m}" for m in machine()], "",
             f"| {'measure'.ljust(w0)} | {'value'.ljust(w1)} | notes |",
             f"|{'-' * (w0 + 2)}|{'-' * (w1 + 2)}|-------|"]
    lines += [f"| {a.ljust(w0)} | {b.ljust(w1)} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
