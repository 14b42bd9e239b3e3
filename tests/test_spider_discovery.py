"""Discovery: feed + paginated listings, both URL styles, short links, domains, unsafe feeds."""

from __future__ import annotations

import datetime as dt

import pytest
from scrapy.http import XmlResponse

from conftest import run_monitor
from fixtures.crawl_site import add_post, crawl_config, db, post_paths, simple_site
from monitor import sources
from monitor.crawlproto import CrawlParams, Politeness
from monitor.spiders import WordPressSpider
from monitor.wpsite import Post, Site


def _post_urls(dbp) -> set[str]:
    with db(dbp) as conn:
        return {r[0] for r in conn.execute("SELECT url FROM pages WHERE kind='post'")}


def test_scheduled_run_caps_listing_pages_and_backfill_follows_all(tmp_path, serve):
    site = simple_site(23)  # 5 per page: 5 listing pages
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, source_extra={"max_listing_pages": 2})
    dbp = tmp_path / "monitor.db"

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert srv.hits("/page/2/") == 1 and srv.hits("/page/3/") == 0
    newest = site.ordered()[:10]
    assert _post_urls(dbp) == {srv.base_url + p.path("dated") for p in newest}

    r = run_monitor("crawl", "--backfill", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert srv.hits("/page/5/") == 1
    assert _post_urls(dbp) == {srv.base_url + p.path("dated") for p in site.posts}


def test_ocdh_slug_posts_short_links_and_allowed_domains(tmp_path, serve):
    site = Site("OCDH", style="slug")
    a = site.add(Post("sobre-marzo", "Marzo", dt.date(2024, 4, 4), "<p>a</p>"))
    b = site.add(Post("sobre-abril", "Abril", dt.date(2024, 5, 4), "<p>b</p>"))
    c = site.add(Post("sobre-mayo", "Mayo", dt.date(2024, 6, 4), "<p>c</p>"))
    srv = serve(site)
    elsewhere = serve(Site("copy", style="slug", posts=[Post("ajena", "x", dt.date(2024, 1, 1),
                                                             "<p>x</p>")]), host="127.0.0.2")
    links = [f"{srv.base_url}/?p={a.post_id}", f"{srv.base_url}/?p={b.post_id}",
             f"{srv.base_url}{b.path('slug')}", f"{srv.base_url}{c.path('slug')}",
             f"{elsewhere.base_url}/ajena/", "mailto:prensa@example.org"]
    listing = "<html><body><main>" + "".join(
        f'<article><h2 class="entry-title"><a href="{u}">x</a></h2></article>' for u in links
    ) + "</main></body></html>"
    site.extra["/archivo/"] = ("text/html; charset=UTF-8", listing.encode())
    cfg = crawl_config(tmp_path / "config.toml", srv, source="ocdh", start="/archivo/")
    dbp = tmp_path / "monitor.db"

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    # every post once, under its permalink; the short link and the permalink of b are one post
    assert _post_urls(dbp) == {srv.base_url + p.path("slug") for p in (a, b, c)}
    assert srv.hits(b.path("slug")) == 1
    assert elsewhere.requests == []  # outside allowed_domains

    srv.clear_log()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert post_paths(srv) == ["/archivo/"]  # the start page only: short links are known
    with db(dbp) as conn:
        assert conn.execute("SELECT count(*) FROM pages WHERE url LIKE '%?p=%'").fetchone()[0] == 0


def test_unsafe_feed_falls_back_to_listings_without_expanding_entities(tmp_path, serve):
    site = simple_site(4)
    srv = serve(site)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{srv.base_url}/2019/01/01/secreto/")
    feed = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">'
            f'<!ENTITY remote SYSTEM "{srv.base_url}/dtd-fetched">]>\n'
            '<rss version="2.0"><channel><item><link>&xxe;</link></item>'
            '<item><link>&remote;</link></item></channel></rss>')
    site.extra["/feed/"] = ("application/rss+xml", feed.encode())
    cfg = crawl_config(tmp_path / "config.toml", srv)

    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert "malformed or unsafe feed" in r.stderr
    assert srv.hits("/2019/01/01/secreto/") == 0 and srv.hits("/dtd-fetched") == 0
    assert _post_urls(tmp_path / "monitor.db") == {srv.base_url + p.path("dated")
                                                   for p in site.posts}


def test_broken_feed_falls_back_to_listings(tmp_path, serve):
    site = simple_site(3)
    site.feed_broken = True
    add_post(site, "solo-en-listado", dt.date(2023, 1, 5))
    srv = serve(site)
    r = run_monitor("crawl", "--no-notify", config=crawl_config(tmp_path / "config.toml", srv))
    assert r.returncode == 0, r.stderr
    assert "falling back to listing pages" in r.stderr
    assert len(_post_urls(tmp_path / "monitor.db")) == 4


def _spider(source: str = "prisoners_defenders"):
    # the crawl params carry the declaration's post URL shape (as monitor.fetch passes it)
    return WordPressSpider(params=CrawlParams(
        source=source, start_urls=["http://site.test/feed/"], allowed_domains=["site.test"],
        post_path=sources.get(source).decl["post_path"], out_dir="",
        polite=Politeness("monitor-test", True, 0.0, 30, 10_000_000)))


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.replace("&lol0;",
                                                                                      "&lol;")
                    for i in range(1, 10))
          + ']><rss><channel><item><link>&lol9;</link></item></channel></rss>')


@pytest.mark.parametrize("body", [
    LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<rss><channel><item><link>&x;</link></item></channel></rss>",
    "<rss><channel><item><link>http://site.test/2024/01/01/a/</link>",  # truncated
], ids=["billion-laughs", "xxe", "truncated"])
def test_hostile_or_broken_feeds_yield_no_links(body):
    resp = XmlResponse("http://site.test/feed/", body=body.encode())
    assert _spider().feed_links(resp) is None


def test_feed_links_read_rss_and_atom():
    rss = ("<rss><channel><link>http://site.test/</link><item><link>/2024/01/05/a/</link>"
           "</item></channel></rss>")
    atom = ('<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            '<link rel="alternate" href="http://site.test/2024/02/05/b/"/></entry></feed>')
    spider = _spider()
    assert "http://site.test/2024/01/05/a/" in spider.feed_links(
        XmlResponse("http://site.test/feed/", body=rss.encode()))
    assert spider.feed_links(XmlResponse("http://site.test/feed/", body=atom.encode())) == [
        "http://site.test/2024/02/05/b/"]


@pytest.mark.parametrize(("source", "url", "is_post"), [
    ("prisoners_defenders", "http://site.test/2024/03/10/informe-marzo/", True),
    ("prisoners_defenders", "http://site.test/informe-marzo/", False),
    ("prisoners_defenders", "http://site.test/?p=1234", True),
    ("prisoners_defenders", "http://other.test/2024/03/10/informe-marzo/", False),
    ("ocdh", "http://site.test/informe-marzo/", True),
    ("ocdh", "http://sub.site.test/informe-marzo/", True),
    ("ocdh", "http://site.test/page/2/", False),
    ("ocdh", "http://site.test/category/noticias/", False),
    ("ocdh", "http://site.test/feed/", False),
    ("ocdh", "ftp://site.test/informe/", False),
    ("ocdh", "http://site.test/?s=presos", False),
])
def test_post_url_shapes(source, url, is_post):
    assert _spider(source).is_post(url) is is_post


def test_start_url_redirect_is_followed_and_robots_block_fails_the_run(tmp_path, serve):
    site = simple_site(3)
    site.redirects["/rss/"] = "/feed/"
    srv = serve(site)
    cfg = crawl_config(tmp_path / "config.toml", srv, start="/rss/")
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(_post_urls(tmp_path / "monitor.db")) == 3

    site.robots = "User-agent: *\nDisallow: /rss/\n"
    (tmp_path / "monitor.db").unlink()
    r = run_monitor("crawl", "--no-notify", config=cfg)
    assert r.returncode == 1
    assert "Forbidden by robots.txt" in r.stderr
