"""`monitor crawl --backfill`: commit as it goes, resume where it stopped, show progress.

A scheduled run is one transaction (all or nothing). A backfill of a real site takes hours
at a polite `download_delay`, so it would never finish inside `run_timeout`, and a kill
would lose all of it. Instead, while the crawl child runs, the parent reads the pages it
has spooled (pages.jsonl) and stores them in batches, each batch its own transaction:
pages, observations, figures and events, plus a row per page in `backfill_progress`. No
message is planned for a batch: the final step (runner.store) marks which events alert
(the newest period and revisions, as for any backfill) and plans the one data message.

A rerun after a stop gives the child the posts already stored, which it does not request
again, and carries the stopped run's events into its final message. The backfill has no
`run_timeout`; it is stopped only when no page arrives for `backfill_idle_timeout`.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor import archive, clock
from monitor.archive.events import DATA_KINDS, Event

log = logging.getLogger("monitor.backfill")

BATCH_PAGES = 25        # pages per transaction
BATCH_SECONDS = 10.0    # ...or fewer, when this long has passed since the last commit
PROGRESS_SECONDS = 5.0  # a progress line at most this often (and every PROGRESS_PAGES)
PROGRESS_PAGES = 50
POLL = 0.5


def previous(conn: sqlite3.Connection, source: str) -> list[str]:
    """Post URLs a backfill of `source` that did not finish has stored already."""
    return archive.backfill.stored_posts(conn, source)


def merge_stopped(conn: sqlite3.Connection, source: str, events: list[Event],
                  run_id: int, batched: Batcher | None) -> list[Event]:
    """Inside a successful run's transaction: add the events recorded by backfill batches
    (this backfill's, and a stopped one's) to the run's events, so its one message covers
    them; a completed backfill also forgets its progress. Called by every run, so the
    newest figures a stopped backfill stored are alerted by the next scheduled run too."""
    runs = [r for r in archive.backfill.unplanned_runs(conn, source) if r != run_id]
    carried = carried_events(conn, runs)
    if batched is not None:
        carried += batched.totals.events
    archive.backfill.mark_planned(conn, runs)
    if batched is not None:
        archive.backfill.finish(conn, source, run_id, runs)
    return sorted({e.id: e for e in carried + events}.values(), key=lambda e: e.id)


def carried_events(conn: sqlite3.Connection, run_ids: list[int]) -> list[Event]:
    """Data events and extraction gaps backfill batches of earlier processes recorded
    (committed, never planned yet): read back from the archive."""
    return archive.events.by_id(conn, archive.backfill.event_ids(
        conn, run_ids, (*DATA_KINDS, "extraction_gap")))


@dataclass
class Totals:
    pages: int = 0          # pages stored (new or changed content)
    changed: int = 0
    observations: int = 0
    batches: int = 0
    events: list[Event] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


class Batcher:
    """Stores a running backfill's spooled pages in batches and reports progress.

    `store_batch(pages) -> (stored, changed, observations, events, aliases)` is given by
    the runner (it owns how pages are stored); this class owns when, and the progress.
    """

    def __init__(self, conn: sqlite3.Connection, source: str, started: str, *,
                 idle_timeout: float | None, store_batch: Any,
                 run_fields: dict | None = None) -> None:
        self.conn = conn
        self.source = source
        self.started = started
        self.idle_timeout = idle_timeout
        self.store_batch = store_batch
        self.run_fields = run_fields or {}
        self.run_id: int | None = None
        self.skip: list[str] = []        # posts a stopped backfill stored (not refetched)
        self.storage_error: str | None = None
        self.totals = Totals()
        self.consumed = 0            # lines of pages.jsonl already stored
        self.offset = 0              # bytes of pages.jsonl already read
        self.pending: list[Any] = []  # fetched, not yet committed
        self.fetched = 0
        self.listings = 0
        self.current_listing: str | None = None
        self.t0 = time.monotonic()
        self.last_commit = self.t0
        self.last_report = self.t0
        self.reported_at = 0
        self.tty = sys.stderr.isatty()
        self.progress_shown = False

    # -- the child's spool -------------------------------------------------------------
    def wait(self, proc: subprocess.Popen, out: Path) -> int:
        """Wait for the crawl child, committing batches meanwhile. Raises TimeoutExpired
        when no page has arrived for `idle_timeout`."""
        last_page = time.monotonic()
        while True:
            try:
                rc = proc.wait(timeout=POLL)
            except subprocess.TimeoutExpired:
                rc = None
            if self._read(out):
                last_page = time.monotonic()
            if rc is not None:
                self._maybe_report(force=True)  # the last count, once
                self.end_progress()
                return rc
            try:
                self._maybe_commit()
            except (sqlite3.Error, OSError) as exc:
                # a full disk, a locked archive: stop crawling what cannot be kept; the
                # batches committed so far stay, and a rerun continues from them
                self.storage_error = str(exc)
                log.error("%s: backfill batch could not be stored, stopping: %s",
                          self.source, exc)
                from monitor.fetch import stop_process

                stop_process(proc)
                self.end_progress()
                return proc.wait()
            self._maybe_report()
            if self.idle_timeout and time.monotonic() - last_page > self.idle_timeout:
                self.end_progress()
                raise subprocess.TimeoutExpired(proc.args, self.idle_timeout)

    def _read(self, out: Path) -> int:
        from monitor.crawlproto import Page

        index = out / "pages.jsonl"
        try:
            with open(index, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return 0
        end = data.rfind(b"\n")
        if end < 0:
            return 0
        self.offset += end + 1
        n = 0
        for line in data[:end].splitlines():
            page = Page.from_line(line, out / "bodies")
            self.pending.append(page)
            n += 1
            if page.kind == "listing":
                self.listings += 1
                self.current_listing = page.url
        self.fetched += n
        return n

    def _maybe_commit(self) -> None:
        if not self.pending:
            return
        if (len(self.pending) >= BATCH_PAGES
                or time.monotonic() - self.last_commit >= BATCH_SECONDS):
            self.commit()

    def commit(self) -> None:
        """One batch, one transaction: its pages, figures, events and progress rows."""
        batch, self.pending = self.pending, []
        with archive.transaction(self.conn):
            if self.run_id is None:
                self.run_id = archive.insert_run(
                    self.conn, source=self.source, started=self.started, outcome="running",
                    backfill=1)
                archive.backfill.start(self.conn, self.run_id, self.source)
            stored, changed, observations, events, aliases = self.store_batch(
                batch, self.run_id)
            archive.backfill.record_progress(self.conn, self.source,
                                             ((p.url, p.kind) for p in batch), self.run_id,
                                             clock.now())
        self.consumed += len(batch)
        t = self.totals
        t.pages += stored
        t.changed += changed
        t.observations += observations
        t.events += events
        t.aliases.update(aliases)
        t.batches += 1
        self.last_commit = time.monotonic()
        log.debug("%s: backfill batch %d committed: %d pages", self.source, t.batches,
                  len(batch))

    # -- progress ----------------------------------------------------------------------
    def line(self) -> str:
        elapsed = time.monotonic() - self.t0
        rate = self.fetched / elapsed if elapsed > 0 else 0.0
        page = _listing_no(self.current_listing)
        return (f"{self.source}: backfill: {self.listings} listing pages, {self.fetched} pages "
                f"fetched, {self.totals.observations} figures read, "
                f"{self.consumed} pages committed"
                + (f", at listing page {page}" if page else "")
                + f", {_clock(elapsed)}, {rate:.1f} pages/s")

    def _maybe_report(self, force: bool = False) -> None:
        now = time.monotonic()
        due = (now - self.last_report >= PROGRESS_SECONDS
               or self.fetched - self.reported_at >= PROGRESS_PAGES)
        if not force and (not due or self.fetched == self.reported_at):
            return
        self.last_report = now
        self.reported_at = self.fetched
        if self.tty:
            sys.stderr.write("\r\x1b[K" + self.line())
            sys.stderr.flush()
            self.progress_shown = True
        else:
            log.info("%s", self.line(), extra={
                "source": self.source, "listing_pages": self.listings,
                "pages_fetched": self.fetched, "figures": self.totals.observations,
                "pages_committed": self.consumed,
                "elapsed": round(now - self.t0, 1)})

    def end_progress(self) -> None:
        if self.tty and self.progress_shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.progress_shown = False


def _listing_no(url: str | None) -> int | None:
    if not url:
        return None
    m = re.search(r"/page/(\d+)/?$", url)
    return int(m.group(1)) if m else 1


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m{s % 60:02d}s" if s >= 3600 else (
        f"{s // 60}m{s % 60:02d}s")
