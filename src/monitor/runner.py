"""One cycle for one source: fetch (child process) -> extract -> store -> diff -> plan alerts.

Everything a run writes (pages, observations, figures, events, notifications, the run row,
source state) goes into the archive in one transaction; delivery happens after the commit.
A backfill is the exception: it commits batches of pages as it goes (monitor.backfill),
and its last transaction decides the alerts for all of them.
"""

from __future__ import annotations

import json
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
        aliases = _known_aliases(conn, src.name)
        known_posts = [u for u, r in known.items() if r["kind"] == "post"]
        known_posts += [a for a, u in aliases.items() if u in known]
        recent = [] if backfill else recent_posts(conn, src.name, src.revalidate_recent)
        # start URLs and recent posts unchanged: no Scrapy
        pr = probe.run(cfg, conn, src, backfill=backfill, recent=recent)
        if pr.conclusive:
            log.info("%s: %s", src.name, pr.error or f"{pr.reason}; no crawl needed")
            return store(cfg, conn, src, [], started=started, t0=t0, backfill=False, send=send,
                         targets=targets, failed=pr.verdict == "failed", error=pr.error,
                         run_fields=pr.run_fields())
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
            outcome = store(cfg, conn, src, pages, started=started, t0=t0,
                            backfill=backfill, send=send, targets=targets, failed=fr.failed,
                            error=fr.error, run_fields=pr.add_to(_run_stats(fr), fr.handed_over),
                            batched=bf)
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
    rows = conn.execute(
        "SELECT DISTINCT period FROM figures WHERE source=? AND length(period)=7"
        " AND period<=? ORDER BY period DESC LIMIT ?", (source, newest, periods)).fetchall()
    chosen = [r[0] for r in rows]
    marks = ",".join("?" * len(chosen))
    urls = conn.execute(
        f"SELECT DISTINCT o.url FROM observations o JOIN pages p ON p.url=o.url"
        f" WHERE o.source=? AND o.current=1 AND p.kind='post' AND o.period IN ({marks})"
        f" ORDER BY o.url", (source, *chosen)).fetchall()
    return [r[0] for r in urls]


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


def _known_aliases(conn: sqlite3.Connection, source: str) -> dict[str, str]:
    rows = conn.execute("SELECT alias, url FROM page_aliases WHERE source=?", (source,))
    return {r["alias"]: r["url"] for r in rows}


def _save_aliases(conn: sqlite3.Connection, source: str, new: dict[str, str]) -> None:
    """Remember short links of stored posts, so later runs treat them as known."""
    try:
        with archive.transaction(conn):
            for alias, url in new.items():
                if conn.execute("SELECT 1 FROM pages WHERE url=?", (url,)).fetchone():
                    conn.execute("INSERT OR REPLACE INTO page_aliases (alias, url, source)"
                                 " VALUES (?,?,?)", (alias, url, source))
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


def store(cfg: Config, conn: sqlite3.Connection, src: SourceConfig, pages: list[PageInput], *,
          started: str, t0: float, backfill: bool, send: bool, targets: list[notify.Target],
          failed: bool = False, error: str | None = None, run_fields: dict | None = None,
          force_extract: bool = False,
          results: dict[str, extract.Extraction] | None = None,
          batched: batches.Batcher | None = None) -> RunOutcome:
    """Write one run in one transaction; on a storage error, record a failed run instead.

    Pages, observations, figures, events, the notifications planned for them, source state
    and the run row commit together, so a crash leaves the whole run or none of it; the
    next run then sees the same pages as new and writes the same events again. `results`
    (url -> Extraction) skips extraction, for callers that already have it.
    """
    known = archive.known_pages(conn, src.name)
    if results is None:
        results = {} if failed else _extract_all(src.name, pages, known, force_extract,
                                                 cfg.max_parse_chars)
    out = RunOutcome(source=src.name, ok=not failed, error=error, pages_fetched=len(pages))
    if batched is not None:  # a backfill: its batches are committed already
        out.pages_fetched += batched.totals.pages
        out.pages_changed += batched.totals.changed
        out.observations += batched.totals.observations
    try:
        with archive.transaction(conn):
            if batched is not None and batched.run_id is not None:
                out.run_id = batched.run_id
                _set_run_fields(conn, out.run_id, run_fields or {})
            else:
                out.run_id = archive.insert_run(
                    conn, source=src.name, started=started, outcome="running",
                    backfill=int(backfill), **(run_fields or {}))
            newest_before = diff.newest_period(conn, src.name)
            event_ids: list[int] = []
            if not failed:
                event_ids = _store_pages(conn, src.name, pages, results, out)
            if not failed and not force_extract:  # + events of backfill batches
                event_ids = batches.merge_stopped(conn, src.name, event_ids, out.run_id,
                                                  batched)
            data_ids, gap_ids = _split_events(conn, event_ids)
            # a reparse (force_extract) fetches nothing: it says nothing about the site's
            # health, so it changes no failing state and raises no stale alert
            ops_ids = [] if force_extract else _ops_events(conn, src, out, started)
            alert_ids = diff.mark_alerts(conn, src.name, data_ids)
            fresh = _update_stale_clock(conn, src.name, newest_before)
            if not fresh and not force_extract:
                ops_ids += _stale_event(conn, src, out.run_id)
            checks.update(conn, src.name)  # arithmetic identities, shown in the alert
            ops_ids += late.late_events(conn, src, out.run_id)  # the publishing calendar
            out.events = len(event_ids) + len(ops_ids)
            out.alerts = _plan_messages(conn, cfg, src.name, out.run_id, alert_ids,
                                        ops_ids + gap_ids, targets, send)
            out.duration = time.monotonic() - t0
            conn.execute(
                "UPDATE runs SET ended=?, outcome=?, pages_fetched=?, pages_changed=?,"
                " observations=?, events=?, error=?, duration=? WHERE id=?",
                (archive.now(), _outcome(out.ok, force_extract), out.pages_fetched,
                 out.pages_changed, out.observations, out.events, out.error,
                 round(out.duration, 3), out.run_id))
            _test_pause("MONITOR_TEST_PAUSE_BEFORE_COMMIT",
                        f"{src.name} run {out.run_id} written, not committed")
    except (sqlite3.Error, OSError) as exc:
        log.error("%s: storing the run failed, nothing of it was kept: %s", src.name, exc,
                  exc_info=logfmt.tracebacks())
        out = RunOutcome(source=src.name, ok=False, error=f"storage failed: {exc}",
                         pages_fetched=len(pages), duration=time.monotonic() - t0)
        try:
            with archive.transaction(conn):
                out.run_id = archive.insert_run(conn, source=src.name, started=started,
                                                ended=archive.now(),
                                                outcome=_outcome(False, force_extract),
                                                backfill=int(backfill), error=out.error)
                ops_ids = [] if force_extract else _ops_events(conn, src, out, started)
                out.events = len(ops_ids)
                out.alerts = _plan_messages(conn, cfg, src.name, out.run_id, [], ops_ids,
                                            targets, send)
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


def _set_run_fields(conn: sqlite3.Connection, run_id: int, fields: dict) -> None:
    """The crawl's counters on a run row the first backfill batch created."""
    fields = dict(fields)
    if "responses" in fields and not isinstance(fields["responses"], str):
        fields["responses"] = json.dumps(fields["responses"], sort_keys=True)
    if fields:
        conn.execute(f"UPDATE runs SET {', '.join(f'{k}=?' for k in fields)} WHERE id=?",
                     (*fields.values(), run_id))


def _split_events(conn: sqlite3.Connection, event_ids: list[int]) -> tuple[list[int], list[int]]:
    """(data event ids, extraction_gap ids): they go to different targets."""
    if not event_ids:
        return [], []
    kinds = dict(conn.execute(
        f"SELECT id, kind FROM events WHERE id IN ({','.join('?' * len(event_ids))})",
        event_ids).fetchall())
    data = [i for i in event_ids if kinds.get(i) in diff.DATA_KINDS]
    return data, [i for i in event_ids if kinds.get(i) not in diff.DATA_KINDS]


def _store_pages(conn: sqlite3.Connection, source: str, pages: list[PageInput],
                 results: dict[str, extract.Extraction], out: RunOutcome) -> list[int]:
    keys: set[diff.Key] = set()
    gap_ids: list[int] = []
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
            conn.execute("UPDATE pages SET title=?, published=?, text=?, extractor_version=?"
                         " WHERE id=?", (ex.title, ex.published, ex.text,
                                         ex.extractor_version, page_id))
        out.pages_changed += int(changed)
        if ex is None:
            continue
        if _replace_observations(conn, page_id, ex, out.run_id):
            keys.update(diff.Key(o.source, o.metric, o.period) for o in ex.observations)
            keys.update(_keys_of_url(conn, p.url, current=0))
        out.observations += len(ex.observations)
        if ex.extraction_gap:
            gap_ids += _gap_event(conn, source, ex, out.run_id)
    return diff.apply(conn, keys, out.run_id) + gap_ids


def _keys_of_url(conn: sqlite3.Connection, url: str, current: int) -> set[diff.Key]:
    rows = conn.execute("SELECT DISTINCT source, metric, period FROM observations"
                        " WHERE url=? AND current=?", (url, current))
    return {diff.Key(r["source"], r["metric"], r["period"]) for r in rows}


def _replace_observations(conn: sqlite3.Connection, page_id: int, ex: extract.Extraction,
                          run_id: int) -> bool:
    """Make `ex` the page's current observations; False when nothing differs."""
    old = conn.execute("SELECT metric, period, value, qualifier, extractor_version"
                       " FROM observations WHERE url=? AND current=1", (ex.url,)).fetchall()
    old_set = {(r["metric"], r["period"], r["value"], r["qualifier"]) for r in old}
    new_set = {(o.metric, o.period, o.value, o.qualifier) for o in ex.observations}
    same_version = all(r["extractor_version"] == ex.extractor_version for r in old)
    if old and old_set == new_set and same_version:
        return False
    if not old and not new_set:
        return False
    conn.execute("UPDATE observations SET current=0 WHERE url=? AND current=1", (ex.url,))
    stamp = archive.now()
    for o in ex.observations:
        conn.execute(
            "INSERT INTO observations (run_id, page_id, source, metric, period, value,"
            " qualifier, published, url, evidence, extractor_version, observed_at, current,"
            " reading) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1,?)",
            (run_id, page_id, o.source, o.metric, o.period, o.value, o.qualifier,
             o.published or ex.published, ex.url, o.evidence, ex.extractor_version, stamp,
             json.dumps(o.reading, ensure_ascii=False) if o.reading else None))
    return True


def _gap_event(conn: sqlite3.Connection, source: str, ex: extract.Extraction,
               run_id: int) -> list[int]:
    seen = conn.execute("SELECT 1 FROM events WHERE kind='extraction_gap' AND url=?",
                        (ex.url,)).fetchone()
    if seen:
        return []
    log.warning("%s: %s looks like a monthly report but yielded no headline figure",
                source, ex.url)
    return [archive.insert_event(conn, run_id=run_id, source=source, kind="extraction_gap",
                                 url=ex.url, details={"title": ex.title,
                                                      "notes": ex.notes})]


def _ops_events(conn: sqlite3.Connection, src: SourceConfig, out: RunOutcome,
                started: str) -> list[int]:
    """source_failing / source_recovered, once per state change (never once per run)."""
    st = archive.source_state(conn, src.name)
    ids: list[int] = []
    if out.ok:
        if st["failing"]:
            ids.append(archive.insert_event(
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
        ids.append(archive.insert_event(
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


def _stale_event(conn: sqlite3.Connection, src: SourceConfig, run_id: int) -> list[int]:
    """`stale` once when stale_after has passed; again only after a new period resets it."""
    st = archive.source_state(conn, src.name)
    if st["stale"] or not st["last_new_period_at"]:
        return []
    age = archive.utcnow() - archive.parse_ts(st["last_new_period_at"])
    if age.total_seconds() < src.stale_after:
        return []
    archive.update_source_state(conn, src.name, stale=1)
    return [archive.insert_event(
        conn, run_id=run_id, source=src.name, kind="stale",
        details={"since": st["last_new_period_at"], "days": age.days,
                 "newest": diff.newest_period(conn, src.name),
                 "stale_after": src.stale_after, "last_success": st["last_success"]})]


def _plan_messages(conn: sqlite3.Connection, cfg: Config, source: str, run_id: int,
                   alert_ids: list[int], ops_ids: list[int], targets: list[notify.Target],
                   send: bool) -> int:
    """Plan this run's messages (rows in `notifications`, same transaction as the events):
    one data message for the source, one per operational event, extraction gaps grouped.
    Returns the number of messages (not rows: a message has one row per target)."""
    lang = cfg.notify["language"]
    ops_tag = cfg.notify["ops_tag"]
    n = 0

    def rows(ids: list[int]) -> list[sqlite3.Row]:
        return conn.execute(f"SELECT * FROM events WHERE id IN ({','.join('?' * len(ids))})"
                            " ORDER BY id", ids).fetchall()

    if alert_ids:
        title, body = messages.render_data(conn, source, rows(alert_ids), lang)
        notify.plan(conn, targets, run_id=run_id, source=source, category="data", title=title,
                    body=body, event_ids=alert_ids, ops_tag=ops_tag, send=send)
        n += 1
    groups: list[list[sqlite3.Row]] = []
    gaps: list[sqlite3.Row] = []
    for ev in rows(ops_ids) if ops_ids else []:
        if ev["kind"] == "extraction_gap":
            gaps.append(ev)
        else:
            groups.append([ev])
    if gaps:
        groups.append(gaps)
    for group in groups:
        title, body = messages.render_ops(group, lang)
        notify.plan(conn, targets, run_id=run_id, source=source, category="ops", title=title,
                    body=body, event_ids=[e["id"] for e in group], ops_tag=ops_tag, send=send)
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
    if not conn.execute("SELECT 1 FROM notifications WHERE status IN ('pending', 'undelivered')"
                        " LIMIT 1").fetchone():
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
            rows = conn.execute("SELECT url, kind, http_status, etag, last_modified, html_z"
                                " FROM pages WHERE source=? AND kind='post'", (src.name,))
            pages = [Page(r["url"], r["kind"], r["http_status"], r["etag"],
                          r["last_modified"], archive.decompress(r["html_z"]))
                     for r in rows]
            outcome = store(cfg, conn, src, pages, started=archive.now(), t0=time.monotonic(),
                            backfill=False, send=send, targets=targets, force_extract=True)
            print(outcome.summary().replace("fetched", "re-read"), file=sys.stderr)
    status = 0 if not send or _deliver(conn, cfg, targets) else 1
    conn.close()
    return status
