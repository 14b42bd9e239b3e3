"""What every extractor returns, and the page-level parsing all of them share.

Extractors are plain Python: (html, url) in, an `Extraction` out. No Scrapy, no database,
so they can be tested table-driven and run from `monitor extract` on a saved file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bs4 import BeautifulSoup

log = logging.getLogger("monitor.extract")

QUALIFIERS = ("exact", "at_least", "about")


@dataclass
class Observation:
    """One figure: an integer value of one metric over one period, with its evidence."""

    source: str
    metric: str
    period: str
    value: int
    qualifier: str = "exact"
    published: str | None = None
    url: str = ""
    evidence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Extraction:
    """Everything one page yields: metadata for `pages`, observations, and diagnostics."""

    source: str
    url: str
    title: str = ""
    published: str | None = None
    text: str = ""
    observations: list[Observation] = field(default_factory=list)
    looks_like_report: bool = False
    headline_found: bool = False
    notes: list[str] = field(default_factory=list)
    extractor_version: str = ""

    @property
    def extraction_gap(self) -> bool:
        """A monthly report with no headline figure: an operator should look."""
        return self.looks_like_report and not self.headline_found


@dataclass
class Page:
    """A parsed HTML page: the parts extractors read."""

    url: str
    title: str
    subtitle: str
    paragraphs: list[str]
    meta_published: str | None
    meta_modified: str | None
    soup: BeautifulSoup | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def decode(html: bytes | str) -> str:
    """Bytes to text: declared charset, else UTF-8, else cp1252 (never an exception)."""
    if isinstance(html, str):
        return html
    head = html[:4096].decode("ascii", "ignore")
    m = re.search(r"charset=[\"']?([A-Za-z0-9_\-]+)", head)
    candidates = ([m.group(1)] if m else []) + ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            return html.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return html.decode("utf-8", "replace")


_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "figcaption")
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
         "svg", "template")
_CONTENT_SELECTORS = (
    "article .entry-content", "div.entry-content", ".post-content", ".td-post-content",
    "article", "main", "#content", "body",
)


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def clean_space(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    return re.sub(r"\s+", " ", text).strip()


def parse_page(html: bytes | str, url: str, max_chars: int = 2_000_000) -> Page:
    """Title, subtitle, content paragraphs and metadata dates of a WordPress-like page.

    Very large documents are cut at `max_chars` of text before parsing so a 10 MB page
    costs bounded time; the figures of a report are near its top.
    """
    text = decode(html)
    if len(text) > max_chars:
        log.warning("%s: page is %d characters; reading the first %d", url, len(text), max_chars)
        text = text[:max_chars]
    soup = BeautifulSoup(text, "lxml")

    def meta(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find(
                "meta", attrs={"name": name})
            if tag and tag.get("content"):
                return str(tag["content"])
        return None

    published = _iso_date(meta("article:published_time", "datePublished", "date",
                               "dc.date", "DC.date.issued"))
    if not published:
        t = soup.find("time", attrs={"datetime": True})
        if t:
            published = _iso_date(str(t["datetime"]))
    modified = _iso_date(meta("article:modified_time", "dateModified"))

    h1 = soup.find("h1")
    title = clean_space(h1.get_text(" ")) if h1 else ""
    if not title:
        title = clean_space(meta("og:title") or (soup.title.get_text(" ") if soup.title else ""))

    for tag in soup.find_all(_DROP):
        tag.decompose()
    content = None
    for sel in _CONTENT_SELECTORS:
        content = soup.select_one(sel)
        if content is not None:
            break
    paragraphs: list[str] = []
    subtitle = ""
    if content is not None:
        blocks = content.find_all(_BLOCKS)
        seen: set[int] = set()
        for b in blocks:
            # skip blocks nested in an already-taken block (li inside blockquote, p in td)
            if any(id(p) in seen for p in b.parents):
                continue
            seen.add(id(b))
            t = clean_space(b.get_text(" "))
            if not t or t == title:
                continue
            if not subtitle and b.name in ("h2", "h3") and not paragraphs:
                subtitle = t
            paragraphs.append(t)
        if not paragraphs:
            raw = clean_space(content.get_text(" "))
            if raw:
                paragraphs = [raw]
    return Page(url=url, title=title, subtitle=subtitle, paragraphs=paragraphs,
                meta_published=published, meta_modified=modified, soup=soup)


_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÁÉÍÓÚÑ¿¡\"“«(0-9])")


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences without breaking '1.185' or 'Sr. X'."""
    parts = _SENT_SPLIT.split(paragraph)
    return [p.strip() for p in parts if p.strip()]
