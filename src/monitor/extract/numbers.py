"""Number, qualifier and month grammar shared by every extractor (Spanish and English).

Numbers as the sites and the press write them: `1.185`, `1,185`, `1 185`, `1185`,
`mil 066`, `3 mil 830`, `11 mil`, and words (`trece`, `doscientos`, `thirteen`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from monitor.extract.fastre import alternation

UNITS_ES = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17,
    "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiun": 21, "veintiuno": 21,
    "veintiuna": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28,
    "veintinueve": 29,
}
TENS_ES = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
           "ochenta": 80, "noventa": 90}
HUNDREDS_ES = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
               "trescientos": 300, "trescientas": 300, "cuatrocientos": 400,
               "cuatrocientas": 400, "quinientos": 500, "quinientas": 500,
               "seiscientos": 600, "seiscientas": 600, "setecientos": 700,
               "setecientas": 700, "ochocientos": 800, "ochocientas": 800,
               "novecientos": 900, "novecientas": 900}
UNITS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90}

MONTHS = {
    # es
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    # en
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # pt / it / de (optional languages; harmless to know)
    "janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7,
    "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    "januar": 1, "februar": 2, "marz": 3, "juni": 6, "juli": 7, "oktober": 10,
    "dezember": 12,
}
MONTH_NAMES_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre"]
MONTH_NAMES_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    return base.lower() if len(base.lower()) == 1 else ch.lower()


class _FoldTable(dict):
    """str.translate table for fold(): filled on first sight of a code point."""

    def __missing__(self, code: int) -> str:
        self[code] = out = _fold_char(chr(code))
        return out


_FOLD = _FoldTable()
for _code in range(0x250):      # ASCII, Latin-1, Latin Extended-A/B: the usual text
    _FOLD[_code] = _fold_char(chr(_code))


# cached work is keyed by sentence text; longer keys (a whole page's text) are computed
# afresh so the caches stay a few MB however large the pages a backfill reads
CACHE_MAX_KEY = 4096

_F = TypeVar("_F", bound=Callable[..., Any])


def text_cache(maxsize: int) -> Callable[[_F], _F]:
    """lru_cache for a function of a text (its first argument), except that a text longer
    than CACHE_MAX_KEY is computed afresh: extractors ask the same sentence the same
    questions in several passes, and a site repeats its boilerplate on every report."""
    def wrap(fn: _F) -> _F:
        cached = lru_cache(maxsize=maxsize)(fn)

        @functools.wraps(fn)
        def call(text: str, *args: Any) -> Any:
            return fn(text, *args) if len(text) > CACHE_MAX_KEY else cached(text, *args)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info    # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return wrap


@text_cache(8192)
def fold(text: str) -> str:
    """Lower case without accents: 'Dieciséis' -> 'dieciseis'. Keeps string length.

    A translate table instead of per-character normalisation, and cached: extractors fold
    the same sentence several times."""
    return _fold_uncached(text)


# Latin-1 folds into Latin-1 (checked when built), so text made only of those characters
# is folded as bytes: the same result, about 20 times faster than str.translate with a dict
_FOLD_LATIN1 = bytes(ord(_FOLD[_code]) for _code in range(256))


def _fold_uncached(text: str) -> str:
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.translate(_FOLD)
    return raw.translate(_FOLD_LATIN1).decode("latin-1")



def _word_value(tokens: list[str]) -> int | None:
    """Value of a run of number words ('ciento veinte', 'twenty one', 'dos mil')."""
    total, current, seen = 0, 0, False
    for tok in tokens:
        if tok in ("y", "and", "-"):
            continue
        if tok in UNITS_ES:
            current += UNITS_ES[tok]
        elif tok in TENS_ES:
            current += TENS_ES[tok]
        elif tok in HUNDREDS_ES:
            current += HUNDREDS_ES[tok]
        elif tok in UNITS_EN:
            current += UNITS_EN[tok]
        elif tok in TENS_EN:
            current += TENS_EN[tok]
        elif tok == "hundred":
            current = max(current, 1) * 100
        elif tok in ("mil", "thousand"):
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


_WORDS = sorted(
    list(UNITS_ES) + list(TENS_ES) + list(HUNDREDS_ES) + list(UNITS_EN) + list(TENS_EN)
    + ["hundred", "thousand", "mil"], key=len, reverse=True)
_WORD_ALT = alternation(_WORDS)

# A number token: digits with optional thousands groups, or "mil 066" / "3 mil 830" /
# "11 mil", or a run of number words. Decimals ("2,5", "94.3") are matched so they can be
# rejected as a whole instead of being read as integers.
NUMBER_RE = re.compile(
    r"(?<![\w.,])(?:"
    r"(?P<milnum>\d{1,3})\s+mil(?:\s+(?P<milrest>\d{3}))?(?![\w])"
    r"|mil\s+(?P<milonly>\d{3})(?!\d)"
    r"|(?P<digits>\d{1,3}(?:(?P<sep>[.,\u00a0\u202f ])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?P<decimal>[.,]\d+(?!\d))?"
    r"|(?P<words>(?:" + _WORD_ALT + r")(?:(?:\s+|-)(?:y\s+|and\s+)?(?:" + _WORD_ALT + r"))*)"
    r")(?![\w])",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Number:
    value: int
    start: int
    end: int
    text: str
    is_word: bool = False
    is_decimal: bool = False


# fold()ed text is lower case, so matching it case-sensitively gives the same matches as
# IGNORECASE, three times faster, except for the two characters fold() leaves alone that
# IGNORECASE equates with ASCII letters (long s, dotless i).
_NUMBER_RE_CS = re.compile(NUMBER_RE.pattern)
_CASE_TWINS = ("\u017f", "\u0131")


# a digits token is digits and the separators NUMBER_RE allows between their groups
_DROP_SEPARATORS = str.maketrans("", "", ".,\u00a0\u202f ")
_WORD_SPLIT = re.compile(r"[\s-]+")


def find_numbers(text: str) -> list[Number]:
    """Every integer written in `text`, with its span. Decimals are flagged, not dropped."""
    return list(numbers_of(text))


@text_cache(4096)
def numbers_of(text: str) -> tuple[Number, ...]:
    """find_numbers() as the shared cached tuple, for callers that only read it."""
    return _find_numbers(text)


def _find_numbers(text: str) -> tuple[Number, ...]:
    """Cached: extractors look for numbers in the same sentence several times (callers
    never mutate a Number)."""
    folded = fold(text)
    rx = NUMBER_RE if any(c in folded for c in _CASE_TWINS) else _NUMBER_RE_CS
    out: list[Number] = []
    for m in rx.finditer(folded):
        raw = text[m.start():m.end()]
        if m.group("milnum"):
            value = int(m.group("milnum")) * 1000 + int(m.group("milrest") or 0)
            out.append(Number(value, m.start(), m.end(), raw))
        elif m.group("milonly"):
            out.append(Number(1000 + int(m.group("milonly")), m.start(), m.end(), raw))
        elif m.group("digits"):
            digits = m.group("digits").translate(_DROP_SEPARATORS)   # the only non-digits
            out.append(Number(int(digits), m.start(), m.end(), raw,
                              is_decimal=bool(m.group("decimal"))))
        elif m.group("words"):
            tokens = _WORD_SPLIT.split(m.group("words"))
            value = _word_value(tokens)
            if value is None:
                continue
            # "un"/"una"/"one" alone are articles far more often than counts
            if tokens in (["un"], ["una"], ["uno"], ["one"], ["mil"], ["thousand"],
                          ["hundred"]):
                continue
            out.append(Number(value, m.start(), m.end(), raw, is_word=True))
    return tuple(out)


def parse_number(text: str) -> int | None:
    """The integer `text` spells, or None when it is not exactly one number."""
    nums = find_numbers(text.strip())
    if len(nums) == 1 and nums[0].start == 0 and nums[0].end == len(text.strip()):
        return None if nums[0].is_decimal else nums[0].value
    return None


_QUAL_AT_LEAST = re.compile(
    r"(?:al\s+menos|por\s+lo\s+menos|como\s+m[ií]nimo|m[aá]s\s+de|no\s+menos\s+de|"
    r"at\s+least|over|more\s+than|no\s+fewer\s+than|upwards\s+of|a\s+minimum\s+of|"
    r"superior\s+a|sobrepas\w*|super\w*)\s*$",
    re.IGNORECASE,
)
_QUAL_ABOUT = re.compile(
    r"(?:casi|cerca\s+de|alrededor\s+de|unos|unas|aproximadamente|aprox\.?|some|about|"
    r"around|nearly|almost|approximately|roughly|close\s+to)\s*$",
    re.IGNORECASE,
)


_TRAILING_QUOTES = re.compile(r"[\s\"'\u201c\u201d\u2018\u2019\u00ab\u00bb(\u2014\u2013-]+$")


@text_cache(4096)
def qualifier_at(text: str, start: int) -> str:
    """The qualifier of the number starting at `start` in `text` ("al menos 300": at_least),
    over quotes and brackets before it. Cached: every reading of a number asks it."""
    head = _TRAILING_QUOTES.sub("", text[:start])
    return qualifier_before(head + " ", len(head) + 1)


def qualifier_before(text: str, start: int) -> str:
    """'at_least', 'about' or 'exact' from the words just before a number."""
    window = text[max(0, start - 30):start]
    if _QUAL_AT_LEAST.search(window):
        return "at_least"
    if _QUAL_ABOUT.search(window):
        return "about"
    return "exact"


def month_number(word: str) -> int | None:
    return MONTHS.get(fold(word).strip())


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def format_int(value: int, language: str = "en") -> str:
    """1185 -> '1,185' (en) or '1.185' (es)."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "es" else text
