"""One cycle for one source: fetch (child process) -> extract -> store -> diff -> plan alerts.

Everything a run writes (pages, observations, figures, events, notifications, the run row,
source state) goes into the archive in one transaction; delivery happens after the commit.
A backfill is the exception: it commits batches of pages as it goes (monitor.backfill),
and its last transaction decides the alerts for all of them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field

from monitor import (
    archive,
    checks,
    diff,
    extract,
    fetch,
    late,
    logfmt,
    messages,
    notify,
    probe,
    unrecorded,
)
from monitor import backfill as batches
from monitor.config import Config, SourceConfig
from monitor.crawlproto import Page
from monitor.lock import source_lock

log = logging.getLogger("monitor.run")


# the one shape of a page on its way in (fetched, spooled by a backfill, or re-read)
PageInput = Page


@dataclass
class Run:
    """One run of one source, as `store` writes it: what was fetched and how it went."""

    pages: list[PageInput]
    started: str                 # stored timestamp form
    t0: float                    # time.monotonic() at the start, for the duration
    targets: list[notify.Target]
    send: bool = True            # False: --no-notify, messages are planned `unsent`
    backfill: bool = False
    failed: bool = False         # the crawl failed: no page is stored, the run is failed
    error: str | None = None
    fields: dict = field(default_factory=dict)  # the crawl's counters for `runs`
    reparse: bool = False        # re-extract stored posts (fetched nothing; force extract)
    results: dict[str, extract.Extraction] | None = None  # url -> Extraction, if known
    batched: batches.Batcher | None = None  # a backfill's batches, committed already


@dataclass
class RunOutcome:
    source: str
    ok: bool
    run_id: int | None = None
    pages_fetched: int = 0
    pages_changed: int = 0
    observations: int = 0
    events: int = 0
    alerts: int = 0
    error: str | None = None
    duration: float = 0.0
    page_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        state = "ok" if self.ok else f"FAILED: {self.error}"
        n = messages.plural
        return (f"{self.source}: {state}; {n(self.pages_fetched, 'page', 'pages')} fetched, "
                f"{self.pages_changed} changed, {n(self.observations, 'figure', 'figures')}"
                f" read, {n(self.events, 'event', 'events')}, "
                f"{n(self.alerts, 'alert message', 'alert messages')}, "
                f"{n(len(self.page_errors), 'page error', 'page errors')}, "
                f"{self.duration:.1f}s")


def run_source(cfg: Config, conn: sqlite3.Connection, src: SourceConfig, *, backfill: bool,
               send: bool, targets: list[notify.Target]) -> RunOutcome:
    """Crawl and store one source. Raises LockHeld when another process crawls it."""
    with source_lock(cfg.db_path, src.name):
        started = archive.now()
        t0 = time.monotonic()
        known = archive.known_pages(conn, src.name)
        aliases = archive.pages.aliases(conn, src.name)
        known_posts = [u for u, r in known.items() if r["kind"] == "post"]
        known_posts += [a for a, u in aliases.items() if u in known]
        recent = [] if backfill else recent_posts(conn, src.name, src.revalidate_recent)
        # start URLs and recent posts unchanged: no Scrapy
        pr = probe.run(cfg, conn, src, backfill=backfill, recent=recent)
        if pr.conclusive:
            log.info("%s: %s", src.name, pr.error or f"{pr.reason}; no crawl needed")
            return store(cfg, conn, src, Run([], started, t0, targets, send=send,
                                             failed=pr.verdict == "failed", error=pr.error,
                                             fields=pr.run_fields()))
        log.info("%s: crawling %s%s (%s)", src.name, ", ".join(src.start_urls),
                 " (backfill)" if backfill else "", pr.reason)
        bf = _backfill_batcher(cfg, conn, src, started, known, aliases) if backfill else None
        fr = fetch.run_child(cfg, src, backfill=backfill, known_posts=known_posts,
                             revalidate_posts=recent, batches=bf,
                             skip_posts=bf.skip if bf else None, handover=pr.handover(),
                             prepare=lambda: probe.prepare(targets, src.name))
        if fr.posts_left:
            log.warning("%s: %d new posts left for the next run (max_new_posts = %d; "
                        "`monitor crawl --backfill` fetches them all now), newest left: %s",
                        src.name, len(fr.posts_left), src.max_new_posts, fr.posts_left[0])
        if fr.failed and (why := unreachable(fr.stats)):
            fr.error = (f"site unreachable: every request failed ({why}); check this "
                        f"machine's network connection and DNS. {fr.error}")
        try:  # bodies are read from the child's files while storing, then removed
            fetched = fr.pages
            if bf is not None:  # a backfill stored most pages already, batch by batch
                if bf.pending and not bf.storage_error:
                    try:
                        bf.commit()
                    except (sqlite3.Error, OSError) as exc:
                        bf.storage_error = str(exc)
                if bf.storage_error:
                    fr.failed, fr.error = True, f"storage failed: {bf.storage_error}"
                fetched = [] if bf.storage_error else fr.pages[bf.consumed:]
            pages, new_aliases = _pages_to_store(fetched, known, aliases, fr.page_errors)
            outcome = store(cfg, conn, src, Run(pages, started, t0, targets, send=send,
                                                backfill=backfill, failed=fr.failed,
                                                error=fr.error,
                                                fields=pr.add_to(_run_stats(fr), fr.handed_over),
                                                batched=bf))
            if bf is not None:
                new_aliases.update(bf.totals.aliases)
        finally:
            fr.cleanup()
        if outcome.ok and new_aliases:
            _save_aliases(conn, src.name, new_aliases)
        outcome.page_errors = fr.page_errors
        for err in fr.page_errors:
            log.warning("%s: %s", src.name, err)
        if fr.robots_skipped:
            log.info("%s: %d pages skipped (robots.txt)", src.name, len(fr.robots_skipped))
        return outcome


def recent_posts(conn: sqlite3.Connection, source: str, periods: int) -> list[str]:
    """Posts behind the figures of the source's newest `periods` monthly periods.

    A scheduled run revalidates them (a conditional GET each, a 304 when unchanged), so a
    correction made in place, at the same URL, gives a `revised` event without a backfill.
    """
    if periods <= 0:
        return []
    newest = diff.newest_period(conn, source)
    if newest is None:
        return []
    return archive.figures.posts_of_newest_periods(conn, source, newest, periods)


# network-level failures: no HTTP answer came back at all (class names, any module)
_CONNECTION_ERRORS = {
    "DNSLookupError": "DNS lookup failed", "ConnectionRefusedError": "connection refused",
    "TCPTimedOutError": "connection timed out", "TimeoutError": "connection timed out",
    "ConnectError": "could not connect", "NoRouteError": "no route to host",
    "ConnectingCancelledError": "could not connect",
    "ResponseNeverReceived": "connection closed without an answer",
    "ConnectionLost": "connection lost", "ConnectionDone": "connection closed",
    # Scrapy >= 2.13 wraps them in its own exceptions
    "CannotResolveHostError": "DNS lookup failed",
    "DownloadConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "connection timed out",
    "DownloadFailedError": "could not connect",
}


def unreachable(stats: dict) -> str | None:
    """What went wrong when every request failed at the network level (DNS, refused,
    timed out) and no response came back at all; None otherwise."""
    if int(stats.get("downloader/response_count", 0)):
        return None
    kinds = [k.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for k in stats
             if k.startswith("downloader/exception_type_count/")]
    if not kinds or not all(k in _CONNECTION_ERRORS for k in kinds):
        return None
    return ", ".join(dict.fromkeys(_CONNECTION_ERRORS[k] for k in kinds))


def _backfill_batcher(cfg: Config, conn: sqlite3.Connection, src: SourceConfig, started: str,
                      known: dict[str, dict], aliases: dict[str, str]) -> batches.Batcher:
    """The batcher of a backfill, continuing one that stopped (monitor.backfill)."""
    skip = batches.previous(conn, src.name)
    if skip:
        log.info("%s: continuing a backfill that stopped: %d posts already stored are not "
                 "fetched again", src.name, len(skip))

    def store_batch(batch: list[Page], run_id: int) -> tuple:
        pages, new_aliases = _pages_to_store(batch, known, aliases)
        results = _extract_all(src.name, pages, known, False, cfg.max_parse_chars)
        out = RunOutcome(source=src.name, ok=True, run_id=run_id)
        newest_before = diff.newest_period(conn, src.name)
        events = _store_pages(conn, src.name, pages, results, out)
        _update_stale_clock(conn, src.name, newest_before)
        return len(pages), out.pages_changed, out.observations, events, new_aliases

    bf = batches.Batcher(conn, src.name, started,
                         idle_timeout=cfg.schedule.get("backfill_idle_timeout"),
                         store_batch=store_batch)
    bf.skip = skip
    return bf


def _pages_to_store(fetched: list[Page], known: dict[str, dict],
                    aliases: dict[str, str], errors: list[str] | None = None
                    ) -> tuple[list[Page], dict[str, str]]:
    """What a run writes: pages with new content, never an unchanged 304 revalidation.

    A response answered from the HTTP cache after a 304 is skipped when the archive holds
    that very content (hash); if the archive lacks it (a run that failed to store, a new
    database next to an old cache), the cached body is stored like a fresh one. A post
    with an empty body is never stored (it would replace a known post with nothing): it
    is counted in `errors` instead.
    """
    pages: list[Page] = []
    seen: set[str] = set()
    new_aliases: dict[str, str] = {}
    for p in fetched:
        if p.url in seen:
            continue
        seen.add(p.url)
        new_aliases.update({a: p.url for a in p.aliases if aliases.get(a) != p.url})
        old = known.get(p.url)
        if p.kind == "post" and p.blank():
            if errors is not None:
                errors.append(f"{p.url}: post: empty body, not stored")
            continue
        if p.cached and old and old["content_hash"] == p.digest:
            continue
        pages.append(p)
    return pages, new_aliases


def _run_stats(fr: fetch.FetchResult) -> dict:
    """Per-run crawl cost for `runs` (DownloaderStats sits below the cache: wire counts)."""
    stats = fr.stats
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                      if k.startswith("downloader/response_status_count/")},
        "bytes_received": int(stats.get("downloader/response_bytes", 0)),
        "revalidations": int(stats.get("httpcache/revalidate", 0)),
        "errors": len(fr.page_errors),
        "posts_left": len(fr.posts_left),
        "crawl_max_rss_kb": stats.get("memory/max_rss_kb"),
    }


def _save_aliases(conn: sqlite3.Connection, source: str, new: dict[str, str]) -> None:
    """Remember short links of stored posts, so later runs treat them as known."""
    try:
        with archive.transaction(conn):
            archive.pages.save_aliases(conn, source, new)
    except sqlite3.Error as exc:  # only an optimisation: the next run re-learns them
        log.warning("%s: could not record short links: %s", source, exc)


def _extract_all(source: str, pages: list[PageInput], known: dict[str, dict],
                 force: bool, max_chars: int) -> dict[str, extract.Extraction]:
    """Extract every post whose content changed (all posts when `force`), each page parsed
    up to `max_chars` characters (config's max_parse_chars)."""
    out: dict[str, extract.Extraction] = {}
    for p in pages:
        if p.kind != "post" or not p.body:
            continue
        old = known.get(p.url)
        if not force and old and old["content_hash"] == p.digest:
            continue
        from monitor.extract.base import page_limit  # here: a no-change run needs no lxml

        try:
            with page_limit(max_chars):
                out[p.url] = extract.extract(source, p.body, p.url)
        except Exception as exc:
            log.exception("%s: extractor crashed on %s: %s", source, p.url, exc)
    return out


def _test_pause(var: str, what: str) -> None:
    """TEST-ONLY hook: sleep at a crash-sensitive point so a test can SIGKILL the process
    there. Set MONITOR_TEST_PAUSE_BEFORE_COMMIT / MONITOR_TEST_PAUSE_BEFORE_DELIVERY to a
    number of seconds; never set them in production."""
    secs = os.environ.get(var)
    if secs:
        print(f"test hook {var}: {what}; pausing {secs}s", file=sys.stderr, flush=True)
        time.sleep(float(secs))


def store(cfg: Config, conn: sqlite3.Connection, src: SourceConfig, run: Run) -> RunOutcome:
    """Write one run in one transaction; on a storage error, record a failed run instead.

    Pages, observations, figures, events, the notifications planned for them, source state
    and the run row commit together, so a crash leaves the whole run or none of it; the
    next run then sees the same pages as new and writes the same events again.
    `run.results` (url -> Extraction) skips extraction, for callers that already have it.
    """
    pages, failed, reparse, batched = run.pages, run.failed, run.reparse, run.batched
    known = archive.known_pages(conn, src.name)
    results = run.results
    if results is None:
        results = {} if failed else _extract_all(src.name, pages, known, reparse,
                                                 cfg.max_parse_chars)
    out = RunOutcome(source=src.name, ok=not failed, error=run.error,
                     pages_fetched=len(pages))
    if batched is not None:  # a backfill: its batches are committed already
        out.pages_fetched += batched.totals.pages
        out.pages_changed += batched.totals.changed
        out.observations += batched.totals.observations
    try:
        with archive.transaction(conn):
            if batched is not None and batched.run_id is not None:
                out.run_id = batched.run_id
                archive.runs.update_run(conn, out.run_id, **run.fields)
            else:
                out.run_id = archive.insert_run(
                    conn, source=src.name, started=run.started, outcome="running",
                    backfill=int(run.backfill), **run.fields)
            newest_before = diff.newest_period(conn, src.name)
            events: list[diff.Event] = []
            if not failed:
                events = _store_pages(conn, src.name, pages, results, out)
            if not failed and not reparse:  # + events of backfill batches
                events = batches.merge_stopped(conn, src.name, events, out.run_id, batched)
            data = [e for e in events if e.is_data]
            gaps = [e for e in events if not e.is_data]
            # a reparse fetches nothing: it says nothing about the site's health, so it
            # changes no failing state and raises no stale alert
            ops = [] if reparse else _ops_events(conn, src, out, run.started)
            alerts = diff.mark_alerts(conn, src.name, data)
            fresh = _update_stale_clock(conn, src.name, newest_before)
            if not fresh and not reparse:
                ops += _stale_event(conn, src, out.run_id)
            checks.update(conn, src.name)  # arithmetic identities, shown in the alert
            ops += late.late_events(conn, src, out.run_id)  # the publishing calendar
            out.events = len(events) + len(ops)
            out.alerts = _plan_messages(conn, cfg, src.name, out.run_id, alerts, ops + gaps,
                                        run.targets, run.send)
            out.duration = time.monotonic() - run.t0
            archive.runs.update_run(
                conn, out.run_id, ended=archive.now(), outcome=_outcome(out.ok, reparse),
                pages_fetched=out.pages_fetched, pages_changed=out.pages_changed,
                observations=out.observations, events=out.events, error=out.error,
                duration=round(out.duration, 3))
            _test_pause("MONITOR_TEST_PAUSE_BEFORE_COMMIT",
                        f"{src.name} run {out.run_id} written, not committed")
    except (sqlite3.Error, OSError) as exc:
        log.error("%s: storing the run failed, nothing of it was kept: %s", src.name, exc,
                  exc_info=logfmt.tracebacks())
        out = RunOutcome(source=src.name, ok=False, error=f"storage failed: {exc}",
                         pages_fetched=len(pages), duration=time.monotonic() - run.t0)
        try:
            with archive.transaction(conn):
                out.run_id = archive.insert_run(conn, source=src.name, started=run.started,
                                                ended=archive.now(),
                                                outcome=_outcome(False, reparse),
                                                backfill=int(run.backfill), error=out.error)
                ops = [] if reparse else _ops_events(conn, src, out, run.started)
                out.events = len(ops)
                out.alerts = _plan_messages(conn, cfg, src.name, out.run_id, [], ops,
                                            run.targets, run.send)
        except (sqlite3.Error, OSError) as exc2:
            out.run_id = None
            kept = unrecorded.note(cfg.db_path, src.name, out.error)
            log.error("%s: the failed run could not be recorded either (%s); %s", src.name,
                      exc2, f"noted in {unrecorded.path_for(cfg.db_path)} for `monitor status`"
                      if kept else "`monitor status` cannot know of it",
                      exc_info=logfmt.tracebacks())
            return out
    unrecorded.clear(cfg.db_path, src.name)
    return out


def _outcome(ok: bool, reparse: bool) -> str:
    """`runs.outcome`: a reparse fetched nothing, so it is neither an ok nor a failed run
    of the site; the schedule and `status` look past it (scheduler.last_runs)."""
    return "reparse" if reparse else ("ok" if ok else "failed")


def _store_pages(conn: sqlite3.Connection, source: str, pages: list[PageInput],
                 results: dict[str, extract.Extraction], out: RunOutcome) -> list[diff.Event]:
    """Pages and their observations; returns the events: figures' (diff) and gaps'."""
    keys: set[diff.Key] = set()
    gaps: list[diff.Event] = []
    fetched = archive.now()
    for p in pages:
        ex = results.get(p.url)
        page_id, changed = archive.upsert_page(
            conn, source=source, url=p.url, kind=p.kind, fetched=fetched, status=p.status,
            etag=p.etag, last_modified=p.last_modified, body=p.body, digest=p.digest,
            title=ex.title if ex else None, published=ex.published if ex else None,
            text=ex.text if ex else None,
            extractor_version=ex.extractor_version if ex else None)
        p.release()  # stored: a backfill never holds every body at once
        if ex is not None and not changed:
            # same content re-extracted (reparse): keep metadata current
            archive.pages.set_metadata(conn, page_id, title=ex.title, published=ex.published,
                                       text=ex.text, extractor_version=ex.extractor_version)
        out.pages_changed += int(changed)
        if ex is None:
            continue
        if archive.figures.replace_observations(conn, page_id, ex, out.run_id):
            keys.update(diff.Key(o.source, o.metric, o.period) for o in ex.observations)
            # figures the page's previous extraction gave, and this one may no longer
            keys.update(diff.Key(*k) for k in archive.figures.keys_of_url(conn, p.url, 0))
        out.observations += len(ex.observations)
        if ex.extraction_gap:
            gaps += _gap_event(conn, source, ex, out.run_id)
    return diff.apply(conn, keys, out.run_id) + gaps


def _gap_event(conn: sqlite3.Connection, source: str, ex: extract.Extraction,
               run_id: int | None) -> list[diff.Event]:
    if archive.events.gap_recorded(conn, ex.url):
        return []
    log.warning("%s: %s looks like a monthly report but yielded no headline figure",
                source, ex.url)
    return [archive.events.record(conn, run_id=run_id, source=source, kind="extraction_gap",
                                  url=ex.url, details={"title": ex.title, "notes": ex.notes})]


def _ops_events(conn: sqlite3.Connection, src: SourceConfig, out: RunOutcome,
                started: str) -> list[diff.Event]:
    """source_failing / source_recovered, once per state change (never once per run)."""
    st = archive.source_state(conn, src.name)
    ids: list[diff.Event] = []
    if out.ok:
        if st["failing"]:
            ids.append(archive.events.record(
                conn, run_id=out.run_id, source=src.name, kind="source_recovered",
                details={"failures": st["consecutive_failures"],
                         "since": st["failing_since"], "at": started}))
        archive.update_source_state(conn, src.name, consecutive_failures=0, failing=0,
                                    failing_since=None, last_success=started,
                                    last_error=None)
        return ids
    failures = st["consecutive_failures"] + 1
    since = st["failing_since"] or started
    archive.update_source_state(conn, src.name, consecutive_failures=failures,
                                failing_since=since, last_error=out.error)
    if failures >= src.failing_after and not st["failing"]:
        archive.update_source_state(conn, src.name, failing=1)
        ids.append(archive.events.record(
            conn, run_id=out.run_id, source=src.name, kind="source_failing",
            details={"failures": failures, "since": since, "error": out.error,
                     "start_urls": list(src.start_urls),
                     "last_success": st["last_success"]}))
    return ids


def _update_stale_clock(conn: sqlite3.Connection, source: str,
                        newest_before: str | None) -> bool:
    """Restart the stale clock when this run stored a period newer than any before it
    (counted from when the monitor stored it, not from publication dates). The first run
    of a source starts the clock too, so a first crawl is never stale. True if restarted.
    """
    st = archive.source_state(conn, source)
    newest = diff.newest_period(conn, source)
    advanced = newest is not None and (newest_before is None or newest > newest_before)
    if st["last_new_period_at"] is None or advanced:
        archive.update_source_state(conn, source, last_new_period_at=archive.now(), stale=0)
        return True
    return False


def _stale_event(conn: sqlite3.Connection, src: SourceConfig,
                 run_id: int | None) -> list[diff.Event]:
    """`stale` once when stale_after has passed; again only after a new period resets it."""
    st = archive.source_state(conn, src.name)
    if st["stale"] or not st["last_new_period_at"]:
        return []
    age = archive.utcnow() - archive.parse_ts(st["last_new_period_at"])
    if age.total_seconds() < src.stale_after:
        return []
    archive.update_source_state(conn, src.name, stale=1)
    return [archive.events.record(
        conn, run_id=run_id, source=src.name, kind="stale",
        details={"since": st["last_new_period_at"], "days": age.days,
                 "newest": diff.newest_period(conn, src.name),
                 "stale_after": src.stale_after, "last_success": st["last_success"]})]


def _plan_messages(conn: sqlite3.Connection, cfg: Config, source: str, run_id: int | None,
                   alerts: list[diff.Event], ops: list[diff.Event],
                   targets: list[notify.Target], send: bool) -> int:
    """Plan this run's messages (rows in `notifications`, same transaction as the events):
    one data message for the source, one per operational event, extraction gaps grouped.
    Returns the number of messages (not rows: a message has one row per target)."""
    lang = cfg.notify["language"]
    ops_tag = cfg.notify["ops_tag"]
    n = 0
    if alerts:
        alerts = sorted(alerts, key=lambda e: e.id)
        periods = {e.period for e in alerts if e.period}
        title, body = messages.render_data(
            source, alerts, lang, figures=archive.source_figures(conn, source),
            checks={p: checks.for_period(conn, source, p) for p in periods})
        notify.plan(conn, targets, run_id=run_id, source=source, category="data", title=title,
                    body=body, event_ids=[e.id for e in alerts], ops_tag=ops_tag, send=send)
        n += 1
    groups: list[list[diff.Event]] = []
    gaps: list[diff.Event] = []
    for ev in sorted(ops, key=lambda e: e.id):
        if ev.kind == "extraction_gap":
            gaps.append(ev)
        else:
            groups.append([ev])
    if gaps:
        groups.append(gaps)
    for group in groups:
        title, body = messages.render_ops(group, lang)
        notify.plan(conn, targets, run_id=run_id, source=source, category="ops", title=title,
                    body=body, event_ids=[e.id for e in group], ops_tag=ops_tag, send=send)
        n += 1
    return n


def run_cycle(cfg: Config, sources: list[SourceConfig], *, backfill: bool = False,
              send: bool = True) -> int:
    """`monitor crawl`: each source, delivering after each commit; 0 ok, 1 a failure.

    Targets are loaded before the first Scrapy crawl or send (a no-change probe run needs
    none): a bad notify setting stops the cycle (exit 2) before anything is crawled, rather
    than recording events whose alerts have nowhere to go. Each source's
    alerts go out right after its run commits; every pending alert of earlier cycles is
    retried at the same time (without backoff: a manual or scheduled crawl is the retry).
    """
    targets = probe.LazyTargets(cfg)  # loaded before a crawl or a send, not for a no-change run
    if send and not (cfg.notify.get("urls") or cfg.notify.get("config")
                     or os.environ.get("MONITOR_NOTIFY_URLS", "").strip()):
        notify.warn_if_no_target(cfg, "crawl")
    conn = archive.connect(cfg.db_path)
    unrecorded.prepare(cfg.db_path)
    status = 0
    try:
        for src in sources:
            outcome = run_source(cfg, conn, src, backfill=backfill, send=send, targets=targets)
            # the one line per run (json: fields); a failed run is a WARNING, seen with -q
            log.log(logging.INFO if outcome.ok else logging.WARNING, "%s", outcome.summary(),
                    extra={
                "source": outcome.source, "run_id": outcome.run_id,
                "outcome": "ok" if outcome.ok else "failed",
                "pages_fetched": outcome.pages_fetched, "pages_changed": outcome.pages_changed,
                "figures": outcome.observations, "events": outcome.events,
                "alerts": outcome.alerts, "duration": round(outcome.duration, 3)})
            if not outcome.ok:
                status = 1
            if send and not _deliver(conn, cfg, targets, src.name):
                status = 1
    finally:
        conn.close()
    return status


def _deliver(conn: sqlite3.Connection, cfg: Config, targets: list[notify.Target],
             source: str | None = None) -> bool:
    """Deliver pending alerts after a commit; False when a delivery failed or is uncertain.

    One log line (a JSON object with --log-format json) says what happened, naming the
    source whose run just committed; "kept pending" only when something failed.
    """
    _test_pause("MONITOR_TEST_PAUSE_BEFORE_DELIVERY", "run committed, alerts not yet sent")
    if not archive.notifications.waiting(conn):
        return True  # nothing to send: apprise is not even imported
    if not targets:
        return True
    try:
        res = notify.deliver_pending(conn, cfg, targets=targets)
    except sqlite3.Error as exc:
        log.error("%s: alerts could not be delivered: %s", source or "monitor", exc,
                  exc_info=logfmt.tracebacks())
        return False
    sent, failed = res
    if sent or failed:
        text = f"alerts: {sent} delivered, {failed} failed"
        if res.uncertain:
            text += (f" ({res.uncertain} uncertain: may have arrived; retried once with the "
                     "same message id, then marked uncertain)")
        if failed > res.uncertain:
            text += " (kept pending for retry)"
        log.log(logging.WARNING if failed else logging.INFO, "%s: %s", source or "monitor",
                text, extra={"source": source, "delivered": sent, "failed": failed,
                             "uncertain": res.uncertain})
    return not failed


def reparse(cfg: Config, sources: list[SourceConfig], send: bool = True) -> int:
    """Re-run current extractors over stored pages (no fetching), then diff and alert."""
    conn = archive.connect(cfg.db_path)
    targets = notify.load_targets(cfg)
    for src in sources:
        with source_lock(cfg.db_path, src.name):
            pages = [Page(p["url"], p["kind"], p["status"], p["etag"], p["last_modified"],
                          p["body"]) for p in archive.pages.stored_posts(conn, src.name)]
            outcome = store(cfg, conn, src, Run(pages, archive.now(), time.monotonic(), targets,
                                                send=send, reparse=True))
            print(outcome.summary().replace("fetched", "re-read"), file=sys.stderr)
    status = 0 if not send or _deliver(conn, cfg, targets) else 1
    conn.close()
    return status
