"""Tokens: a sentence is tokenised once, and every later step reads the token list.

One regular expression splits the text into words, digit groups and marks; the number
grammar then joins tokens into numbers (`1.185`, `1,185`, `1 185`, `mil 066`, `3 mil 830`,
`trece`, `doscientos treinta y uno`, `twenty-one`) by dictionary lookups. Words are kept in
their folded form (lower case, no accents) for the lexicon, with the original for case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.extract import numbers
from monitor.extract.numbers import fold

# number words: the one table of the number grammar (numbers.py), every language together
UNITS = {**numbers.UNITS_ES, **numbers.TENS_ES, **numbers.HUNDREDS_ES, **numbers.UNITS_EN,
         **numbers.TENS_EN}
HUNDRED = {"hundred"}
THOUSAND = {"mil", "thousand"}
JOINERS = {"y", "and"}
# alone, these are articles or words far more often than counts
_ALONE_NOT_NUMBERS = {"un", "una", "uno", "one", "mil", "thousand", "hundred", "cien"}

_TOKEN = re.compile(
    r"\d{1,3}(?:(?P<sep>[.,\u00a0\u202f ])\d{3}(?!\d))(?:(?P=sep)\d{3}(?!\d))*"
    r"(?:[.,]\d+(?![\d]))?"          # 1.185 / 1,185 / 1 185 (and a decimal part, flagged)
    r"|\d+(?:[.,]\d+)?(?![\d])"      # 1185, 12,5
    r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)?"   # words (letters only)
    r"|\S"                           # any other mark, one character
)


@dataclass(slots=True)
class Tok:
    """One token: its text, folded form, span in the sentence, and (for numbers) value."""

    text: str
    low: str                   # folded
    start: int
    end: int
    kind: str                  # "word" | "num" | "mark"
    value: int | None = None   # a number's value
    decimal: bool = False      # "12,5": not a count
    words: bool = False        # a number written in words
    digits: bool = False       # a plain digit run, no separator ("2024")


def _digits_value(raw: str) -> tuple[int, bool]:
    """'1.185' -> (1185, False); '12,5' -> (12, True) (a decimal, flagged)."""
    m = re.fullmatch(r"(\d{1,3})((?:[.,\u00a0\u202f ]\d{3})*)([.,]\d+)?", raw)
    if m and m.group(2):
        sep_free = m.group(1) + re.sub(r"\D", "", m.group(2))
        return int(sep_free), bool(m.group(3))
    head, _, tail = raw.replace(",", ".").partition(".")
    return int(head), bool(tail)


def tokenize(text: str) -> list[Tok]:
    """Words, numbers and marks of `text`, numbers joined by the number grammar."""
    low = fold(text)
    raw: list[Tok] = []
    for m in _TOKEN.finditer(low):
        s, e = m.span()
        t = low[s:e]
        if t[0].isdigit():
            value, dec = _digits_value(t)
            raw.append(Tok(text[s:e], t, s, e, "num", value, dec,
                           digits=t.isdigit()))
        elif t[0].isalpha():
            raw.append(Tok(text[s:e], t, s, e, "word"))
        else:
            raw.append(Tok(text[s:e], t, s, e, "mark"))
    return _join_numbers(raw, text)


def _join_numbers(toks: list[Tok], text: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        # "3 mil 830", "11 mil", "mil 066"
        if t.kind == "num" and not t.decimal and i + 1 < n and toks[i + 1].low == "mil" \
                and t.value is not None and t.value < 1000:
            value, j = t.value * 1000, i + 2
            if j < n and toks[j].kind == "num" and len(toks[j].low) == 3:
                value += toks[j].value or 0
                j += 1
            out.append(_span(toks[i:j], text, value))
            i = j
            continue
        if t.low == "mil" and i + 1 < n and toks[i + 1].kind == "num" \
                and len(toks[i + 1].low) == 3:
            out.append(_span(toks[i:i + 2], text, 1000 + (toks[i + 1].value or 0)))
            i += 2
            continue
        if t.kind == "word" and (t.low in UNITS or t.low in THOUSAND):
            j, words = i, []
            while j < n:
                w = toks[j].low
                if w in UNITS or w in HUNDRED or w in THOUSAND:
                    words.append(w)
                    j += 1
                elif (w in JOINERS or w == "-") and j + 1 < n and toks[j + 1].low in UNITS \
                        and words:
                    j += 1
                else:
                    break
            value = _word_value(words)
            if value is not None and not (len(words) == 1 and words[0] in _ALONE_NOT_NUMBERS):
                tok = _span(toks[i:j], text, value)
                tok.words = True
                out.append(tok)
                i = j
                continue
        out.append(t)
        i += 1
    return out


def _span(parts: list[Tok], text: str, value: int) -> Tok:
    s, e = parts[0].start, parts[-1].end
    return Tok(text[s:e], " ".join(p.low for p in parts), s, e, "num", value)


def _word_value(words: list[str]) -> int | None:
    total = current = 0
    if not words:
        return None
    for w in words:
        if w in UNITS:
            current += UNITS[w]
        elif w in HUNDRED:
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * 1000
            current = 0
    return total + current


_SENT_BREAK = re.compile(r"(?<=[.!?])[\"'\u201d\u00bb)]?\s+(?=[\"\u201c\u00ab(\u00bf\u00a1]?"
                         r"[A-Z\u00c0-\u00dd0-9])")
_BULLETS = re.compile("[\u2022\u25aa\u25cf\u27a2\u2192\u25ba\u2190-\u21ff\u2600-\u27bf"
                      "\U0001f000-\U0001faff]+[\ufe0f\u200d\U0001f3fb-\U0001f3ff]*|\\s>\\s")


def sentences(block: str) -> list[str]:
    """A block's sentences: a break after . ! ? before a capital or digit, and at bullets
    ('1.185' and '12,5' never break: the break needs a space)."""
    out: list[str] = []
    for chunk in _BULLETS.split(block):
        for s in _SENT_BREAK.split(chunk):
            s = s.strip(" \u2014\u2013-")
            if s:
                out.append(s)
    return out
