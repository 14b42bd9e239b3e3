"""Period grammar shared by extractors: which month a figure describes, in Spanish and English.

Covers explicit months ("agosto de 2025", "August 2025"), cut-off dates ("con cierre de
datos a fecha 29 de febrero de 2024", "as of October 1, 2020": a list dated the 1st
describes the month before), months without a year (resolved against a reference month),
year ends ("al cierre de 2024"), and the publication reference (page metadata, else a date
in the URL path). All matching runs on `fold()`ed text (lower case, no accents, same length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.extract import timex
from monitor.extract.fastre import alternation
from monitor.extract.numbers import MONTHS, shift_month, text_cache

# month names (es/en, plus common short forms) as a regex alternative, longest first
_SHORT = {"ene": 1, "feb": 2, "mar": 3, "abr": 4, "jun": 6, "jul": 7, "ago": 8, "sep": 9,
          "sept": 9, "oct": 10, "nov": 11, "dic": 12, "jan": 1, "apr": 4, "aug": 8,
          "dec": 12}
MONTH_WORDS: dict[str, int] = {**_SHORT, **MONTHS}
MONTH_ALT = alternation(sorted(MONTH_WORDS, key=len, reverse=True))
_FULL_ALT = alternation(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?:19[5-9]\d|20\d\d)"


@dataclass(slots=True)
class Ref:
    """A point in time written in a text: a year, a month (maybe without year), or a day."""

    start: int
    end: int
    month: int | None
    year: int | None
    day: int | None = None
    kind: str = "month"        # "date" (day given) | "month" | "year"


@dataclass(frozen=True, slots=True)
class YM:
    """A year and month; `str()` is the SPEC period 'YYYY-MM'."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, delta: int) -> YM:
        y, m = shift_month(self.year, self.month, delta)
        return YM(y, m)


_DATE_ES = re.compile(
    r"\b(?P<d>[0-3]?\d)(?:\s+de)?\s+(?P<m>" + _FULL_ALT + r"|" + alternation(_SHORT)
    + r")\b\.?(?:\s*(?:de|del|,)?\s*(?P<y>" + _YEAR + r"))?")
_DATE_EN = re.compile(
    r"\b(?P<m>" + _FULL_ALT + r"|" + alternation(_SHORT) + r")\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
    r"\b(?:\s*,?\s*(?P<y>" + _YEAR + r"))?")
_DATE_NUM = re.compile(r"\b(?P<d>[0-3]?\d)/(?P<m>[01]?\d)/(?P<y>" + _YEAR + r")\b")
_MONTH_YEAR = re.compile(
    r"\b(?P<m>" + _FULL_ALT + r")\b(?:\s+(?:de|del|of)\s+|\s*,?\s*)(?P<y>" + _YEAR + r")\b")
_MONTH = re.compile(r"\b(?P<m>" + _FULL_ALT + r")\b")
# (?<![\d.,/])(?P<y>_YEAR), the look-back made after the first digit (see ocdh._BARE_YEAR)
_YEAR_RE = re.compile(r"(?P<y>1(?<![\d.,/]1)9[5-9]\d|2(?<![\d.,/]2)0\d\d)(?![\d.,/]\d)")
_ANY_DIGIT = re.compile(r"\d")
_MONTH_HEADS = tuple(sorted({w[:3] for w in MONTH_WORDS}))
_AMBIGUOUS_EN = {"may", "march", "marco", "mar", "jun", "dec", "sept"}


def _month_ok(original: str, start: int, word: str) -> bool:
    """English 'may'/'march' are months only when capitalised ('May', 'March')."""
    if word in _AMBIGUOUS_EN:
        return original[start:start + 1].isupper()
    return True


def find_refs(folded: str, original: str | None = None) -> list[Ref]:
    """Every date, month and year in `folded` text, longest reading first, no overlaps."""
    return list(refs_of(folded, original if original is not None else folded))


@text_cache(4096)
def refs_of(folded: str, original: str) -> tuple[Ref, ...]:
    """find_refs() as the shared cached tuple, for callers that only read it (the
    extractors read a sentence's dates in several passes, and never mutate a Ref)."""
    out: list[Ref] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    def add(ref: Ref) -> None:
        out.append(ref)
        taken.append((ref.start, ref.end))

    # exact pre-checks: every pattern below but _MONTH needs a digit, and every month
    # pattern needs a month word, which starts with one of _MONTH_HEADS
    digits = _ANY_DIGIT.search(folded) is not None
    months = any(h in folded for h in _MONTH_HEADS)
    if not months and not digits:
        return ()
    years = digits and ("19" in folded or "20" in folded)    # every _YEAR holds one of them
    for m in _DATE_NUM.finditer(folded) if years and "/" in folded else ():
        mo, d = int(m.group("m")), int(m.group("d"))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            add(Ref(m.start(), m.end(), mo, int(m.group("y")), d, "date"))
    for rx in (_DATE_ES, _DATE_EN) if digits and months else ():
        for m in rx.finditer(folded):
            if not free(*m.span()) or not _month_ok(original, m.start("m"), m.group("m")):
                continue
            d = int(m.group("d"))
            if not 1 <= d <= 31:
                continue
            y = int(m.group("y")) if m.group("y") else None
            add(Ref(m.start(), m.end(), MONTH_WORDS[m.group("m")], y, d, "date"))
    for m in _MONTH_YEAR.finditer(folded) if years and months else ():
        if free(*m.span()) and _month_ok(original, m.start("m"), m.group("m")):
            add(Ref(m.start(), m.end(), MONTHS[m.group("m")], int(m.group("y"))))
    for m in _MONTH.finditer(folded) if months else ():
        if free(*m.span()) and _month_ok(original, m.start("m"), m.group("m")):
            add(Ref(m.start(), m.end(), MONTHS[m.group("m")], None))
    for m in _YEAR_RE.finditer(folded) if years else ():
        if free(*m.span()):
            add(Ref(m.start(), m.end(), None, int(m.group("y")), None, "year"))
    out.sort(key=lambda r: r.start)
    return tuple(out)


def resolve_month(month: int, ref: YM | None, *, allow_same: bool = False,
                  max_back: int = 11) -> YM | None:
    """A month named without a year: the latest such month before `ref` (or equal to it
    when `allow_same`), at most `max_back` months back; None without a reference."""
    if ref is None:
        return None
    for back in range(0 if allow_same else 1, max_back + 1):
        cand = ref.shift(-back)
        if cand.month == month:
            return cand
    return None


def cutoff_month(year: int, month: int, day: int | None, early_days: int = 1) -> YM:
    """The month a list dated (year, month, day) describes: a date in the first
    `early_days` days of a month closes the month before ("as of October 1, 2020" is
    September's list)."""
    ym = YM(year, month)
    return ym.shift(-1) if day is not None and day <= early_days else ym


# one reader of URL dates and ISO dates for both extraction layers (the reading pipeline's)
url_date = timex.url_date
iso_or_partial = timex.iso_partial
