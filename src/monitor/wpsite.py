"""A WordPress-shaped site served on loopback: posts, RSS feed, paginated listings.

The real sites are unreachable from where tests and the demo run, so this serves a
faithful stand-in: permalinks in either WordPress style, `/feed/` (RSS 2.0), `/page/N/`
listings with rel=next, `/?p=ID` short links that redirect, robots.txt, and conditional
GET (ETag / Last-Modified -> 304) as WordPress with a page cache answers.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Post:
    slug: str
    title: str
    published: dt.date
    content: str                      # inner HTML of .entry-content
    post_id: int = 0
    subtitle: str = ""
    lang: str = "es"
    modified: dt.date | None = None

    def path(self, style: str) -> str:
        if style == "dated":
            d = self.published
            return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{self.slug}/"
        return f"/{self.slug}/"


@dataclass
class Site:
    """The content of one site; mutate it (add a post, edit one) while it is served."""

    name: str
    style: str = "dated"              # "dated" (/YYYY/MM/DD/slug/) or "slug" (/slug/)
    posts: list[Post] = field(default_factory=list)
    per_page: int = 10
    feed_items: int = 10
    robots: str = "User-agent: *\nDisallow: /wp-admin/\n"
    status_override: dict[str, int] = field(default_factory=dict)   # path -> HTTP status
    hang: bool = False                # accept connections, never answer
    feed_broken: bool = False         # serve a malformed feed
    extra: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (ctype, body)
    # path -> statuses to answer (one per request, consumed) before serving it normally:
    # a site that is briefly down (503) or rate-limits (429, with `retry_after` seconds)
    flaky: dict[str, list[int]] = field(default_factory=dict)
    retry_after: int | None = None
    # theme weight, as a real WordPress theme adds: markup for <head> (styles, scripts,
    # JSON-LD) and for after the content (sidebar widgets, footer menus); empty by default
    theme_head: str = ""
    theme_aside: str = ""
    redirects: dict[str, str] = field(default_factory=dict)   # path -> path (301)

    def add(self, post: Post) -> Post:
        if not post.post_id:
            post.post_id = 1000 + len(self.posts) * 7
        self.posts.append(post)
        return post

    def ordered(self) -> list[Post]:
        return sorted(self.posts, key=lambda p: (p.published, p.post_id), reverse=True)


def _page(site: Site, title: str, main: str, base: str, head_extra: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="es-ES">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} &#8211; {html.escape(site.name)}</title>
<link rel="alternate" type="application/rss+xml" title="{html.escape(site.name)} &raquo; Feed" href="{base}/feed/" />
{head_extra}{site.theme_head}
<meta name="generator" content="WordPress 6.4.3" />
</head>
<body class="wp-site-blocks">
<header class="site-header"><p class="site-title"><a href="{base}/">{html.escape(site.name)}</a></p>
<nav class="main-navigation"><ul><li><a href="{base}/category/noticias/">Noticias</a></li>
<li><a href="{base}/quienes-somos/">Quiénes somos</a></li><li><a href="https://twitter.com/share">Twitter</a></li></ul></nav>
</header>
<main id="main" class="site-main">
{main}
</main>{site.theme_aside}
<footer class="site-footer"><p>&copy; {html.escape(site.name)}. Todos los derechos reservados.</p></footer>
</body>
</html>
"""


def render_post(site: Site, post: Post, base: str) -> str:
    url = base + post.path(site.style)
    mod = post.modified or post.published
    head = (f'<link rel="canonical" href="{url}" />\n'
            f'<link rel="shortlink" href="{base}/?p={post.post_id}" />\n'
            f'<meta property="og:title" content="{html.escape(post.title)}" />\n'
            f'<meta property="og:url" content="{url}" />\n'
            f'<meta property="article:published_time" content="{post.published}T10:00:00+00:00" />\n'
            f'<meta property="article:modified_time" content="{mod}T10:00:00+00:00" />')
    sub = f'<h2 class="wp-block-heading">{html.escape(post.subtitle)}</h2>\n' if post.subtitle else ""
    main = f"""<article id="post-{post.post_id}" class="post-{post.post_id} post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{html.escape(post.title)}</h1>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{post.published}T10:00:00+00:00">{post.published}</time></span></div>
</header>
<div class="entry-content">
{sub}{post.content}
</div>
<footer class="entry-footer"><span class="cat-links"><a href="{base}/category/noticias/" rel="category tag">Noticias</a></span></footer>
</article>
<nav class="post-navigation"><a href="{base}/" rel="prev">Inicio</a></nav>"""
    return _page(site, post.title, main, base, head)


def render_listing(site: Site, page_no: int, base: str) -> str | None:
    posts = site.ordered()
    start = (page_no - 1) * site.per_page
    chunk = posts[start:start + site.per_page]
    if page_no > 1 and not chunk:
        return None
    items = []
    for p in chunk:
        url = base + p.path(site.style)
        items.append(f"""<article class="post-{p.post_id} post type-post"><header class="entry-header">
<h2 class="entry-title"><a href="{url}" rel="bookmark">{html.escape(p.title)}</a></h2></header>
<div class="entry-summary"><p>{html.escape(p.subtitle or p.title)} [&hellip;]</p></div>
<a class="more-link" href="{url}">Leer más</a></article>""")
    nav = []
    head = ""
    if page_no > 1:
        prev = base + ("/" if page_no == 2 else f"/page/{page_no - 1}/")
        nav.append(f'<a class="prev page-numbers" href="{prev}">&laquo; Anterior</a>')
    if start + site.per_page < len(posts):
        nxt = f"{base}/page/{page_no + 1}/"
        nav.append(f'<a class="next page-numbers" href="{nxt}">Siguiente &raquo;</a>')
        head = f'<link rel="next" href="{nxt}" />'
    main = "\n".join(items) + f'\n<nav class="navigation pagination">{" ".join(nav)}</nav>'
    return _page(site, "Noticias" if page_no == 1 else f"Página {page_no}", main, base, head)


def _rfc822(d: dt.date) -> str:
    return email.utils.format_datetime(dt.datetime(d.year, d.month, d.day, 10, 0, tzinfo=dt.UTC))


def render_feed(site: Site, base: str) -> str:
    if site.feed_broken:
        return '<?xml version="1.0"?><rss version="2.0"><channel><title>broken &nbsp; <item>'
    items = []
    for p in site.ordered()[:site.feed_items]:
        url = base + p.path(site.style)
        items.append(f"""<item>
<title>{html.escape(p.title)}</title>
<link>{url}</link>
<pubDate>{_rfc822(p.published)}</pubDate>
<guid isPermaLink="false">{base}/?p={p.post_id}</guid>
<description><![CDATA[{p.subtitle or p.title} [&#8230;]]]></description>
</item>""")
    newest = site.ordered()[0].published if site.posts else dt.date(2019, 1, 1)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{html.escape(site.name)}</title>
<atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />
<link>{base}/</link>
<description>{html.escape(site.name)}</description>
<lastBuildDate>{_rfc822(newest)}</lastBuildDate>
<language>es-ES</language>
<generator>https://wordpress.org/?v=6.4.3</generator>
{chr(10).join(items)}
</channel>
</rss>
"""


class _Handler(BaseHTTPRequestHandler):
    server: SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        srv = self.server
        site = srv.site
        if site.hang:
            srv.hung.wait(srv.hang_seconds)
            self.close_connection = True
            return
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        host = self.headers.get("Host") or f"{srv.server_address[0]}:{srv.server_address[1]}"
        base = f"http://{host}"
        with srv.log_lock:
            flaky = site.flaky.get(path)
            code = flaky.pop(0) if flaky else None
        if code is not None:
            status, ctype = code, "text/html; charset=UTF-8"
            body = f"<html><body>Error {code}</body></html>".encode()
            extra = {"Retry-After": str(site.retry_after)} if site.retry_after is not None else {}
        else:
            status, ctype, body, extra = self._route(site, path, query, base)
        etag = '"' + hashlib.md5(body).hexdigest() + '"' if status == 200 else None
        if etag and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        srv.record(self.path, status, len(body), self.headers)
        self.send_response(status)
        if ctype and status != 304:
            self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _route(self, site: Site, path: str, query: dict, base: str
               ) -> tuple[int, str, bytes, dict[str, str]]:
        html_t = "text/html; charset=UTF-8"
        if path in site.status_override:
            code = site.status_override[path]
            return code, html_t, f"<html><body>Error {code}</body></html>".encode(), {}
        if path in site.redirects:
            return 301, html_t, b"", {"Location": base + site.redirects[path]}
        if path in site.extra:
            ctype, body = site.extra[path]
            return 200, ctype, body, {}
        if path == "/robots.txt":
            return 200, "text/plain", site.robots.encode(), {}
        if path in ("/feed/", "/feed"):
            return 200, "application/rss+xml; charset=UTF-8", render_feed(site, base).encode(), {}
        if path == "/" and "p" in query:
            pid = query["p"][0]
            for p in site.posts:
                if str(p.post_id) == pid:
                    return 301, html_t, b"", {"Location": base + p.path(site.style)}
            return 404, html_t, b"<html><body>Not found</body></html>", {}
        page_no = 1
        if path.startswith("/page/"):
            try:
                page_no = int(path.strip("/").split("/")[1])
            except (IndexError, ValueError):
                page_no = 0
        if path == "/" or path.startswith("/page/"):
            text = render_listing(site, page_no, base) if page_no >= 1 else None
            if text is None:
                return 404, html_t, b"<html><body>Not found</body></html>", {}
            return 200, html_t, text.encode(), {}
        for p in site.posts:
            pp = p.path(site.style)
            if path in (pp, pp.rstrip("/")):
                if path != pp:
                    return 301, html_t, b"", {"Location": base + pp}
                return 200, html_t, render_post(site, p, base).encode(), {}
        return 404, html_t, b"<html><head><title>Not found</title></head><body>Not found</body></html>", {}


class SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.site = site
        self.log: list[tuple[str, int, int]] = []
        self.log_lock = threading.Lock()
        self.hung = threading.Event()
        self.hang_seconds = 120.0
        self.user_agents: list[str] = []

    def record(self, path: str, status: int, size: int, headers: object) -> None:
        with self.log_lock:
            self.log.append((path, status, size))
            ua = headers.get("User-Agent") if headers else None  # type: ignore[attr-defined]
            if ua:
                self.user_agents.append(ua)


class SiteServer:
    """Serve a Site on loopback (port 0) in a background thread."""

    def __init__(self, site: Site, host: str = "127.0.0.1") -> None:
        self.site = site
        self.httpd = SiteHTTPServer(site, host)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def host(self) -> str:
        return str(self.httpd.server_address[0])

    @property
    def requests(self) -> list[tuple[str, int, int]]:
        with self.httpd.log_lock:
            return list(self.httpd.log)

    @property
    def user_agents(self) -> list[str]:
        with self.httpd.log_lock:
            return list(self.httpd.user_agents)

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (query string included if given)."""
        return sum(1 for p, _s, _n in self.requests if p == path)

    def clear_log(self) -> None:
        with self.httpd.log_lock:
            self.httpd.log.clear()

    def start(self) -> SiteServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.hung.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
