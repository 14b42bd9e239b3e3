"""Entry point of the crawl child process: runs one Scrapy spider, writes what it fetched.

`python -m monitor.crawl_child PARAMS.json` — the parent (monitor.fetch) owns the
database; this process only talks HTTP and writes files into `out_dir`:
`pages.jsonl` (one line per response, body in `bodies/N`) and `result.json` (stats).
Scrapy's reactor cannot restart and crawls leak, so it never runs in a long-lived process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
from pathlib import Path
from typing import Any


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


def scrapy_settings(params: dict[str, Any]) -> dict[str, Any]:
    """Polite, incremental crawling (README "Crawling politely").

    Every request carries `Cache-Control: max-age=0`, so the RFC 2616 HTTP cache (one per
    source, next to the archive) revalidates each page with its ETag/Last-Modified: an
    unchanged page costs a 304 and no body. `DownloaderStats` sits below the cache so the
    run's request/response/byte counts are what went over the wire.
    """
    delay = float(params["download_delay"])
    mw = "monitor.spiders.middleware"
    settings: dict[str, Any] = {
        "USER_AGENT": params["user_agent"],
        "ROBOTSTXT_OBEY": params["obey_robots"],
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_TIMEOUT": params["timeout"],
        "DOWNLOAD_MAXSIZE": params["max_page_size"],
        "DOWNLOAD_WARNSIZE": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": params.get("concurrent_requests_per_domain", 1),
        "CONCURRENT_REQUESTS": 4,
        "AUTOTHROTTLE_ENABLED": delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, delay),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": params.get("retry_times", 2),
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "RETRY_BACKOFF_BASE": params.get("retry_backoff", delay if delay > 0 else 0.25),
        "RETRY_BACKOFF_MAX": float(max(params["timeout"], 1)),
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "es,en;q=0.8",
            "Cache-Control": "max-age=0",
        },
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            # first of all: nothing outside allowed_domains, whatever the request's flags
            f"{mw}.AllowedDomainsMiddleware": 50,
            f"{mw}.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
            f"{mw}.NoStaleOnErrorCacheMiddleware": 900,
            # below the cache: count only what actually crossed the network
            "scrapy.downloadermiddlewares.stats.DownloaderStats": 950,
        },
        "LOG_LEVEL": params.get("log_level", "INFO"),
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
    }
    if params.get("httpcache_dir"):
        settings.update({
            "HTTPCACHE_ENABLED": True,
            "HTTPCACHE_DIR": params["httpcache_dir"],
            "HTTPCACHE_POLICY": f"{mw}.RevalidatingPolicy",
            "HTTPCACHE_STORAGE": f"{mw}.VerifiedCacheStorage",
            "HTTPCACHE_EXPIRATION_SECS": 0,
            "HTTPCACHE_GZIP": True,
        })
    return settings


def die_with_parent(fd: int | None) -> None:
    """Exit as soon as the parent is gone: its end of the pipe closes, a read gets EOF.

    The child runs in a session of its own (so a terminal's Ctrl-C reaches only the
    parent, which stops it cleanly); without this, a SIGKILLed `monitor crawl` would
    leave Scrapy running as an orphan.
    """
    if fd is None:
        return

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    params = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    die_with_parent(params.get("parent_pipe"))
    out = Path(params["out_dir"])
    (out / "bodies").mkdir(parents=True, exist_ok=True)

    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from monitor.spiders import WordPressSpider

    settings = scrapy_settings(params)
    settings["LOG_INSTALL_ROOT_HANDLER"] = True
    process = CrawlerProcess(settings)
    # robots.txt download errors come with a full traceback; the retry middleware's one
    # line and our own "start URL failed" line already say what went wrong
    import logging

    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(WordPressSpider)
    index = out / "pages.jsonl"
    counter = {"n": 0}
    fh = open(index, "w", encoding="utf-8")

    def on_item(item: dict[str, Any], response: Any, spider: Any) -> None:
        counter["n"] += 1
        body = item.pop("body")
        name = f"{counter['n']:06d}"
        (out / "bodies" / name).write_bytes(body)
        item["body_file"] = name
        fh.write(json.dumps(item) + "\n")
        fh.flush()

    crawler.signals.connect(on_item, signal=signals.item_scraped)
    process.crawl(crawler, params=params)
    process.start()
    fh.close()
    spider = crawler.spider
    stats = {k: v for k, v in (crawler.stats.get_stats() or {}).items()
             if isinstance(v, (int, float, str))}
    stats["memory/max_rss_kb"] = peak_rss_kb()
    result = {
        "start_failures": spider.start_failures,
        "page_errors": spider.page_errors,
        "robots_skipped": spider.robots_skipped,
        "posts_left": spider.posts_left,
        "stats": stats,
        "finish_reason": stats.get("finish_reason"),
    }
    (out / "result.json").write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
