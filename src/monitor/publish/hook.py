"""The daemon's `[publish] dir`: republish after every cycle of a source that stored
something.

The site is written by a `monitor publish` child process, like every crawl, so the
daemon never loads lxml or feedgen and a failure to publish never stops it. One publish
at a time; since an unchanged archive gives the same bytes, a publish after a cycle that
changed nothing visible rewrites nothing.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading

from monitor import archive
from monitor.config import Config

log = logging.getLogger("monitor.publish")

_one_at_a_time = threading.Lock()
TIMEOUT = 600


def stored_since(cfg: Config, source: str, after_run: int) -> bool:
    """Did a run of `source` newer than `after_run` store anything?"""
    with contextlib.closing(archive.connect(cfg.db_path)) as conn:
        return archive.runs.stored_since(conn, source, after_run)


def command(cfg: Config) -> list[str]:
    cmd = [sys.executable, "-m", "monitor", "--db", str(cfg.db_path)]
    if cfg.path:
        cmd += ["--config", str(cfg.path)]
    cmd += ["-q", "publish", cfg.publish["dir"], "--lang", cfg.publish["lang"]]
    if cfg.publish["base_url"]:
        cmd += ["--base-url", cfg.publish["base_url"]]
    return cmd


def after_run(cfg: Config, source: str, before: int) -> None:
    """Called by the daemon once a run of `source` was recorded (`before`: the run id before
    it). Logs and returns on any failure."""
    if not cfg.publish.get("dir"):
        return
    try:
        if not stored_since(cfg, source, before):
            return
        with _one_at_a_time:
            done = subprocess.run(command(cfg), stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode:
            log.error("publishing to %s failed (exit %d): %s", cfg.publish["dir"],
                      done.returncode, done.stderr.strip()[-500:])
        else:
            log.info("%s: published %s", source, cfg.publish["dir"],
                     extra={"source": source})
    except Exception:
        log.exception("publishing to %s failed", cfg.publish["dir"])
