"""Parent side of a crawl: run the Scrapy child with a timeout and read back what it fetched.

The child dies with its parent: it watches a pipe whose only write end this process holds,
so however `monitor crawl` ends (SIGKILL included) the child sees end-of-file and exits.
Its spool folder carries an `owner` file (pid and start time); folders whose owner is gone
(a killed crawl cannot clean up) are removed at the next start.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.config import Config, SourceConfig
from monitor.crawlproto import (
    ChildResult,
    CrawlParams,
    Handover,
    Page,
    Politeness,
    ProtocolError,
    read_json,
    read_pages,
    write_json,
)

log = logging.getLogger("monitor.fetch")

KILL_GRACE = 10  # seconds between SIGTERM and SIGKILL


@dataclass
class FetchResult:
    source: str
    pages: list[Page] = field(default_factory=list)
    failed: bool = False
    error: str | None = None
    page_errors: list[str] = field(default_factory=list)
    robots_skipped: list[str] = field(default_factory=list)
    posts_left: list[str] = field(default_factory=list)  # over max_new_posts, for next run
    stats: dict[str, Any] = field(default_factory=dict)
    handed_over: list[str] = field(default_factory=list)  # answered from the probe's replies
    workdir: tempfile.TemporaryDirectory | None = None

    def cleanup(self) -> None:
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None


SPOOL_PREFIX = "monitor-"
_SPOOL_NAME = re.compile(r"^monitor-[A-Za-z0-9_.-]+-[A-Za-z0-9_]+$")
LEGACY_SPOOL_AGE = 86400  # spool folders from before owner files: removed after a day


def _proc_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields and fields[0] in ("Z", "X"):
        return None
    return fields[19] if len(fields) > 19 else None


def _owner_alive(text: str) -> bool:
    try:
        pid_s, start = text.split()
        pid = int(pid_s)
    except ValueError:
        return False
    if not Path("/proc/self/stat").exists():  # no /proc: trust a live pid
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return _proc_start(pid) == start


def clean_stale_spools(tmpdir: str | None = None) -> list[Path]:
    """Remove spool folders of crawls that were killed (their owner process is gone)."""
    base = Path(tmpdir or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for d in entries:
        if not d.name.startswith(SPOOL_PREFIX) or not _SPOOL_NAME.match(d.name):
            continue
        try:
            st = d.lstat()
            if not d.is_dir() or d.is_symlink() or (uid is not None and st.st_uid != uid):
                continue
            owner = d / "owner"
            if owner.exists():
                if _owner_alive(owner.read_text(encoding="ascii", errors="replace")):
                    continue
            elif not (d / "params.json").exists() or time.time() - st.st_mtime < LEGACY_SPOOL_AGE:
                continue
        except OSError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        if not d.exists():
            removed.append(d)
    if removed:
        log.info("removed %d spool folder(s) left by killed crawls in %s", len(removed), base)
    return removed


def page_cap(config_path: str | None) -> int:
    """`crawl.max_page_size` for commands that need no config (`monitor extract URL`):
    the configured value when a usable config is there, the default otherwise."""
    from monitor import config

    try:
        return config.load(config_path).max_page_size
    except config.ConfigError:
        return config.parse_size(config.DEFAULTS["crawl"]["max_page_size"])


def run_child(cfg: Config, src: SourceConfig, *, backfill: bool,
              known_posts: list[str], timeout: float | None = None,
              revalidate_posts: list[str] | None = None,
              batches: Any = None, skip_posts: list[str] | None = None,
              handover: list[tuple[Handover, bytes]] | None = None,
              prepare: Callable[[], None] | None = None) -> FetchResult:
    """Crawl one source in a child process; never raises for network trouble.

    `batches` (a monitor.backfill.Batcher): a backfill, which stores what the child
    spools while it runs and has an idle limit instead of `run_timeout`; `skip_posts`:
    posts a stopped backfill already stored, not requested again. `handover`: the probe's
    fresh responses (with their raw bodies), which the child uses instead of asking the
    site again. `prepare` runs while the child starts Scrapy (~0.5 s of imports); the
    child fetches nothing before it has returned, and an exception from it stops the
    child and propagates (a bad notify setting stops the crawl before any request)."""
    clean_stale_spools()
    workdir = tempfile.TemporaryDirectory(prefix=f"{SPOOL_PREFIX}{src.name}-")
    out = Path(workdir.name)
    (out / "owner").write_text(f"{os.getpid()} {_proc_start(os.getpid()) or 0}",
                               encoding="ascii")
    handed: list[Handover] = []
    if handover:
        (out / "handover").mkdir()
        for i, (h, raw) in enumerate(handover, 1):
            h.body_file = f"{i:04d}"
            (out / "handover" / h.body_file).write_bytes(raw)
            handed.append(h)
    # the child reads this pipe; it gets end-of-file when this process ends in any way
    watch_r, watch_w = os.pipe()
    params = CrawlParams(
        source=src.name, start_urls=list(src.start_urls),
        allowed_domains=list(src.allowed_domains),
        post_path=src.post_path,  # from the source's declaration
        max_listing_pages=None if backfill else src.max_listing_pages,
        backfill=backfill, known_posts=list(known_posts),
        revalidate_posts=[] if backfill else list(revalidate_posts or []),
        max_new_posts=None if backfill else src.max_new_posts,
        backfill_done=list(skip_posts or []),
        polite=Politeness.from_config(cfg.crawl, cfg.max_page_size),
        httpcache_dir=str(cfg.db_path.parent / "httpcache" / src.name),
        out_dir=str(out),
        log_level=os.environ.get("MONITOR_SCRAPY_LOG_LEVEL", "WARNING"),
        parent_pipe=watch_r, handover=handed)
    pfile = out / "params.json"
    write_json(params, pfile)
    result = FetchResult(source=src.name, workdir=workdir)
    timeout = timeout if timeout is not None else src.run_timeout
    started = time.monotonic()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "monitor.crawl_child", str(pfile)],
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                pass_fds=(watch_r,))
    finally:
        os.close(watch_r)
    try:
        if prepare is not None:
            prepare()
        try:
            os.write(watch_w, b"g")  # go: the child may fetch now
        except BrokenPipeError:
            pass  # the child is gone already: its exit status says why
        rc = batches.wait(proc, out) if batches else proc.wait(timeout=timeout or None)
    except subprocess.TimeoutExpired as exc:
        stop_process(proc)
        os.close(watch_w)
        result.failed = True
        result.error = (f"backfill stopped: no page arrived for {exc.timeout:g}s "
                        "(backfill_idle_timeout); run it again to continue" if batches else
                        f"crawl timed out after {timeout}s and was stopped")
        log.error("%s: %s", src.name, result.error)
        return result
    except ProtocolError as exc:  # a backfill reads pages.jsonl while the child runs
        stop_process(proc)
        os.close(watch_w)
        result.failed = True
        result.error = f"crawl process wrote an unreadable result ({exc})"
        log.error("%s: %s", src.name, result.error)
        return result
    except BaseException:
        # interrupted (SIGTERM/SIGINT on `monitor crawl`), or `prepare` failed: take the
        # Scrapy child and the spool directory down with us instead of leaving them behind
        stop_process(proc)
        os.close(watch_w)
        result.cleanup()
        raise
    os.close(watch_w)
    log.debug("%s: crawl child finished in %.1fs rc=%s", src.name, time.monotonic() - started, rc)
    rfile = out / "result.json"
    if rc != 0 or not rfile.exists():
        result.failed = True
        result.error = f"crawl process failed (exit status {rc})"
        return result
    try:
        info = read_json(ChildResult, rfile)
        pages = read_pages(out / "pages.jsonl", out / "bodies")
    except ProtocolError as exc:
        log.error("%s: the crawl child wrote something unreadable: %s", src.name, exc)
        result.failed = True
        result.error = f"crawl process wrote an unreadable result ({exc})"
        return result
    result.stats = dict(info.stats)
    result.page_errors = info.page_errors
    result.robots_skipped = info.robots_skipped
    result.posts_left = info.posts_left
    result.handed_over = info.handed_over
    result.pages = pages
    if info.finish_reason != "finished":
        # "shutdown": the child was stopped by a signal; none at all: a second signal forced
        # an unclean stop before the spider closed. Either way what it fetched is incomplete
        result.failed = True
        result.error = ("crawl stopped before it finished "
                        f"({info.finish_reason or 'unclean shutdown'})")
        result.pages = []
        return result
    if info.start_failures:
        result.failed = True
        result.error = "start URL could not be fetched: " + "; ".join(info.start_failures)
    return result


def stop_process(proc: subprocess.Popen, grace: float = KILL_GRACE) -> None:
    """SIGTERM the child's process group, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        # Scrapy's first SIGTERM waits for downloads in flight (forever on a hung site);
        # a second one stops it at once, between callbacks (issue 6: hung-site timeouts)
        proc.wait(timeout=min(1.0, grace))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=max(grace - 1.0, 0.1))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
