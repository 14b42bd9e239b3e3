"""Downloader pieces that make a crawl polite and honest about what it costs.

- `RevalidatingPolicy`: RFC 2616 caching, except that a 5xx answer is never replaced by a
  cached copy; only a 304 confirms the cached copy.
- `NoStaleOnErrorCacheMiddleware`: Scrapy's HTTP cache without "error recovery", so a
  timeout or a refused connection reaches the spider (and the run) instead of a stale page.
- `BackoffRetryMiddleware`: retries timeouts, 5xx and 429, waiting longer each time
  (honouring `Retry-After`), instead of hammering a struggling site right away.
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

log = logging.getLogger(__name__)


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
    if not raw:
        return None
    text = raw.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


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
