"""OCDH: posts at /<slug>/ (no date in the URL), short links /?p=NNNN."""

import re

from monitor.spiders.wordpress import WordPressSpider


class OcdhSpider(WordPressSpider):
    name = "ocdh"
    post_path = re.compile(r"^/[^/]+/?$")
