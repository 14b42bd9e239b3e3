"""Entry point of the crawl child process: runs one Scrapy spider, writes what it fetched.

`python -m monitor.crawl_child PARAMS.json` — the parent (monitor.fetch) owns the
database; this process only talks HTTP and writes files into `out_dir`:
`pages.jsonl` (one line per response, body in `bodies/N`) and `result.json` (stats).
Scrapy's reactor cannot restart and crawls leak, so it never runs in a long-lived process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    params = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    out = Path(params["out_dir"])
    (out / "bodies").mkdir(parents=True, exist_ok=True)

    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from monitor.spiders import SPIDERS

    settings: dict[str, Any] = {
        "USER_AGENT": params["user_agent"],
        "ROBOTSTXT_OBEY": params["obey_robots"],
        "DOWNLOAD_DELAY": params["download_delay"],
        "DOWNLOAD_TIMEOUT": params["timeout"],
        "DOWNLOAD_MAXSIZE": params["max_page_size"],
        "DOWNLOAD_WARNSIZE": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 4,
        "AUTOTHROTTLE_ENABLED": params["download_delay"] > 0,
        "AUTOTHROTTLE_START_DELAY": max(params["download_delay"], 0.1),
        "RETRY_ENABLED": True,
        "RETRY_TIMES": params.get("retry_times", 2),
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "LOG_LEVEL": params.get("log_level", "INFO"),
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "HTTPERROR_ALLOW_ALL": True,
    }
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(SPIDERS[params["source"]])
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
    result = {
        "start_failures": spider.start_failures,
        "page_errors": spider.page_errors,
        "stats": stats,
        "finish_reason": stats.get("finish_reason"),
    }
    (out / "result.json").write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
