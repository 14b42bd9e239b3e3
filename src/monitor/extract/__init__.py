"""Extractor registry: each source's extractor comes from its folder (monitor.sources)."""

from __future__ import annotations

from types import ModuleType

from monitor import sources
from monitor.extract.base import Extraction, Observation

__all__ = ["Extraction", "Observation", "describe", "extract", "get", "version"]


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
