"""Entry point of the crawl child process: runs one Scrapy spider, writes what it fetched.

`python -m monitor.crawl_child PARAMS.json` — the parent (monitor.fetch) owns the
database; this process only talks HTTP and writes files into `out_dir`:
`pages.jsonl` (one line per response, body in `bodies/N`) and `result.json` (stats), in
the schema of monitor.crawlproto.
Scrapy's reactor cannot restart and crawls leak, so it never runs in a long-lived process.
"""

from __future__ import annotations

import gc
import hashlib
import os
import resource
import sys
import threading
from pathlib import Path
from typing import Any

from monitor.crawlproto import ChildResult, CrawlParams, Page, Politeness, read_json, write_json


def peak_rss_kb() -> int:
    """This process's peak resident memory (KiB).

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so a child forked from a
    big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def scrapy_settings(polite: Politeness, httpcache_dir: str | None = None,
                    log_level: str = "INFO") -> dict[str, Any]:
    """Polite, incremental crawling (README "Crawling politely").

    Every request carries `Cache-Control: max-age=0`, so the RFC 2616 HTTP cache (one per
    source, next to the archive) revalidates each page with its ETag/Last-Modified: an
    unchanged page costs a 304 and no body. `DownloaderStats` sits below the cache so the
    run's request/response/byte counts are what went over the wire; `HandoverMiddleware`
    below it answers a request the probe has just made with the probe's response.

    Only the components a crawl uses are loaded: Scrapy's defaults also import and start
    an HTTP remote-control server (aiohttp), a telnet console, memory and log-rate timers,
    feed exports, cookie handling (tldextract), HTTP auth and s3/ftp/file/data handlers,
    which cost the child ~0.3 s of imports and start-up on every crawl and do nothing here
    (cookies are off, the spider sets no credentials, every URL is http(s)).
    """
    delay = polite.download_delay
    mw = "monitor.spiders.middleware"
    ext = "scrapy.extensions"
    dmw = "scrapy.downloadermiddlewares"
    settings: dict[str, Any] = {
        "USER_AGENT": polite.user_agent,
        "ROBOTSTXT_OBEY": polite.obey_robots,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_TIMEOUT": polite.timeout,
        "DOWNLOAD_MAXSIZE": polite.max_page_size,
        "DOWNLOAD_WARNSIZE": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 4,
        "AUTOTHROTTLE_ENABLED": delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, delay),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_BACKOFF_BASE": delay if delay > 0 else 0.25,
        "RETRY_BACKOFF_MAX": float(max(polite.timeout, 1)),
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "es,en;q=0.8",
            "Cache-Control": "max-age=0",
        },
        # the whole list of components, not additions to Scrapy's defaults: a component
        # set to None in DOWNLOADER_MIDDLEWARES or EXTENSIONS is still imported
        "DOWNLOADER_MIDDLEWARES_BASE": {
            f"{dmw}.offsite.OffsiteMiddleware": 50,
            # then at once: nothing outside allowed_domains, whatever the request's flags
            f"{mw}.AllowedDomainsMiddleware": 50,
            f"{dmw}.robotstxt.RobotsTxtMiddleware": 100,
            f"{dmw}.downloadtimeout.DownloadTimeoutMiddleware": 350,
            f"{dmw}.defaultheaders.DefaultHeadersMiddleware": 400,
            f"{dmw}.useragent.UserAgentMiddleware": 500,
            f"{mw}.BackoffRetryMiddleware": 550,
            f"{dmw}.redirect.MetaRefreshMiddleware": 580,
            f"{dmw}.httpcompression.HttpCompressionMiddleware": 590,
            f"{dmw}.redirect.RedirectMiddleware": 600,
            f"{dmw}.httpproxy.HttpProxyMiddleware": 750,
            f"{mw}.NoStaleOnErrorCacheMiddleware": 900,
            # below the cache: count only what actually crossed the network
            f"{dmw}.stats.DownloaderStats": 950,
            # below the counter: the probe's responses count as the requests they were
            f"{mw}.HandoverMiddleware": 990,
        },
        "DOWNLOADER_MIDDLEWARES": {},
        "EXTENSIONS_BASE": {
            f"{ext}.corestats.CoreStats": 0,  # finish_reason, the run's counters
            f"{ext}.logcount.LogCount": 0,
            **({f"{ext}.throttle.AutoThrottle": 0} if delay > 0 else {}),
        },
        "EXTENSIONS": {},
        # http(s) only: config refuses other start URLs, the spider follows no others
        "DOWNLOAD_HANDLERS_BASE": {
            "http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
            "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
        },
        "LOG_LEVEL": log_level,
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
    }
    if httpcache_dir:
        settings.update({
            "HTTPCACHE_ENABLED": True,
            "HTTPCACHE_DIR": httpcache_dir,
            "HTTPCACHE_POLICY": f"{mw}.RevalidatingPolicy",
            "HTTPCACHE_STORAGE": f"{mw}.VerifiedCacheStorage",
            "HTTPCACHE_EXPIRATION_SECS": 0,
            "HTTPCACHE_GZIP": True,
        })
    return settings


def die_with_parent(fd: int | None) -> threading.Event:
    """Exit as soon as the parent is gone: its end of the pipe closes, a read gets EOF.

    The child runs in a session of its own (so a terminal's Ctrl-C reaches only the
    parent, which stops it cleanly); without this, a SIGKILLed `monitor crawl` would
    leave Scrapy running as an orphan. A byte on the same pipe is the parent's "go": the
    child imports and builds its crawler meanwhile, but fetches nothing before it (the
    parent loads the notify targets first, so a bad notify setting still stops the crawl
    before any request). The returned event is set on "go" (at once without a pipe).
    """
    go = threading.Event()
    if fd is None:
        go.set()
        return go

    def watch() -> None:
        try:
            while os.read(fd, 1):
                go.set()
        except OSError:
            pass
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return go


def main(argv: list[str]) -> int:
    # Scrapy and Twisted allocate ~half a million objects while importing and building
    # the crawler: the cyclic GC would trace the growing heap over and over (~10% of the
    # start-up). Off until the crawler is built; then those objects are frozen (never
    # traced again) and collection resumes for the crawl itself.
    gc.disable()
    params = read_json(CrawlParams, Path(argv[1]))
    go = die_with_parent(params.parent_pipe)
    out = Path(params.out_dir)
    (out / "bodies").mkdir(parents=True, exist_ok=True)

    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from monitor.spiders import WordPressSpider

    settings = scrapy_settings(params.polite, params.httpcache_dir, params.log_level)
    settings["LOG_INSTALL_ROOT_HANDLER"] = True
    process = CrawlerProcess(settings)
    # robots.txt download errors come with a full traceback; the retry middleware's one
    # line and our own "start URL failed" line already say what went wrong
    import logging

    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(WordPressSpider)
    counter = {"n": 0}
    fh = open(out / "pages.jsonl", "w", encoding="utf-8")

    def on_item(item: Page, response: Any, spider: Any) -> None:
        counter["n"] += 1
        item.body_file = f"{counter['n']:06d}"
        (out / "bodies" / item.body_file).write_bytes(item.body)
        item.sha256 = hashlib.sha256(item.body).hexdigest()  # the one hash of this body
        fh.write(item.line() + "\n")
        fh.flush()

    crawler.signals.connect(on_item, signal=signals.item_scraped)
    go.wait()  # in practice already there: the parent is quicker than Scrapy's imports
    process.crawl(crawler, params=params)
    gc.freeze()
    gc.enable()
    process.start()
    fh.close()
    spider = crawler.spider
    stats = {k: v for k, v in (crawler.stats.get_stats() or {}).items()
             if isinstance(v, (int, float, str))}
    stats["memory/max_rss_kb"] = peak_rss_kb()
    write_json(ChildResult(
        start_failures=spider.start_failures, page_errors=spider.page_errors,
        robots_skipped=spider.robots_skipped, posts_left=spider.posts_left, stats=stats,
        finish_reason=stats.get("finish_reason"),
        handed_over=sorted(spider.handed_over)), out / "result.json")
    return 0


def _exit_now(rc: int) -> None:
    """End the process without tearing the interpreter down (~0.2 s with Scrapy and
    Twisted loaded, between the last page and the parent's storing it). Everything the
    parent reads is written and closed by then; logs are flushed here."""
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


if __name__ == "__main__":
    _exit_now(main(sys.argv))
