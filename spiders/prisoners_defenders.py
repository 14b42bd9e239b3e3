"""Prisoners Defenders: posts at /YYYY/MM/DD/<slug>/."""

import re

from monitor.spiders.wordpress import WordPressSpider


class PrisonersDefendersSpider(WordPressSpider):
    name = "prisoners_defenders"
    post_path = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$")
