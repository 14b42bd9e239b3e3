"""What every extractor returns, and the page-level parsing all of them share.

Extractors are plain Python: (html, url) in, an `Extraction` out. No Scrapy, no database,
so they can be tested table-driven and run from `monitor extract` on a saved file.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bs4 import BeautifulSoup
from lxml import etree

from monitor import clock

log = logging.getLogger("monitor.extract")



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
    # how it was read (counted thing, event, scope, window, anchor, rule): stored with it
    reading: dict[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The SPEC's keys for `monitor extract` (the reading is printed by --explain)."""
        out = asdict(self)
        out.pop("reading", None)
        return out


@dataclass
class Extraction:
    """Everything one page yields: metadata for `pages`, observations, and diagnostics."""

    source: str
    url: str
    title: str = ""
    published: str | None = None
    text: str = ""
    observations: list[Observation] = field(default_factory=list)
    headline_found: bool = False
    notes: list[str] = field(default_factory=list)
    extractor_version: str = ""
    # a bool, or a test that gives it, run on first read: a report whose headline figure
    # was found needs no report test (extraction_gap asks it only when none was)
    _report: bool | Callable[[], bool] = field(default=False, repr=False, compare=False)

    @property
    def looks_like_report(self) -> bool:
        """The page reads as a monthly report of the source."""
        if callable(self._report):
            self._report = bool(self._report())
        return self._report

    @looks_like_report.setter
    def looks_like_report(self, value: bool | Callable[[], bool]) -> None:
        self._report = value

    @property
    def extraction_gap(self) -> bool:
        """A monthly report with no headline figure: an operator should look."""
        return not self.headline_found and self.looks_like_report


@dataclass
class Page:
    """A parsed HTML page: the parts extractors read."""

    url: str
    title: str
    subtitle: str
    paragraphs: list[str]
    meta_published: str | None
    meta_modified: str | None
    # the parsed document with its dropped parts (nav, footer, script...) cut out
    root: Any = field(default=None, repr=False)

    def iter(self, *tags: str) -> Iterator[Any]:
        """Kept elements (of these tags, if given) in document order."""
        if self.root is None:
            return iter(())
        kept = _kept(self.root)
        return (e for e in kept if e.tag in tags) if tags else kept

    def meta(self, *names: str) -> str | None:
        """Content of the first <meta property|name=...> with content, trying `names` in turn."""
        return _meta(_Metas(self.iter("meta")), *names)

    def first(self, tag: str, attr: str | None = None) -> Any:
        """The first kept element `tag` (having attribute `attr`, if given), else None."""
        for el in self.iter(tag):
            if attr is None or el.get(attr) is not None:
                return el
        return None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _decode(html: bytes | str, url: str = "") -> tuple[str, str | None]:
    """Bytes to text: the declared charset when it reads as HTML, else UTF-8, else cp1252
    (never an exception); and the codec that read the bytes (None for text in, or with
    errors). A page that declares utf-16 or cp037 but is UTF-8 decodes "without error"
    into nonsense: the result must look like HTML, or the next candidate is tried."""
    if isinstance(html, str):
        return html, None
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if html.startswith(bom):
            try:
                return html.decode(enc), codecs.lookup(enc).name
            except UnicodeDecodeError:
                break
    head = html[:4096].translate(None, _NON_ASCII).decode("ascii")   # = decode("ascii", "ignore")
    m = _CHARSET.search(head)
    declared = m.group(1) if m else None
    candidates = ([declared] if declared else []) + ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            text = html.decode(enc)
            name = codecs.lookup(enc).name
        except (LookupError, UnicodeDecodeError):
            continue
        if enc is declared and not _looks_like_html(text, html):
            continue
        if declared and enc is not declared:
            log.warning("%s: page declares charset %s but reads as %s; decoded as %s",
                        url or "page", declared, name, name)
        return text, name
    return html.decode("utf-8", "replace"), None


def _looks_like_html(text: str, raw: bytes) -> bool:
    """Decoded text that reads as markup: it has tags where the bytes had them. A wrong
    single-byte or two-byte codec turns '<' and ASCII letters into other characters."""
    if b"<" not in raw[:4096]:
        return True                      # not markup at all: nothing to compare
    sample = text[:4096]
    if "<" not in sample:
        return False
    ascii_share = len(sample.encode("ascii", "ignore")) / max(1, len(sample))
    return ascii_share > 0.6


_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "figcaption")
_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
         "svg", "template")
_CONTENT_SELECTORS = (
    "article .entry-content", "div.entry-content", ".post-content", ".td-post-content",
    "article", "main", "#content", "body",
)
_BLOCK_SET = frozenset(_BLOCKS)
_DROP_SET = frozenset(_DROP)
# strings BeautifulSoup's get_text() leaves out (code, ruby annotations): the text rules
# below were written against it, so the lxml walk reproduces it exactly
_NO_TEXT = frozenset(("script", "style", "template", "rt", "rp"))
_PARSER = etree.HTMLParser(encoding="utf-8", recover=True)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SPACE = re.compile(r"\s+")
_NON_ASCII = bytes(range(128, 256))
_CHARSET = re.compile(r"charset=[\"']?([A-Za-z0-9_\-]+)")


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    m = _ISO_DATE.match(value.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def clean_space(text: str) -> str:
    """Runs of whitespace to one space, ends trimmed. str.split() and re's \\s both use
    str.isspace() (which covers no-break and thin spaces), so this equals the regex form."""
    return " ".join(text.split())


def _strings(el: Any, out: list[str], drop: bool) -> None:
    """Text nodes under `el` in document order, as bs4's get_text() yields them: no
    comments, no script/style text; with `drop`, none from dropped elements (their tails
    stay, as after bs4's decompose())."""
    if el.tag in _NO_TEXT:
        return
    if el.text:
        out.append(el.text)
    for ch in el:
        tag = ch.tag
        if isinstance(tag, str) and not (drop and tag in _DROP_SET):
            _strings(ch, out, drop)
        if ch.tail:
            out.append(ch.tail)


def get_text(el: Any, drop: bool = True) -> str:
    """An element's strings joined by a space (bs4's `get_text(" ")`)."""
    out: list[str] = []
    _strings(el, out, drop)
    return " ".join(out)


def element_text(el: Any, drop: bool = True) -> str:
    """An element's text with whitespace collapsed."""
    if not len(el) and el.tag not in _NO_TEXT:   # a plain paragraph: its one string
        return clean_space(el.text or "")
    return clean_space(get_text(el, drop))


def descendants(el: Any, tag: str) -> list[Any]:
    """Elements `tag` under `el` in document order, none inside a dropped element."""
    out: list[Any] = []
    for ch in el:
        t = ch.tag
        if not isinstance(t, str) or t in _DROP_SET:
            continue
        if t == tag:
            out.append(ch)
        out.extend(descendants(ch, tag))
    return out


def _kept(root: Any) -> Iterator[Any]:
    """Every element in document order, minus dropped ones and their subtrees (which are
    never entered: a theme's menus and sidebars cost nothing to pass over)."""
    if not isinstance(root.tag, str) or root.tag in _DROP_SET:
        return
    yield root
    stack = [iter(root)]
    while stack:
        for ch in stack[-1]:
            tag = ch.tag
            if isinstance(tag, str) and tag not in _DROP_SET:
                yield ch
                stack.append(iter(ch))
                break
        else:
            stack.pop()


def _classes(el: Any) -> list[str]:
    return (el.get("class") or "").split()


def _select_content(root: Any) -> Any:
    """The first kept element matching the first of _CONTENT_SELECTORS that matches."""
    kept: list[Any] = []
    for el in _kept(root):          # "article .entry-content": on a WordPress post it is
        kept.append(el)             # found early, before the rest of the page is walked
        if "entry-content" in _classes(el) and any(True for _ in el.iterancestors("article")):
            return el
    tests = (
        lambda e: e.tag == "div" and "entry-content" in _classes(e),
        lambda e: "post-content" in _classes(e),
        lambda e: "td-post-content" in _classes(e),
        lambda e: e.tag == "article",
        lambda e: e.tag == "main",
        lambda e: e.get("id") == "content",
        lambda e: e.tag == "body",
    )
    for test in tests:
        for el in kept:
            if test(el):
                return el
    return None


def _top_blocks(el: Any, out: list[Any]) -> None:
    """Block elements under `el`, not descending into a block (nested ones are its text)."""
    for ch in el:
        tag = ch.tag
        if not isinstance(tag, str) or tag in _DROP_SET:
            continue
        if tag in _BLOCK_SET:
            out.append(ch)
        else:
            _top_blocks(ch, out)


class _Metas:
    """The page's <meta> tags indexed once: the first with each property and each name."""

    def __init__(self, metas: Iterable[Any]) -> None:
        self.by_property: dict[str, Any] = {}
        self.by_name: dict[str, Any] = {}
        for e in metas:
            self.by_property.setdefault(e.get("property"), e)
            self.by_name.setdefault(e.get("name"), e)


def _meta(metas: _Metas, *names: str) -> str | None:
    """Content of the first <meta property=name> (else name=name) with content, by name."""
    for name in names:
        tag = metas.by_property.get(name)
        if tag is None:
            tag = metas.by_name.get(name)
        if tag is not None and tag.get("content"):
            return str(tag.get("content"))
    return None


def _future(iso: str) -> bool:
    """More than a day after today (the real clock, UTC): no report is published then."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return False
    return day > clock.utcnow().date() + dt.timedelta(days=1)


_DATE_METAS = ("article:published_time", "datePublished", "date", "dc.date", "DC.date.issued",
               "article:modified_time", "dateModified")


def _drop_future_dates(root: Any, metas: _Metas) -> None:
    """Remove <meta> dates in the future (and <time> ones) so no extractor reads them."""
    for e in list(root.iter("meta")):
        key = e.get("property") or e.get("name")
        if key in _DATE_METAS and _future(str(e.get("content") or "")):
            e.getparent().remove(e)
    for e in list(root.iter("time")):
        if _future(str(e.get("datetime") or "")):
            e.attrib.pop("datetime", None)


def _parse(text: str, raw: bytes | None = None) -> Any:
    """The lxml root of `text` (`raw`: the same text as UTF-8 bytes, when at hand);
    BeautifulSoup only when lxml gives up on it."""
    try:
        root = etree.fromstring(raw if raw is not None else text.encode("utf-8"), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, UnicodeError):
        root = None
    if root is not None:
        return root
    from lxml.html import soupparser

    roots = soupparser.convert_tree(BeautifulSoup(text, "lxml"))
    return roots[0] if roots else None


_MAX_CHARS: contextvars.ContextVar[int | None] = contextvars.ContextVar("parse_chars",
                                                                       default=None)


@contextlib.contextmanager
def page_limit(max_chars: int) -> Iterator[None]:
    """Inside this block parse_page cuts pages at `max_chars` (callers pass the config's
    `Config.max_parse_chars`, derived from crawl.max_page_size)."""
    token = _MAX_CHARS.set(max_chars)
    try:
        yield
    finally:
        _MAX_CHARS.reset(token)


def text_budget() -> int:
    """How much of a page's text is read for figures: 3% of the parse cut (60,000
    characters at the default 10MB max_page_size), and all of it for a cut under 10,000.
    A report's figures sit in its first pages of text; past this, a page is an archive or
    a digest."""
    from monitor.config import default_parse_chars
    parsed = _MAX_CHARS.get() or default_parse_chars()
    return max(parsed * 3 // 100, min(parsed, 10_000))


def parse_page(html: bytes | str, url: str, max_chars: int | None = None) -> Page:
    """Title, subtitle, content paragraphs and metadata dates of a WordPress-like page.

    Very large documents are cut at `max_chars` of text before parsing so a 10 MB page
    costs bounded time; the figures of a report are near its top. Unset: the `page_limit`
    in effect, else the cut the default crawl.max_page_size gives.
    """
    if max_chars is None:
        from monitor.config import default_parse_chars
        max_chars = _MAX_CHARS.get() or default_parse_chars()
    text, codec = _decode(html, url)
    raw = html if codec == "utf-8" else None   # valid UTF-8 already: no second encode
    if len(text) > max_chars:
        log.warning("%s: page is %d characters; reading the first %d", url, len(text), max_chars)
        text, raw = text[:max_chars], None
    root = _parse(text, raw)
    if root is None:
        return Page(url=url, title="", subtitle="", paragraphs=[], meta_published=None,
                    meta_modified=None)
    metas = _Metas(root.iter("meta"))
    published = _iso_date(_meta(metas, "article:published_time", "datePublished",
                                "date", "dc.date", "DC.date.issued"))
    if published and _future(published):
        log.warning("%s: publication date %s is more than a day in the future; ignored",
                    url, published)
        _drop_future_dates(root, metas)
        metas = _Metas(root.iter("meta"))
        published = _iso_date(_meta(metas, "article:published_time", "datePublished",
                                    "date", "dc.date", "DC.date.issued"))
    if not published:
        t = next((e for e in root.iter("time") if e.get("datetime") is not None), None)
        if t is not None:
            published = _iso_date(str(t.get("datetime")))
            if published and _future(published):
                log.warning("%s: <time> date %s is in the future; ignored", url, published)
                published = None
    modified = _iso_date(_meta(metas, "article:modified_time", "dateModified"))

    h1 = next(root.iter("h1"), None)
    title = element_text(h1, drop=False) if h1 is not None else ""
    if not title:
        head_title = next(root.iter("title"), None)
        title = clean_space(_meta(metas, "og:title") or (
            element_text(head_title, drop=False) if head_title is not None else ""))

    content = _select_content(root)
    paragraphs: list[str] = []
    subtitle = ""
    if content is not None:
        blocks: list[Any] = []
        _top_blocks(content, blocks)
        for b in blocks:
            t = element_text(b)
            if not t or t == title:
                continue
            # a paragraph that is nothing but a link is a pointer to another post
            # ("OCDH: 275 acciones represivas en septiembre"), not this page's text
            links = [a for a in b.iter("a")]
            if links and clean_space(" ".join(element_text(a, drop=False) for a in links)) == t:
                continue
            if not subtitle and b.tag in ("h2", "h3") and not paragraphs:
                subtitle = t
            paragraphs.append(t)
        if not paragraphs:
            raw = element_text(content)
            if raw:
                paragraphs = [raw]
    return Page(url=url, title=title, subtitle=subtitle, paragraphs=paragraphs,
                meta_published=published, meta_modified=modified, root=root)
