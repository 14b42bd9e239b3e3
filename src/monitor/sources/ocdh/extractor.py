"""OCDH monthly repressive actions and arbitrary detentions in Cuba (and yearly totals)."""

from __future__ import annotations

from pathlib import Path

from monitor.extract import Extraction, Reading, load_vocabulary, read

VERSION = "2.0"
VOCABULARY = load_vocabulary(Path(__file__).parent)


def extract(html: bytes | str, url: str) -> Extraction:
    return read(html, url, VOCABULARY)[0]


def explain(html: bytes | str, url: str) -> tuple[Extraction, Reading]:
    return read(html, url, VOCABULARY)
