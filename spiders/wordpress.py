"""A WordPress site crawler: RSS feed and paginated listings lead to posts.

Host-independent: every URL comes from config (start_urls, allowed_domains), so a copy of
a site served on 127.0.0.1 crawls exactly like the real one.

Incremental: posts the archive already holds (`known_posts`, permalinks and their `?p=`
short links) are not requested again, and a scheduled run stops paginating once a listing
page reaches a known post or after `max_listing_pages`; `backfill` follows everything.
A scheduled run also revalidates (conditional GET) `revalidate_posts`, the posts of the
newest periods, so an in-place correction is seen, and fetches at most `max_new_posts`
new posts (newest first); the rest are left for the next run.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh

from monitor.crawlproto import CrawlParams, Page
from monitor.urlrules import host_allowed, listing_root

# No entity expansion, no DTD or network loads, no huge trees: a hostile feed can neither
# read local files (XXE) nor blow up memory ("billion laughs").
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                            recover=False, load_dtd=False, dtd_validation=False)


def normalize(url: str) -> str:
    """Canonical form for dedup: no fragment, 'www.' kept, trailing slash on paths."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not parts.query and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def _failure_reason(failure: Any) -> str:
    msg = (str(failure.value) if failure.check(IgnoreRequest) else failure.getErrorMessage()
           ) or getattr(failure.type, "__name__", str(failure.type))
    low = msg.lower()
    if "max redirections" in low:
        return f"redirect loop ({msg})"
    if "max size" in low or "maxsize" in low or "larger than download" in low \
            or "during decompression" in low:
        return f"page too large (over max_page_size): {msg}"
    return msg


def _robots_refusal(failure: Any) -> bool:
    return bool(failure.check(IgnoreRequest)) and "robots.txt" in str(failure.value)


class WordPressSpider(scrapy.Spider):
    """Feed first, then listing pages; a post is fetched at most once per run.

    `params.post_path` (from the source's declaration) is the regex a post's URL path
    matches; everything else on the site is a listing, a feed or ignored.
    """

    name = "wordpress"
    post_path: re.Pattern[str] = re.compile(r"^/[^/]+/?$")
    reserved: ClassVar[set[str]] = {
        "feed", "page", "category", "tag", "author", "wp-content", "wp-admin", "wp-json",
        "wp-login.php", "comments", "search", "xmlrpc.php", "wp-includes", "en", "es",
    }

    def __init__(self, params: CrawlParams, **kwargs: Any) -> None:
        kwargs.setdefault("name", params.source or self.name)
        super().__init__(**kwargs)
        self.params = params
        if params.post_path:
            self.post_path = re.compile(params.post_path)
        self.start_urls = list(params.start_urls)
        self.allowed_domains = list(params.allowed_domains)
        self.max_listing_pages: int | None = params.max_listing_pages
        self.backfill = params.backfill
        self.known: set[str] = {normalize(u) for u in params.known_posts}
        # posts a stopped backfill already stored: a rerun continues without them
        self.done: set[str] = {normalize(u) for u in params.backfill_done}
        self.seen: set[str] = set()
        self.start_failures: list[str] = []
        self.page_errors: list[str] = []
        self.robots_skipped: list[str] = []
        self.revalidate: list[str] = [normalize(u) for u in params.revalidate_posts]
        self.max_new_posts: int | None = params.max_new_posts
        self.new_requested = 0
        self.posts_left: list[str] = []
        self.handed_over: set[str] = set()  # answered from the probe's responses

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WordPressSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.request_scheduled, signal=signals.request_scheduled)
        return spider

    def request_scheduled(self, request: scrapy.Request, spider: Any = None) -> None:
        """Refuse a request outside allowed_domains (a redirect) before it is queued.

        Scrapy's offsite filter drops such a redirect silently (no errback), or lets it
        through when the first request had `dont_filter` (start URLs): here it is refused
        either way and recorded, as a start failure or a page error.
        """
        if host_allowed(request.url, self.allowed_domains):
            return
        chain = request.meta.get("redirect_urls") or []
        origin = chain[0] if chain else request.url
        why = (f"redirected to {request.url}, outside allowed_domains: refused" if chain
               else "outside allowed_domains: refused")
        if request.meta.get("start"):
            self.start_failures.append(f"{origin}: {why}")
            self.logger.error("start URL failed: %s: %s", origin, why)
        else:
            self.page_error(origin, why)
        raise IgnoreRequest(why)

    def request_dropped(self, request: scrapy.Request, spider: Any = None) -> None:
        """A redirect back to an address of its own chain is dropped by the duplicate
        filter without any errback: without this, a redirect loop vanishes silently. A
        redirect to a page already fetched in this run (a short link) is dropped too,
        rightly, and is no error."""
        chain = request.meta.get("redirect_urls") or []
        if not chain:
            return
        if request.url in chain:
            self.page_error(chain[0], f"redirect loop (back to {request.url})")

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
        return listing_root(url)

    async def start(self):  # scrapy >= 2.13
        for url in self.start_urls:
            # no handle_httpstatus_all here: it would stop redirects (http -> https, a moved
            # feed) from being followed; HTTPERROR_ALLOW_ALL lets error statuses through
            yield scrapy.Request(url, callback=self.parse_start, errback=self.start_failed,
                                 meta={"start": True}, dont_filter=True)
        if self.backfill:
            return  # a backfill asks for every post anyway
        for url in self.revalidate:
            if url in self.seen or not self.is_post(url):
                continue
            self.seen.add(url)
            # known posts of the newest periods: a conditional GET (304 when unchanged)
            # catches an in-place correction that no feed or listing announces
            yield scrapy.Request(url, callback=self.parse_post, errback=self.page_failed,
                                 priority=-1, meta={"revalidate": True})

    def start_failed(self, failure: Any) -> None:
        url = failure.request.url
        reason = _failure_reason(failure)
        self.start_failures.append(f"{url}: {reason}")
        self.logger.error("start URL failed: %s: %s", url, reason)

    def page_failed(self, failure: Any) -> None:
        url = failure.request.url
        if _robots_refusal(failure):  # the site asked us not to: skipped, not an error
            self.robots_skipped.append(url)
            self.logger.info("skipped %s: %s", url, _failure_reason(failure))
            return
        # anything else, IgnoreRequest included (a redirect loop, a redirect offsite, a
        # body over max_page_size once decompressed), is a page that could not be read
        self.page_error(url, _failure_reason(failure))

    def page_error(self, url: str, reason: str) -> None:
        self.page_errors.append(f"{url}: {reason}")
        self.logger.warning("page failed: %s: %s", url, reason)

    def unusable(self, response: Response) -> str | None:
        """Why a response cannot stand for its page (None when it can)."""
        if not host_allowed(response.url, self.allowed_domains):
            return f"ended at {response.url}, outside allowed_domains"
        if 300 <= response.status < 400:
            where = (response.headers.get("Location") or b"").decode("latin-1")
            return (f"HTTP {response.status}: a redirect that was not followed"
                    + (f" (to {where})" if where else ""))
        if response.status >= 400:
            return f"HTTP {response.status}"
        if not response.body.strip():
            return "empty body" + (" (from the HTTP cache)" if "cached" in response.flags
                                   else "")
        if isinstance(response, HtmlResponse):
            try:
                _delay, target = get_meta_refresh(response)
            except (ValueError, TypeError):
                target = None
            if target:
                return f"a <meta http-equiv=refresh> to {target} that was not followed"
        return None

    def parse_start(self, response: Response):
        why = self.unusable(response)
        if why is not None:  # an error, or a redirect that could not be followed
            self.start_failures.append(f"{response.url}: {why}")
            self.logger.error("start URL failed: %s: %s", response.url, why)
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
            if self.max_new_posts is not None and self.new_requested >= self.max_new_posts:
                self.posts_left.append(url)  # newest first: older ones wait for the next run
                continue
            self.new_requested += 1
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
        why = None if already_item else self.unusable(response)
        if why is not None:
            self.page_error(response.url, f"listing: {why}")
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
            if self.posts_left:
                return  # max_new_posts reached: older pages wait for the next run
        nxt = response.css("link[rel=next]::attr(href), a.next::attr(href)").get()
        if nxt:
            nxt_url = urljoin(response.url, nxt)
            if host_allowed(nxt_url, self.allowed_domains):
                yield scrapy.Request(nxt_url, callback=self.parse_listing,
                                     errback=self.page_failed,
                                     meta={"listing_page": page_no + 1})

    def parse_post(self, response: Response):
        why = self.unusable(response)
        if why is not None:  # never stored: an empty or foreign body is not the post
            self.page_error(response.request.url if response.request else response.url,
                            f"post: {why}")
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

    def page_item(self, response: Response, kind: str) -> Page:
        h = response.headers
        url = normalize(response.url) if kind == "post" else response.url
        return Page(
            url=url, kind=kind, status=response.status,
            etag=(h.get("ETag") or b"").decode("latin-1") or None,
            last_modified=(h.get("Last-Modified") or b"").decode("latin-1") or None,
            body_src=response.body,
            # answered from the HTTP cache after a 304: no body came over the wire
            cached="cached" in response.flags,
            aliases=self.post_aliases(response, url) if kind == "post" else [],
            request_url=response.request.url if response.request else response.url)
