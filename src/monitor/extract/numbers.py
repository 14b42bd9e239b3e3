"""Number words, month names and the small helpers every part shares (Spanish, English).

The number grammar itself (digit groups, words, "3 mil 830") is tokens.py; this module holds
its tables, so fixtures, messages and the reader agree on one spelling of every word.
"""

from __future__ import annotations

import unicodedata

from monitor.period import MONTHS_EN, MONTHS_ES, Period

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

# month names (one table, monitor.period's), for the fixtures and samples that write reports
MONTH_NAMES_ES = list(MONTHS_ES)
MONTH_NAMES_EN = list(MONTHS_EN)


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    return base.lower() if len(base.lower()) == 1 else ch.lower()


_FOLD = {c: _fold_char(chr(c)) for c in range(0x250)}
_FOLD_LATIN1 = bytes(ord(_FOLD[c]) for c in range(256))


def fold(text: str) -> str:
    """Lower case without accents ('Dieciséis' -> 'dieciseis'), same length. Latin-1 text
    (nearly all of it) is folded as bytes."""
    try:
        return text.encode("latin-1").translate(_FOLD_LATIN1).decode("latin-1")
    except UnicodeEncodeError:
        return "".join(_FOLD.get(ord(c)) or _fold_char(c) for c in text)


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    p = Period(year, month).shift(delta)
    return p.year, p.month or 1


def format_int(value: int, language: str = "en") -> str:
    """1185 -> '1,185' (en) or '1.185' (es)."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "es" else text
