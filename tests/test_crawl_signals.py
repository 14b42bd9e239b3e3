"""Signals on a manual `monitor crawl`: nothing half-stored, nothing left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _crawl_children(parent_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-f", "monitor.crawl_child"], capture_output=True,
                         text=True).stdout.split()
    pids = []
    for pid in map(int, out):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == parent_pid:
            pids.append(pid)
    return pids


def _wait_for_child(proc: subprocess.Popen, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = _crawl_children(proc.pid)
        if kids:
            return kids[0]
        time.sleep(0.1)
    raise AssertionError("the crawl child never started")


def _start(tmp_path, serve):
    site = Site("PD")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    site.hang = True  # accepts connections, never answers: the crawl is mid-flight
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv})
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "crawl"],
                            stderr=subprocess.PIPE, text=True)
    return proc, _wait_for_child(proc)


def test_sigterm_on_crawl_stops_its_scrapy_child_and_stores_nothing(tmp_path, serve):
    proc, child = _start(tmp_path, serve)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    assert rc != 0
    assert "interrupted" in proc.stderr.read()
    time.sleep(0.5)
    assert not _alive(child), "the Scrapy child outlived `monitor crawl`"
    conn = sqlite3.connect(tmp_path / "monitor.db")
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 0


def test_scrapy_child_killed_by_a_signal_is_a_failed_run_not_an_empty_success(tmp_path, serve):
    proc, child = _start(tmp_path, serve)
    time.sleep(1)
    # someone (an OOM killer, an operator) stops the Scrapy process alone
    os.kill(child, signal.SIGTERM)
    time.sleep(0.3)
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signal.SIGTERM)  # Scrapy stops at once on the second one
    rc = proc.wait(timeout=60)
    assert rc == 1
    conn = sqlite3.connect(tmp_path / "monitor.db")
    runs = conn.execute("SELECT outcome, error FROM runs").fetchall()
    assert len(runs) == 1 and runs[0][0] == "failed", runs
    assert conn.execute("SELECT COUNT(*) FROM figures").fetchone()[0] == 0


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
