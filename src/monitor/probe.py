"""Probe first: revalidate a source's start URLs without Scrapy; skip the crawl if none changed.

Nearly every scheduled check finds nothing new, and starting a Scrapy child to learn that
costs a second and ~80 MB. Before a scheduled crawl this module asks for the start URLs
(the feed and the first listing page) itself, with the standard library's http.client,
sending the ETag/Last-Modified the archive stored from the last crawl (`pages`, the same
validators Scrapy's HTTP cache holds: the archive stores them from the cached response).

- Every URL answers 304, or 200 with the content the archive holds: a no-change run
  (`runs.probe = 1`), Scrapy is never started.
- A start URL that cannot be fetched (after the spider's retries), is refused by robots.txt
  or answers an error: a failed run, as the crawl would record it. A 5xx is never
  "unchanged".
- Anything else (a changed page, a listing error, robots.txt unreachable, nothing to
  compare with, a full crawl due after `full_crawl_every`, `--backfill`): the normal crawl,
  which revalidates through its own HTTP cache as before. The probe writes nothing that
  cache reads, so it cannot make the crawl skip a page; it hands the crawl the answers it
  got (`Probe.handover`), which the child uses instead of asking the site again
  (spiders/middleware.py `HandoverMiddleware`), so such a run makes no extra request.

User-Agent, headers, timeout, max_page_size, retry codes, backoff and download_delay come
from `crawl_child.scrapy_settings`, the very settings the spider runs with. robots.txt is
parsed by Protego (Scrapy's own parser) and cached in `robots_txt` for at most 24 hours
(RFC 9309, 2.4). Nothing here imports Scrapy, lxml, bs4 or apprise.
"""

from __future__ import annotations

import http.client
import logging
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from monitor import archive, clock
from monitor.config import Config, SourceConfig
from monitor.crawl_child import scrapy_settings
from monitor.crawlproto import Handover, Politeness
from monitor.urlrules import host_allowed, listing_root, retry_after_seconds

log = logging.getLogger("monitor.probe")

ROBOTS_MAX_AGE = 24 * 3600  # RFC 9309 2.4: a cached robots.txt is reused for at most 24 h
MAX_REDIRECTS = 20          # Scrapy's REDIRECT_MAX_TIMES
_REDIRECTS = {301, 302, 303, 307, 308}


class Unreachable(Exception):
    """A URL could not be fetched (network error, timeout, too large, bad redirect)."""


@dataclass
class Reply:
    url: str            # after redirects
    status: int
    headers: dict[str, str]
    body: bytes         # decoded (gzip/deflate undone), as Scrapy hands it to the spider


@dataclass
class _Wire:
    """One answer as it came over the wire: what the crawl child is handed (`Handover`)."""

    url: str
    status: int
    header_lines: list[list[str]]
    raw: bytes = field(repr=False)
    sent: tuple[str | None, str | None]
    size: int           # bytes counted for it (`bytes_received`)


@dataclass
class Probe:
    """What the probe did and decided. `verdict`: unchanged | failed | crawl."""

    verdict: str = "crawl"
    reason: str = ""
    error: str | None = None
    requests: int = 0
    responses: dict[str, int] = field(default_factory=dict)
    bytes_received: int = 0
    revalidations: int = 0
    wire: dict[str, _Wire] = field(default_factory=dict, repr=False)  # last answer per URL

    @property
    def conclusive(self) -> bool:
        """True when the run ends here, without Scrapy."""
        return self.verdict in ("unchanged", "failed")

    def run_fields(self) -> dict[str, Any]:
        """The `runs` columns of a run that was the probe alone."""
        return {"requests": self.requests, "responses": dict(self.responses),
                "bytes_received": self.bytes_received, "revalidations": self.revalidations,
                "errors": 0, "probe": 1}

    def handover(self) -> list[tuple[Handover, bytes]]:
        """The answers this probe got, for the crawl child to use instead of asking again
        (the last answer per URL: after a retry, the one that counted)."""
        return [(Handover(url=w.url, status=w.status, headers=w.header_lines, body_file="",
                          sent_etag=w.sent[0], sent_last_modified=w.sent[1]), w.raw)
                for w in self.wire.values()]

    def add_to(self, stats: dict[str, Any], handed_over: list[str] = ()) -> dict[str, Any]:
        """A crawl's `runs` columns with the probe's own requests added (they were made),
        except the answers the child was handed: it counted those as its own requests."""
        mine = Probe(requests=self.requests, responses=dict(self.responses),
                     bytes_received=self.bytes_received, revalidations=self.revalidations)
        for url in handed_over:
            w = self.wire.get(url)
            if w is None:
                continue
            key = str(w.status)
            mine.requests -= 1
            mine.responses[key] -= 1
            if not mine.responses[key]:
                del mine.responses[key]
            mine.bytes_received -= w.size
            mine.revalidations -= int(w.status == 304)
        out = dict(stats)
        out["requests"] = int(out.get("requests", 0)) + mine.requests
        out["bytes_received"] = int(out.get("bytes_received", 0)) + mine.bytes_received
        out["revalidations"] = int(out.get("revalidations", 0)) + mine.revalidations
        responses = dict(out.get("responses") or {})
        for k, v in mine.responses.items():
            responses[k] = responses.get(k, 0) + v
        out["responses"] = responses
        return out


# -- deciding whether to probe at all ----------------------------------------------------
def _why_crawl(conn: sqlite3.Connection, src: SourceConfig, backfill: bool) -> str | None:
    """Why this run must be a full crawl, or None when a probe may stand in for it."""
    if backfill:
        return "backfill"
    if src.full_crawl_every <= 0:
        return "full_crawl_every is 0s"
    last = archive.runs.last_finished(conn, src.name)
    if last is None:
        return "first run"
    if last["outcome"] != "ok" or last["errors"]:
        # a page that failed last time is only retried by a crawl
        return "the last run failed or had page errors"
    if last["posts_left"]:
        return "the last run left new posts for this one (max_new_posts)"
    full = archive.runs.last_full_crawl(conn, src.name)
    if full is None:
        return "no full crawl yet"
    age = (clock.utcnow() - clock.parse_ts(full)).total_seconds()
    if age >= src.full_crawl_every:
        return f"a full crawl is due (last {int(age // 3600)} h ago)"
    return None


def _stored(conn: sqlite3.Connection, source: str, url: str) -> sqlite3.Row | None:
    return archive.pages.validators(conn, source, url)


# -- HTTP ------------------------------------------------------------------------------
class _Client:
    """One polite HTTP client per probe: the spider's headers, limits, retries and delay."""

    def __init__(self, cfg: Config, src: SourceConfig, result: Probe) -> None:
        s = scrapy_settings(Politeness.from_config(cfg.crawl, cfg.max_page_size))
        self.headers = {"User-Agent": s["USER_AGENT"], "Accept-Encoding": "gzip, deflate",
                        **s["DEFAULT_REQUEST_HEADERS"]}
        self.timeout = float(s["DOWNLOAD_TIMEOUT"]) or None
        self.max_size = int(s["DOWNLOAD_MAXSIZE"])
        self.retry_times = int(s["RETRY_TIMES"])
        self.retry_codes = set(s["RETRY_HTTP_CODES"])
        self.backoff_base = float(s["RETRY_BACKOFF_BASE"])
        self.backoff_max = float(s["RETRY_BACKOFF_MAX"])
        self.delay = float(s["DOWNLOAD_DELAY"])
        self.obey_robots = bool(s["ROBOTSTXT_OBEY"])
        self.domains = src.allowed_domains
        self.result = result
        self._last: dict[str, float] = {}
        self._conns: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def get(self, url: str, validators: Any = None, *, offsite_ok: bool = False) -> Reply:
        """GET with redirects and the spider's retries; raises Unreachable when it gives up.

        `validators(url)` gives the (etag, last_modified) to send for each URL asked for.
        """
        for _hop in range(MAX_REDIRECTS + 1):
            reply = self._with_retries(url, validators(url) if validators else (None, None))
            loc = reply.headers.get("location")
            if reply.status not in _REDIRECTS or not loc:
                return reply
            nxt = urljoin(url, loc)
            if not (offsite_ok or host_allowed(nxt, self.domains)):
                raise Unreachable(f"redirected outside allowed_domains to {nxt}")
            if urlsplit(nxt).scheme not in ("http", "https"):
                raise Unreachable(f"redirected to a non-http URL {nxt}")
            url = nxt
        raise Unreachable(f"more than {MAX_REDIRECTS} redirects")

    def _with_retries(self, url: str, validators: tuple[str | None, str | None]) -> Reply:
        attempt = 0
        while True:
            reply: Reply | None = None
            try:
                reply = self._once(url, validators)
                if reply.status not in self.retry_codes or attempt >= self.retry_times:
                    return reply
                why = f"HTTP {reply.status}"
            except Unreachable:
                raise  # too large, undecodable: the spider does not retry these either
            except (OSError, http.client.HTTPException) as exc:
                if attempt >= self.retry_times:
                    raise Unreachable(_describe(exc)) from None
                why = _describe(exc)
            attempt += 1
            wait = self.backoff_base * 2 ** (attempt - 1)
            hinted = retry_after_seconds(reply.headers.get("retry-after") if reply else None)
            if hinted is not None:
                wait = max(wait, hinted)
            wait = min(wait, self.backoff_max)
            log.info("retrying %s in %.2fs (attempt %d): %s", url, wait, attempt, why)
            time.sleep(wait)

    def _polite(self, netloc: str) -> None:
        last = self._last.get(netloc)
        if last is not None and self.delay > 0:
            wait = last + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last[netloc] = time.monotonic()

    def _once(self, url: str, validators: tuple[str | None, str | None]) -> Reply:
        parts = urlsplit(url)
        self._polite(parts.netloc)
        headers = dict(self.headers)
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.timeout if self.timeout else None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.result.requests += 1
        conn, resp = self._send(parts, path, headers)
        try:
            raw = self._read(resp, deadline)
            resp.close()  # read to the end: the connection is free for the next request
            status, reason = resp.status, resp.reason
            lines = [[k, v] for k, v in resp.getheaders()]
        except BaseException:
            conn.close()
            raise
        if resp.will_close:
            conn.close()
        else:  # kept for the next request to this host, as Scrapy's connection pool does
            self._conns[(parts.scheme, parts.netloc)] = conn
        hdrs = {k.lower(): v for k, v in lines}
        key = str(status)
        self.result.responses[key] = self.result.responses.get(key, 0) + 1
        # as Scrapy's DownloaderStats counts a response: status line, headers, body on the wire
        size = (len(raw) + len(f"HTTP/1.1 {status} {reason}\r\n") + 2
                + sum(len(k) + len(v) + 4 for k, v in hdrs.items()))
        self.result.bytes_received += size
        if status == 304:
            self.result.revalidations += 1
        self.result.wire[url] = _Wire(url=url, status=status, header_lines=lines, raw=raw,
                                      sent=(etag, last_modified), size=size)
        return Reply(url=url, status=status, headers=hdrs, body=self._decode(raw, hdrs))

    def _send(self, parts: Any, path: str, headers: dict[str, str]
              ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send one GET on this host's kept-alive connection, or on a new one.

        A kept connection the server has closed meanwhile (idle timeout) fails before any
        answer: the same request is then sent once more on a new connection, as any
        HTTP client with a connection pool does."""
        kept = self._conns.pop((parts.scheme, parts.netloc), None)
        for conn in ([kept] if kept is not None else []) + [None]:
            reused = conn is not None
            if conn is None:
                cls = (http.client.HTTPSConnection if parts.scheme == "https"
                       else http.client.HTTPConnection)
                conn = cls(parts.hostname or "", parts.port, timeout=self.timeout)
            try:
                conn.request("GET", path, headers=headers)
                return conn, conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if not reused:
                    raise
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def _read(self, resp: http.client.HTTPResponse, deadline: float | None) -> bytes:
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and self.max_size and int(length) > self.max_size:
            raise _TooLarge(f"page too large (over max_page_size): {length} bytes")
        chunks, size = [], 0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"no complete answer within {self.timeout:g}s")
            chunk = resp.read1(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if self.max_size and size > self.max_size:
                raise _TooLarge(f"page too large (over max_page_size): over {size} bytes")
            chunks.append(chunk)

    def _decode(self, raw: bytes, headers: dict[str, str]) -> bytes:
        enc = headers.get("content-encoding", "").strip().lower()
        if enc in ("gzip", "x-gzip", "deflate"):
            wbits = 31 if "gzip" in enc else 15
            try:
                d = zlib.decompressobj(wbits)
                body = d.decompress(raw, self.max_size + 1 if self.max_size else 0)
            except zlib.error:
                if enc != "deflate":
                    raise Unreachable("undecodable gzip body") from None
                body = zlib.decompressobj(-15).decompress(raw)  # raw deflate, as Scrapy
            if self.max_size and len(body) > self.max_size:
                raise Unreachable("page too large (over max_page_size) once decompressed")
            return body
        return raw


class _TooLarge(Unreachable):
    """Over max_page_size: never retried (the spider does not retry it either)."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _TooLarge):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return f"timeout: {exc}" if str(exc) else "timeout"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# -- robots.txt --------------------------------------------------------------------------
class _RobotsUnknown(Exception):
    """robots.txt could not be read (5xx, network, offsite redirect)."""


def _robots_allows(conn: sqlite3.Connection, client: _Client, url: str) -> bool:
    """Whether robots.txt lets the spider's User-Agent fetch `url` (cached <= 24 h)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    row = archive.pages.robots(conn, origin)
    fresh = row is not None and (clock.utcnow() - clock.parse_ts(row["fetched"])
                                 ).total_seconds() < ROBOTS_MAX_AGE
    if not fresh:
        try:
            row = _fetch_robots(conn, client, origin, row)
        except _RobotsUnknown as exc:
            # what the spider does when robots.txt cannot be read: go ahead (and cache nothing)
            log.info("%s/robots.txt unreadable (%s): not cached, all allowed", origin, exc)
            return True
    if not 200 <= row["http_status"] < 300:
        return True  # 4xx: "unavailable", no rules (RFC 9309 2.3.1.3; Scrapy does the same)
    from protego import Protego  # Scrapy's own robots.txt parser: the same decisions

    return Protego.parse(row["body"]).can_fetch(url, client.headers["User-Agent"])


def _fetch_robots(conn: sqlite3.Connection, client: _Client, origin: str,
                  old: sqlite3.Row | None) -> dict[str, Any]:
    def validators(_url: str) -> tuple[str | None, str | None]:
        return (old["etag"], old["last_modified"]) if old is not None else (None, None)

    try:
        reply = client.get(origin + "/robots.txt", validators, offsite_ok=True)
    except Unreachable as exc:
        raise _RobotsUnknown(str(exc)) from None
    if reply.status == 304 and old is not None:
        row = dict(old)
    elif 200 <= reply.status < 300 or 400 <= reply.status < 500:
        ok = reply.status < 300
        row = {"origin": origin, "http_status": reply.status,
               "etag": reply.headers.get("etag") if ok else None,
               "last_modified": reply.headers.get("last-modified") if ok else None,
               "body": reply.body.decode("utf-8", "replace") if ok else ""}
    else:
        raise _RobotsUnknown(f"HTTP {reply.status}")
    row["fetched"] = clock.now()
    archive.pages.save_robots(conn, row)
    return row


# -- the probe -------------------------------------------------------------------------
def run(cfg: Config, conn: sqlite3.Connection, src: SourceConfig, *, backfill: bool,
        recent: list[str] | None = None) -> Probe:
    """Probe `src`'s start URLs, then the `recent` posts a scheduled run revalidates
    (`revalidate_recent`); the verdict says whether the crawl may be skipped, so an
    in-place correction of a recent report still starts the crawl."""
    result = Probe()
    why = _why_crawl(conn, src, backfill)
    if why:
        result.reason = why
        return result
    client = _Client(cfg, src, result)
    try:
        return _probe(conn, src, client, result, recent)
    finally:
        client.close()


def _probe(conn: sqlite3.Connection, src: SourceConfig, client: _Client, result: Probe,
           recent: list[str] | None) -> Probe:
    """The probe proper: the start URLs, the first listing, then the recent posts."""

    def validators(url: str) -> tuple[str | None, str | None]:
        row = _stored(conn, src.name, url)
        return (row["etag"], row["last_modified"]) if row is not None else (None, None)

    t0 = time.monotonic()
    queue = [(u, True) for u in src.start_urls]
    pending_recent = list(recent or [])
    while queue:
        url, is_start = queue.pop(0)
        try:
            if client.obey_robots and not _robots_allows(conn, client, url):
                if is_start:
                    return _failed(result, url, "Forbidden by robots.txt")
                result.reason = f"{url}: forbidden by robots.txt"
                return result
            reply = client.get(url, validators)
        except Unreachable as exc:
            if is_start:
                return _failed(result, url, str(exc))
            result.reason = f"{url}: {exc}"  # the crawl records a listing's failure
            return result
        if reply.status >= 300 and reply.status != 304:
            if is_start:  # an error status, or a redirect that could not be followed
                return _failed(result, url, f"HTTP {reply.status}")
            result.reason = f"{url}: HTTP {reply.status}"
            return result
        stored = _stored(conn, src.name, reply.url)
        if stored is None:
            result.reason = f"{reply.url} is not in the archive"
            return result
        if reply.status != 304 and archive.content_hash(reply.body) != stored["content_hash"]:
            result.reason = f"{reply.url} changed"
            return result  # the crawl asks for the rest: no further probing needed
        if is_start and stored["kind"] == "feed":
            queue.append((listing_root(reply.url), False))
        if not queue and pending_recent:
            queue, pending_recent = [(u, False) for u in pending_recent], []
    result.verdict = "unchanged"
    result.reason = f"start URLs unchanged ({time.monotonic() - t0:.2f}s)"
    return result


def _failed(result: Probe, url: str, reason: str) -> Probe:
    result.verdict = "failed"
    result.error = f"start URL could not be fetched: {url}: {reason}"
    log.error("start URL failed: %s: %s", url, reason)
    return result


class LazyTargets(list):
    """The notify targets, loaded (and apprise imported, ~0.25 s) on first use.

    A no-change run with nothing to send never touches them; a crawl loads them before
    Scrapy starts (`need`), so a bad notify setting still stops it before anything is
    fetched.
    """

    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self._cfg: Config | None = cfg

    def _load(self) -> None:
        if self._cfg is not None:
            from monitor import notify

            cfg, self._cfg = self._cfg, None
            super().extend(notify.load_targets(cfg))

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        self._load()
        return super().__getitem__(i)


def need(targets: list) -> None:
    """Load lazy targets now (a ConfigError here stops the cycle before a crawl)."""
    len(targets)


def prepare(targets: list, source: str) -> None:
    """What the parent does while the crawl child starts Scrapy (`fetch.run_child`).

    The alert path needs the source's extractor (bs4, lxml, the vocabulary: ~0.2 s of
    imports) and apprise (~0.2 s); importing them after the crawl put them between a new
    post and its alert. The extractor is imported in a thread for the whole crawl; the
    targets are loaded here, before the child may fetch, so a bad notify setting still
    stops the crawl before any request.
    """
    threading.Thread(target=_import_extractor, args=(source,), name="import-extractor",
                     daemon=True).start()
    need(targets)


def _import_extractor(source: str) -> None:
    try:
        from monitor import sources
        from monitor.extract import checks, pipeline  # noqa: F401  (what extract() uses)

        sources.get(source).module  # noqa: B018  (imports it)
    except Exception as exc:  # the store step imports it again and reports the error
        log.debug("importing the %s extractor ahead failed: %s", source, exc)
