"""Toy Watch: monthly count of people detained (a test source read by the shared pipeline)."""

from pathlib import Path

from monitor.extract import Extraction, Reading, load_vocabulary, read

VERSION = "2"
VOCABULARY = load_vocabulary(Path(__file__).parent)


def extract(html: bytes | str, url: str) -> Extraction:
    return read(html, url, VOCABULARY)[0]


def explain(html: bytes | str, url: str) -> tuple[Extraction, Reading]:
    return read(html, url, VOCABULARY)
