"""A SIGKILLed `monitor crawl` takes its Scrapy child with it, and its spool is cleaned.

SIGKILL cannot be caught, so the parent cannot stop its child itself: the child watches a
pipe whose write end only the parent holds, and the next crawl removes spool folders
whose owner process is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import write_config
from fixtures.pd_posts import report_post
from monitor.wpsite import Site


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _crawl_child_of(parent: int) -> int | None:
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmd = fh.read()
            with open(f"/proc/{name}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"monitor.crawl_child" in cmd:
            return int(name)
    return None


def _wait_for_child(proc: subprocess.Popen, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = _crawl_child_of(proc.pid)
        if pid:
            return pid
        time.sleep(0.1)
    raise AssertionError("the crawl child never started")


def _spools(tmpdir) -> list:
    return sorted(p for p in tmpdir.iterdir() if p.name.startswith("monitor-"))


def test_sigkill_of_crawl_kills_its_scrapy_child_and_the_next_start_cleans_the_spool(
        tmp_path, serve):
    site = Site("PD")
    site.add(report_post("2025-09", {"political_prisoners_total": 1187}))
    site.hang = True  # accepts connections, never answers: the crawl is mid-flight
    srv = serve(site)
    cfg = write_config(tmp_path / "config.toml", sites={"prisoners_defenders": srv})
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["TMPDIR"] = str(tmpdir)
    # someone else's folder with a similar name, and one of a live crawl, must stay
    other = tmpdir / "monitor-notes"
    other.mkdir()
    cmd = [sys.executable, "-m", "monitor", "--config", str(cfg), "crawl", "--no-notify"]

    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    child = _wait_for_child(proc)
    assert len(_spools(tmpdir)) == 2  # its spool, plus `other`
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the Scrapy child outlived a SIGKILLed `monitor crawl`"
    left = [p for p in _spools(tmpdir) if p != other]
    assert len(left) == 1  # a killed process cannot clean up after itself

    # the next crawl starts (and hangs on the same site): the dead crawl's spool is gone,
    # its own and the unrelated folder are kept
    proc2 = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_for_child(proc2)
        spools = _spools(tmpdir)
        assert left[0] not in spools
        assert other in spools
        assert len(spools) == 2
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(timeout=60)
    assert _spools(tmpdir) == [other]
