"""Number words, month names and the small helpers every part shares (Spanish, English).

The number grammar itself (digit groups, words, "3 mil 830") is tokens.py; this module holds
its tables, so fixtures, messages and the reader agree on one spelling of every word.
"""

from __future__ import annotations

import unicodedata

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
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def format_int(value: int, language: str = "en") -> str:
    """1185 -> '1,185' (en) or '1.185' (es)."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "es" else text
