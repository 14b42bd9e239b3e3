"""The crawl's URL and header rules, free of Scrapy: the spiders and the start-URL probe
(which must not import Scrapy) both call these, so the two cannot drift apart."""

from __future__ import annotations

import email.utils
import re
import time
from urllib.parse import urlsplit, urlunsplit


def host_allowed(url: str, domains: list[str]) -> bool:
    """An http(s) URL on one of `domains` or a subdomain of one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))


def listing_root(url: str) -> str:
    """The first listing page of a site, from its feed or any listing page's URL."""
    parts = urlsplit(url)
    path = re.sub(r"(?:feed|rss|page/\d+)/?$", "", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def retry_after_seconds(text: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header value (delta-seconds or HTTP date)."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))
