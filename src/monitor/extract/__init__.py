"""Extractor registry: one module per source, each with VERSION and `extract(html, url)`."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.extract.base import Extraction, Observation

__all__ = ["EXTRACTORS", "Extraction", "Observation", "describe", "extract", "get", "version"]

# name -> module path. The module's docstring's first line is what `monitor sources` lists.
EXTRACTORS: dict[str, str] = {
    "prisoners_defenders": "monitor.extract.prisoners_defenders",
    "ocdh": "monitor.extract.ocdh",
}


def __getattr__(name: str) -> Any:
    """Extraction/Observation on first use: a crawl that finds nothing new (and messages'
    use of monitor.extract.numbers) never imports bs4 or lxml."""
    if name in ("Extraction", "Observation"):
        from monitor.extract import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(name: str) -> ModuleType:
    try:
        return importlib.import_module(EXTRACTORS[name])
    except KeyError:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(EXTRACTORS)})") from None


def describe(name: str) -> str:
    doc = get(name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def version(name: str) -> str:
    return f"{name}/{get(name).VERSION}"


def extract(name: str, html: bytes | str, url: str) -> Extraction:
    result = get(name).extract(html, url)
    result.extractor_version = version(name)
    return result
