"""Prisoners Defenders monthly list of political prisoners in Cuba (total and breakdowns)."""

from __future__ import annotations

from pathlib import Path

from monitor.extract import Extraction, Reading, load_vocabulary, read

VERSION = "2.0"
VOCABULARY = load_vocabulary(Path(__file__).parent)


def extract(html: bytes | str, url: str) -> Extraction:
    return read(html, url, VOCABULARY)[0]


def explain(html: bytes | str, url: str) -> tuple[Extraction, Reading]:
    return read(html, url, VOCABULARY)
