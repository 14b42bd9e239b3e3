"""Prisoners Defenders monthly list of political prisoners in Cuba (total and breakdowns)."""

from __future__ import annotations

import re

from monitor.extract.base import Extraction, Observation, log, parse_page, sentences
from monitor.extract.numbers import (
    find_numbers,
    fold,
    month_number,
    period,
    qualifier_before,
    shift_month,
)

VERSION = "0.1"
SOURCE = "prisoners_defenders"

_URL_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
_TOTAL_AFTER = re.compile(r"^\s*(?:presos|prisioneros|political\s+prisoners)\b", re.I)
_MONTH_YEAR = re.compile(r"\b([a-záéíóú]+)\s+(?:de\s+|del\s+)?(\d{4})\b", re.I)


def _published(page, url: str) -> str | None:
    if page.meta_published:
        return page.meta_published
    m = _URL_DATE.search(url)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


def extract(html: bytes | str, url: str) -> Extraction:
    page = parse_page(html, url)
    published = _published(page, url)
    out = Extraction(source=SOURCE, url=url, title=page.title, published=published,
                     text=page.text)
    head = fold(" ".join([page.title, page.subtitle]))
    out.looks_like_report = "pres" in head and "politic" in head and any(
        month_number(w) for w in re.findall(r"[a-z]+", head))
    # period: "<mes> de <año>" in the subtitle/title, else the month before publication
    per = None
    for text in (page.subtitle, page.title, *page.paragraphs[:3]):
        for m in _MONTH_YEAR.finditer(text):
            mo = month_number(m.group(1))
            if mo:
                per = period(int(m.group(2)), mo)
                break
        if per:
            break
    if per is None and published:
        y, mo = shift_month(int(published[:4]), int(published[5:7]), -1)
        per = period(y, mo)
    if per is None:
        out.notes.append("no period")
        log.info("%s: no period found; emitting nothing", url)
        return out
    for para in [page.subtitle, *page.paragraphs]:
        for sent in sentences(para):
            f = fold(sent)
            if "total" not in f and para != page.subtitle:
                continue
            for n in find_numbers(sent):
                if n.is_word or n.is_decimal or n.value < 50:
                    continue
                if _TOTAL_AFTER.match(f[n.end:]):
                    out.observations.append(Observation(
                        SOURCE, "political_prisoners_total", per, n.value,
                        qualifier_before(sent, n.start), published, url, sent))
                    out.headline_found = True
                    return out
    if out.looks_like_report:
        log.warning("%s: looks like a monthly report but no total found", url)
    return out
