"""Downloader pieces that make a crawl polite and honest about what it costs.

- `RevalidatingPolicy`: RFC 2616 caching, except that a 5xx answer is never replaced by a
  cached copy; only a 304 confirms the cached copy.
- `NoStaleOnErrorCacheMiddleware`: Scrapy's HTTP cache without "error recovery", so a
  timeout or a refused connection reaches the spider (and the run) instead of a stale page.
- `BackoffRetryMiddleware`: retries timeouts, 5xx and 429, waiting longer each time
  (honouring `Retry-After`), instead of hammering a struggling site right away.
- `AllowedDomainsMiddleware`: every request and every response's final URL must be inside
  `allowed_domains`, whatever the request's flags (start requests carry `dont_filter`, and
  Scrapy's redirects inherit it): a redirect offsite is refused, never fetched.
- `VerifiedCacheStorage`: the filesystem HTTP cache with a checksum written last, so an
  entry torn by a full disk or a kill is a cache miss, never a 304 that confirms a wrong body.
- `HandoverMiddleware`: a request the probe made a moment ago is answered with the probe's
  response instead of asking the site a second time.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.extensions.httpcache import FilesystemCacheStorage, RFC2616Policy
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from monitor.crawlproto import Handover
from monitor.urlrules import host_allowed, retry_after_seconds

log = logging.getLogger(__name__)

OFFSITE = "outside allowed_domains"


class AllowedDomainsMiddleware:
    """Refuse any request or response outside `allowed_domains` (or not http/https).

    Scrapy's own offsite filter lets `dont_filter` requests through, and a redirect keeps
    the flag of the request it came from: a start URL redirecting to another host would be
    fetched and stored. This check ignores every flag. It sits before the robots.txt
    middleware, so an offsite host is not even asked for its robots.txt; redirects inside
    the allowed domains come back through it and through robots.txt like any request.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> AllowedDomainsMiddleware:
        return cls(crawler)

    @property
    def domains(self) -> list[str]:
        return list(getattr(self.crawler.spider, "allowed_domains", None) or [])

    def _check(self, url: str, what: str, request: Request) -> None:
        if not host_allowed(url, self.domains):
            via = request.meta.get("redirect_urls") or []
            origin = f" (redirected from {via[0]})" if via else ""
            raise IgnoreRequest(f"{what} {url} is {OFFSITE} ({', '.join(self.domains)})"
                                f"{origin}: refused")

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self._check(request.url, "request", request)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        self._check(response.url, "response", request)
        return response


class VerifiedCacheStorage(FilesystemCacheStorage):
    """Scrapy's filesystem cache, with each entry sealed by a checksum written last.

    Scrapy writes an entry file by file (headers before body). A full disk or a kill in
    between leaves new validators next to an old or empty body; the server then answers
    304 to those validators forever and the crawl keeps a wrong page. Here the seal
    (SHA-256 over status, URL, headers and body) is removed before an entry is rewritten
    and written after every other file; an entry whose seal is missing or does not match is
    a miss, so the page is fetched again without validators. A store that fails (ENOSPC)
    removes the entry instead of failing the response.
    """

    SEAL = "monitor_sha256"

    @staticmethod
    def _digest(status: int, url: str, headers: bytes, body: bytes) -> str:
        h = hashlib.sha256()
        for part in (str(status).encode(), url.encode("utf-8"), headers):
            h.update(len(part).to_bytes(8, "big") + part)
        h.update(body)
        return h.hexdigest()

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        response = super().retrieve_response(spider, request)
        if response is None:
            return None
        rpath = Path(self._get_request_path(spider, request))
        try:
            seal = (rpath / self.SEAL).read_text(encoding="ascii").strip()
            with self._open(rpath / "response_headers", "rb") as f:
                raw_headers = f.read()
        except (OSError, ValueError):
            seal, raw_headers = "", b""
        if seal != self._digest(response.status, response.url, raw_headers, response.body):
            log.warning("HTTP cache entry for %s is incomplete or damaged (a full disk or a "
                        "killed crawl?): fetching the page again", request.url)
            if spider is not None and getattr(spider, "crawler", None) is not None:
                spider.crawler.stats.inc_value("httpcache/torn_entry")
            return None
        return response

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        rpath = Path(self._get_request_path(spider, request))
        seal = rpath / self.SEAL
        try:
            seal.unlink(missing_ok=True)  # from here on the entry is not trusted
            super().store_response(spider, request, response)
            with self._open(rpath / "response_headers", "rb") as f:
                raw_headers = f.read()
            tmp = rpath / (self.SEAL + ".tmp")
            tmp.write_text(self._digest(response.status, response.url, raw_headers,
                                        response.body), encoding="ascii")
            tmp.replace(seal)
        except OSError as exc:
            log.warning("could not write the HTTP cache entry for %s (%s): dropped it; the "
                        "page will be fetched in full next time", request.url, exc)
            shutil.rmtree(rpath, ignore_errors=True)


class RevalidatingPolicy(RFC2616Policy):
    """Only a 304 validates a cached response: a 5xx is the site's error, not "unchanged"."""

    def is_cached_response_valid(self, cachedresponse: Response, response: Response,
                                 request: Request) -> bool:
        return response.status == 304


class NoStaleOnErrorCacheMiddleware(HttpCacheMiddleware):
    """The HTTP cache, minus serving a cached page when the network request failed."""

    def process_exception(self, request: Request, exception: Exception,
                          spider: Spider | None = None) -> None:
        request.meta.pop("cached_response", None)
        return None


def retry_after(response: Response | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), if any."""
    if response is None:
        return None
    raw = response.headers.get(b"Retry-After")
    return retry_after_seconds(raw.decode("latin-1") if raw else None, now)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules with exponential backoff between attempts.

    Waits `RETRY_BACKOFF_BASE * 2**attempt` seconds (or the server's Retry-After),
    capped at `RETRY_BACKOFF_MAX`, before handing the retry request back.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, request: Request, response: Response | None) -> None:
        attempt = request.meta.get("retry_times", 0)  # already incremented on the new request
        delay = self.base * (2 ** max(attempt - 1, 0))
        hinted = retry_after(response)
        if hinted is not None:
            delay = max(delay, hinted)
        delay = min(delay, self.cap)
        if delay > 0:
            log.info("retrying %s in %.2fs (attempt %d)", request.url, delay, attempt)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Spider | None = None) -> Request | Response:
        out = super().process_response(request, response)
        if isinstance(out, Request):
            await self._wait(out, response)
        return out

    async def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                                spider: Spider | None = None) -> Request | Response | None:
        out = super().process_exception(request, exception)
        if isinstance(out, Request):
            await self._wait(out, None)
        return out


class HandoverMiddleware:
    """Answer a request with the response the probe got for it in this run (once per URL).

    The probe (monitor.probe) asked for the start URLs, and perhaps the first listing and
    the recent posts, just before this crawl; asking again would cost the site a second
    request for the same answer. It sits last, below `DownloaderStats`, so a handed-over
    response counts as the one request it was, and below the HTTP cache, which stores it
    (with its validators) exactly as if it had been downloaded. The body is the one that
    came over the wire (still compressed), so decompression and its size limit apply as
    usual. A 304 stands in only for a request that carries the very validators the probe
    sent and has a cached copy to confirm; any other request goes to the network.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._pending: dict[str, Handover] | None = None
        self._dir: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> HandoverMiddleware:
        return cls(crawler)

    def _load(self) -> dict[str, Handover]:
        if self._pending is None:
            params = getattr(self.crawler.spider, "params", None)
            handover = list(getattr(params, "handover", None) or [])
            self._pending = {h.url: h for h in handover}
            self._dir = Path(params.out_dir) / "handover" if params is not None else None
        return self._pending

    @staticmethod
    def _sent(request: Request, name: bytes) -> str | None:
        raw = request.headers.get(name)
        return raw.decode("latin-1") if raw else None

    def process_request(self, request: Request, spider: Spider | None = None
                        ) -> Response | None:
        pending = self._load()
        h = pending.get(request.url)
        if h is None or request.method != "GET" or self._dir is None:
            return None
        if h.status == 304 and (
                request.meta.get("cached_response") is None
                or self._sent(request, b"If-None-Match") != h.sent_etag
                or self._sent(request, b"If-Modified-Since") != h.sent_last_modified):
            return None  # it confirms a copy this request does not hold: ask the site
        try:
            body = (self._dir / h.body_file).read_bytes()
        except OSError as exc:
            log.warning("handover of %s unreadable (%s): asking the site", request.url, exc)
            return None
        del pending[request.url]
        headers = Headers()
        for name, value in h.headers:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        target = self.crawler.spider
        if target is not None and hasattr(target, "handed_over"):
            target.handed_over.add(request.url)
        self.crawler.stats.inc_value("monitor/handover")
        return cls(url=request.url, status=h.status, headers=headers, body=body,
                   request=request, protocol="HTTP/1.1")
