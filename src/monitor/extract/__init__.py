"""Extractor registry: each source's extractor comes from its folder (monitor.sources)."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from monitor import sources

if TYPE_CHECKING:
    from monitor.extract.base import Extraction, Observation

__all__ = ["Extraction", "Observation", "describe", "extract", "get", "version"]


def __getattr__(name: str) -> Any:
    """Extraction/Observation on first use: a crawl that finds nothing new (and messages'
    use of monitor.extract.numbers) never imports bs4 or lxml."""
    if name in ("Extraction", "Observation"):
        from monitor.extract import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(name: str) -> ModuleType:
    """The source's extractor module (KeyError naming the known sources)."""
    return sources.get(name).module


def describe(name: str) -> str:
    doc = get(name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else sources.get(name).description


def version(name: str) -> str:
    return sources.get(name).version


def extract(name: str, html: bytes | str, url: str) -> Extraction:
    return sources.get(name).extract(html, url)
