"""Scrapy spiders: they discover and fetch pages, nothing more (extraction is monitor.extract).

Imported only inside the crawl child process (`monitor.crawl_child`), never by the daemon.
"""

from monitor.spiders.ocdh import OcdhSpider
from monitor.spiders.prisoners_defenders import PrisonersDefendersSpider

SPIDERS = {
    "prisoners_defenders": PrisonersDefendersSpider,
    "ocdh": OcdhSpider,
}
