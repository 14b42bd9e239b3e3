"""Scrapy spiders: they discover and fetch pages, nothing more (extraction is monitor.extract).

One WordPress spider serves every source: what differs between sources (start URLs,
allowed domains, the URL shape of a post) comes from the source's declaration through
the crawl params. Imported only inside the crawl child process (`monitor.crawl_child`),
never by the daemon.
"""

from monitor.spiders.wordpress import WordPressSpider

__all__ = ["WordPressSpider"]
