"""A WordPress site crawler: RSS feed and paginated listings lead to posts.

Host-independent: every URL comes from config (start_urls, allowed_domains), so a copy of
a site served on 127.0.0.1 crawls exactly like the real one.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy.http import Response

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                            recover=False, load_dtd=False)


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


class WordPressSpider(scrapy.Spider):
    """Feed first, then listing pages; a post is fetched once per run."""

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
        self.seen: set[str] = set()
        self.start_failures: list[str] = []
        self.page_errors: list[str] = []

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
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed,
                                 meta={"start": True, "handle_httpstatus_all": True},
                                 dont_filter=True)

    def start_failed(self, failure: Any) -> None:
        url = failure.request.url
        self.start_failures.append(f"{url}: {failure.getErrorMessage() or failure.type}")
        self.logger.error("start URL failed: %s: %s", url, failure.getErrorMessage())

    def page_failed(self, failure: Any) -> None:
        url = failure.request.url
        self.page_errors.append(f"{url}: {failure.getErrorMessage() or failure.type}")
        self.logger.warning("page failed: %s: %s", url, failure.getErrorMessage())

    def parse_start(self, response: Response):
        if response.status >= 400:
            self.start_failures.append(f"{response.url}: HTTP {response.status}")
            self.logger.error("start URL failed: %s: HTTP %s", response.url, response.status)
            return
        yield self.page_item(response, "feed" if self.looks_like_feed(response) else "listing")
        if self.looks_like_feed(response):
            links = self.feed_links(response)
            if links is None:
                self.logger.warning("%s: malformed feed; falling back to listing pages",
                                    response.url)
            else:
                yield from self.follow_posts(links)
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
        try:
            root = etree.fromstring(response.body, parser=_SAFE_XML)
        except etree.XMLSyntaxError:
            return None
        links = [t.text.strip() for t in root.iter("link") if t.text and t.text.strip()]
        return [urljoin(response.url, u) for u in links]

    def follow_posts(self, links: list[str]):
        for link in links:
            url = normalize(link)
            if not self.is_post(url) or url in self.seen:
                continue
            self.seen.add(url)
            if url in self.known and not self.backfill:
                continue
            yield scrapy.Request(url, callback=self.parse_post, errback=self.page_failed)

    def parse_listing(self, response: Response, already_item: bool = False):
        page_no = response.meta.get("listing_page", 1)
        if response.status >= 400:
            self.page_errors.append(f"{response.url}: HTTP {response.status}")
            return
        if not already_item:
            yield self.page_item(response, "listing")
        links = [urljoin(response.url, h) for h in response.css("a::attr(href)").getall()]
        posts = [normalize(u) for u in links if self.is_post(normalize(u))]
        new = [u for u in posts if u not in self.known]
        yield from self.follow_posts(posts)
        if not self.backfill:
            if self.max_listing_pages is not None and page_no >= self.max_listing_pages:
                return
            if posts and not new:
                return  # reached posts we already know: nothing older is new
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
            return
        yield self.page_item(response, "post")

    def page_item(self, response: Response, kind: str) -> dict[str, Any]:
        h = response.headers
        return {
            "url": normalize(response.url) if kind == "post" else response.url,
            "request_url": response.request.url if response.request else response.url,
            "kind": kind,
            "status": response.status,
            "etag": (h.get("ETag") or b"").decode("latin-1") or None,
            "last_modified": (h.get("Last-Modified") or b"").decode("latin-1") or None,
            "cached": "cached" in response.flags,
            "body": response.body,
        }
