"""Resident memory of `monitor daemon` while idle and over many short crawl cycles.

    .venv/bin/python bench/daemon_memory.py [--cycles 200] [--every 20]

Serves a small WordPress-shaped copy of both sources on 127.0.0.1, then:
1. idle: a daemon with nothing due (both sources crawled just before, interval 1h);
2. cycles: a daemon with interval 1s and no jitter, so it runs a crawl child per source
   back to back, until `--cycles` runs are in the archive.
It prints the daemon's VmRSS / VmHWM (from /proc), threads and open file descriptors as
it goes. These are figures to read, not a pass/fail test: the daemon should stay flat,
since every crawl (Scrapy, lxml, extraction) happens in a child process that exits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitor import sources
from monitor.wpsite import Post, Site, SiteServer

SOURCES = tuple(sources.names())


def site(name: str) -> Site:
    """Four small posts on a site copy whose URL shape is the source's (from its sample.py)."""
    sample = sources.get(name).sample
    s = Site(sources.get(name).short_name, style=getattr(sample, "URL_STYLE", "slug"))
    for i, month in enumerate(range(6, 10), start=1):
        s.add(Post(slug=f"informe-{month}", title=f"Informe mensual {month}/2025",
                   published=dt.date(2025, month + 1, 10),
                   content=f"<p>El informe registra {1100 + i} presos políticos.</p>"))
    return s


def proc_status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def count_runs(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=30)
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def write_config(path: Path, servers: dict[str, SiteServer], interval: str) -> Path:
    lines = ['[database]', 'path = "monitor.db"', '',
             '[schedule]', f'interval = "{interval}"', 'jitter = "0s"', 'run_timeout = "60s"', '',
             '[crawl]', 'download_delay = 0.0', 'timeout = "10s"', '']
    for name, srv in servers.items():
        lines += [f'[sources.{name}]', f'start_urls = ["{srv.base_url}/feed/"]',
                  f'allowed_domains = ["{srv.host}"]', '']
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def start_daemon(cfg: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    with open(log, "ab") as err:
        return subprocess.Popen([sys.executable, "-m", "monitor", "-q", "--config", str(cfg),
                                 "daemon", "--grace", "30s"], stderr=err,
                                stdin=subprocess.DEVNULL, env=env)


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=120)


def row(label: str, runs: int, st: dict[str, int], elapsed: float) -> None:
    print(f"{label:>8} {runs:>6} {elapsed:>8.0f}s {st['VmRSS'] / 1024:>9.1f} "
          f"{st['VmHWM'] / 1024:>9.1f} {st['Threads']:>7} {st['fds']:>5}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=200, help="crawl runs to wait for")
    ap.add_argument("--every", type=int, default=20, help="print a sample every N runs")
    args = ap.parse_args()

    servers = {name: SiteServer(site(name)).start() for name in SOURCES}
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="monitor-bench-daemon-") as tmp:
        work = Path(tmp)
        db = work / "monitor.db"
        log = work / "daemon.log"
        header = f"{'phase':>8} {'runs':>6} {'elapsed':>9} {'RSS MiB':>9} {'HWM MiB':>9} " \
                 f"{'threads':>7} {'fds':>5}"

        # 1. idle: everything was crawled a moment ago, the next run is an hour away
        cfg = write_config(work / "idle.toml", servers, "1h")
        subprocess.run([sys.executable, "-m", "monitor", "-q", "--config", str(cfg), "crawl",
                        "--no-notify"], check=False)
        print("idle daemon (nothing due)\n" + header)
        proc = start_daemon(cfg, log)
        t0 = time.monotonic()
        for _ in range(3):
            time.sleep(5)
            st = proc_status(proc.pid)
            row("idle", count_runs(db), st, time.monotonic() - t0)
        results["idle_rss_kib"] = st["VmRSS"]
        stop(proc)

        # 2. cycles: one crawl child per source back to back
        cfg = write_config(work / "busy.toml", servers, "1s")
        base = count_runs(db)
        print(f"\nbusy daemon (interval 1s, {args.cycles} runs)\n" + header)
        proc = start_daemon(cfg, log)
        t0 = time.monotonic()
        time.sleep(3)  # past interpreter start-up
        samples = []
        next_mark = 0
        while True:
            done = count_runs(db) - base
            if done >= next_mark:
                st = proc_status(proc.pid)
                samples.append((done, st["VmRSS"]))
                row("busy", done, st, time.monotonic() - t0)
                next_mark += args.every
            if done >= args.cycles or proc.poll() is not None:
                break
            time.sleep(0.5)
        rc = stop(proc)
        first = samples[1][1] if len(samples) > 1 else samples[0][1]  # after warm-up
        last = samples[-1][1]
        results.update({"runs": count_runs(db) - base, "rss_after_first_runs_kib": first,
                        "rss_at_end_kib": last, "growth_kib": last - first,
                        "daemon_exit": rc, "seconds": round(time.monotonic() - t0)})
    for srv in servers.values():
        srv.stop()
    print("\n" + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
