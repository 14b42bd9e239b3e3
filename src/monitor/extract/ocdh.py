"""OCDH monthly repressive actions and arbitrary detentions in Cuba."""

from __future__ import annotations

from monitor.extract.base import Extraction, parse_page

VERSION = "0.0"
SOURCE = "ocdh"


def extract(html: bytes | str, url: str) -> Extraction:
    # Placeholder until the OCDH extractor lands: emits nothing rather than guessing.
    page = parse_page(html, url)
    return Extraction(source=SOURCE, url=url, title=page.title,
                      published=page.meta_published, text=page.text)
