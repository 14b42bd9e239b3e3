"""A WordPress site crawler: RSS feed and paginated listings lead to posts.

Host-independent: every URL comes from config (start_urls, allowed_domains), so a copy of
a site served on 127.0.0.1 crawls exactly like the real one.

Incremental: posts the archive already holds (`known_posts`, permalinks and their `?p=`
short links) are not requested again, and a scheduled run stops paginating once a listing
page reaches a known post or after `max_listing_pages`; `backfill` follows everything.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

# No entity expansion, no DTD or network loads, no huge trees: a hostile feed can neither
# read local files (XXE) nor blow up memory ("billion laughs").
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                            recover=False, load_dtd=False, dtd_validation=False)


def host_allowed(url: str, domains: list[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))


def normalize(url: str) -> str:
    """Canonical form for dedup: no fragment, 'www.' kept, trailing slash on paths."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not parts.query and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def _failure_reason(failure: Any) -> str:
    if failure.check(IgnoreRequest):
        return str(failure.value) or "ignored (outside allowed_domains?)"
    msg = failure.getErrorMessage() or getattr(failure.type, "__name__", str(failure.type))
    if "max size" in msg or "maxsize" in msg or "larger than download" in msg:
        return f"page too large (over max_page_size): {msg}"
    return msg


class WordPressSpider(scrapy.Spider):
    """Feed first, then listing pages; a post is fetched at most once per run."""

    post_path: ClassVar[re.Pattern[str]] = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$")
    reserved: ClassVar[set[str]] = {
        "feed", "page", "category", "tag", "author", "wp-content", "wp-admin", "wp-json",
        "wp-login.php", "comments", "search", "xmlrpc.php", "wp-includes", "en", "es",
    }

    def __init__(self, params: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.params = params
        self.start_urls = list(params["start_urls"])
        self.allowed_domains = list(params["allowed_domains"])
        self.max_listing_pages: int | None = params.get("max_listing_pages")
        self.backfill = bool(params.get("backfill"))
        self.known: set[str] = {normalize(u) for u in params.get("known_posts", [])}
        # posts a stopped backfill already stored: a rerun continues without them
        self.done: set[str] = {normalize(u) for u in params.get("backfill_done", [])}
        self.seen: set[str] = set()
        self.start_failures: list[str] = []
        self.page_errors: list[str] = []
        self.robots_skipped: list[str] = []

    # -- discovery ---------------------------------------------------------------------
    def is_post(self, url: str) -> bool:
        if not host_allowed(url, self.allowed_domains):
            return False
        parts = urlsplit(url)
        if re.fullmatch(r"p=\d+", parts.query or "") and parts.path in ("", "/"):
            return True
        if parts.query:
            return False
        first = parts.path.strip("/").split("/", 1)[0]
        return bool(self.post_path.match(parts.path)) and first not in self.reserved

    def listing_root(self, url: str) -> str:
        parts = urlsplit(url)
        path = re.sub(r"(?:feed|rss|page/\d+)/?$", "", parts.path) or "/"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    async def start(self):  # scrapy >= 2.13
        for url in self.start_urls:
            # no handle_httpstatus_all here: it would stop redirects (http -> https, a moved
            # feed) from being followed; HTTPERROR_ALLOW_ALL lets error statuses through
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed,
                                 meta={"start": True}, dont_filter=True)

    def start_failed(self, failure: Any) -> None:
        url = failure.request.url
        reason = _failure_reason(failure)
        self.start_failures.append(f"{url}: {reason}")
        self.logger.error("start URL failed: %s: %s", url, reason)

    def page_failed(self, failure: Any) -> None:
        url = failure.request.url
        if failure.check(IgnoreRequest):
            if "robots.txt" in str(failure.value):
                self.robots_skipped.append(url)
            self.logger.info("skipped %s: %s", url, _failure_reason(failure))
            return
        reason = _failure_reason(failure)
        self.page_errors.append(f"{url}: {reason}")
        self.logger.warning("page failed: %s: %s", url, reason)

    def parse_start(self, response: Response):
        if response.status >= 300:  # an error, or a redirect that could not be followed
            self.start_failures.append(f"{response.url}: HTTP {response.status}")
            self.logger.error("start URL failed: %s: HTTP %s", response.url, response.status)
            return
        is_feed = self.looks_like_feed(response)
        yield self.page_item(response, "feed" if is_feed else "listing")
        if is_feed:
            links = self.feed_links(response)
            if links is None:
                self.logger.warning("%s: malformed or unsafe feed; falling back to listing "
                                    "pages", response.url)
            else:
                # the feed's posts are the newest: first (a backfill commits them first)
                yield from self.follow_posts(links, priority=10)
            yield scrapy.Request(self.listing_root(response.url), callback=self.parse_listing,
                                 errback=self.page_failed, meta={"listing_page": 1})
        else:
            yield from self.parse_listing(response, already_item=True)

    @staticmethod
    def looks_like_feed(response: Response) -> bool:
        ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        head = response.body[:512].lstrip().lower()
        return "xml" in ctype or "rss" in ctype or head.startswith(b"<?xml") or b"<rss" in head

    def feed_links(self, response: Response) -> list[str] | None:
        """Item links of an RSS/Atom feed; None when it is malformed or declares a DTD."""
        try:
            root = etree.fromstring(response.body, parser=_SAFE_XML)
        except (etree.XMLSyntaxError, ValueError):
            return None
        if root is None or root.getroottree().docinfo.internalDTD is not None:
            return None  # feeds have no business declaring entities
        links = [t.text.strip() for t in root.iter("link") if t.text and t.text.strip()]
        atom = "{http://www.w3.org/2005/Atom}"
        for entry in root.iter(f"{atom}entry"):
            links += [a.get("href") for a in entry.iter(f"{atom}link")
                      if a.get("href") and a.get("rel", "alternate") == "alternate"]
        return [urljoin(response.url, u) for u in links]

    def follow_posts(self, links: list[str], priority: int = 0):
        for link in links:
            url = normalize(link)
            if not self.is_post(url) or url in self.seen:
                continue
            self.seen.add(url)
            if (url in self.known and not self.backfill) or url in self.done:
                continue
            yield scrapy.Request(url, callback=self.parse_post, errback=self.page_failed,
                                 priority=priority)

    def listing_posts(self, response: Response) -> list[str]:
        """Post links of a listing, in page order (newest first).

        Links inside the listed entries (`article`, `.entry-title`) when the theme marks
        them, so menus and widgets (an "about us" page looks like an OCDH post) are not
        taken for posts; every link on the page otherwise.
        """
        hrefs = response.css("article a::attr(href), .entry-title a::attr(href)").getall()
        if not hrefs:
            hrefs = response.css("a::attr(href)").getall()
        out: list[str] = []
        for h in hrefs:
            u = normalize(urljoin(response.url, h))
            if self.is_post(u) and u not in out:
                out.append(u)
        return out

    def parse_listing(self, response: Response, already_item: bool = False):
        page_no = response.meta.get("listing_page", 1)
        if response.status >= 400:
            self.page_errors.append(f"{response.url}: HTTP {response.status}")
            self.logger.warning("listing failed: %s: HTTP %s", response.url, response.status)
            return
        if not already_item:
            yield self.page_item(response, "listing")
        posts = self.listing_posts(response)
        yield from self.follow_posts(posts)
        if not self.backfill:
            if self.max_listing_pages is not None and page_no >= self.max_listing_pages:
                return
            if posts and posts[-1] in self.known:
                # the oldest post on this page is known: every older page is known too
                return
        nxt = response.css("link[rel=next]::attr(href), a.next::attr(href)").get()
        if nxt:
            nxt_url = urljoin(response.url, nxt)
            if host_allowed(nxt_url, self.allowed_domains):
                yield scrapy.Request(nxt_url, callback=self.parse_listing,
                                     errback=self.page_failed,
                                     meta={"listing_page": page_no + 1})

    def parse_post(self, response: Response):
        if response.status >= 400:
            self.page_errors.append(f"{response.url}: HTTP {response.status}")
            self.logger.warning("post failed: %s: HTTP %s", response.url, response.status)
            return
        yield self.page_item(response, "post")

    def post_aliases(self, response: Response, url: str) -> list[str]:
        """Other addresses of the same post: the `?p=` short link, redirects that led here."""
        cands = list(response.meta.get("redirect_urls", []))
        try:
            cands += response.css("link[rel=shortlink]::attr(href)").getall()
        except (AttributeError, ValueError):  # not HTML
            pass
        out = []
        for c in cands:
            a = normalize(urljoin(response.url, c))
            if a != url and a not in out and self.is_post(a):
                out.append(a)
        return out

    def page_item(self, response: Response, kind: str) -> dict[str, Any]:
        h = response.headers
        url = normalize(response.url) if kind == "post" else response.url
        return {
            "url": url,
            "request_url": response.request.url if response.request else response.url,
            "kind": kind,
            "status": response.status,
            "etag": (h.get("ETag") or b"").decode("latin-1") or None,
            "last_modified": (h.get("Last-Modified") or b"").decode("latin-1") or None,
            # answered from the HTTP cache after a 304: no body came over the wire
            "cached": "cached" in response.flags,
            "aliases": self.post_aliases(response, url) if kind == "post" else [],
            "body": response.body,
        }
