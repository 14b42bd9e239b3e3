"""The time grammar, one for every source: dates, months, years, ranges and relative months
found in a sentence's tokens, each with its role (what the words around it make of it).

Roles: `cutoff` ("con cierre de datos a", "as of", "al cierre de"), `plain` ("en agosto"),
`begin` ("October 2020 began with": the stock at a month's start is the month before's),
`since` ("desde julio de 2021": a window), `event` ("las protestas del 11 de julio": a day
something happened, no anchor), `compare` ("frente a julio"), `range` ("2015-junio 2021").
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from monitor.extract.lexicon import Span
from monitor.extract.tokens import Tok, fold
from monitor.period import Period

MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "january": 1, "february": 2, "march": 3, "april": 4, "may": 5,
    "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12,
}
SHORT = {"ene": 1, "feb": 2, "abr": 4, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "sept": 9,
         "oct": 10, "nov": 11, "dic": 12, "jan": 1, "apr": 4, "aug": 8, "dec": 12}
ENGLISH = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "jan", "feb", "apr", "aug", "sep",
           "sept", "oct", "nov", "dec"}
_CAPITAL_ONLY = {"may", "march", "mar", "jun", "dec", "sept"}
_YEAR_MIN, _YEAR_MAX = 1950, 2039
_ORD = {"st", "nd", "rd", "th"}
_END_WORDS = {"termina", "cierra", "closes", "ends", "ended", "concluye", "acaba", "cerro",
              "closed", "termino", "concluyo", "acabo", "finaliza", "finalizo"}
_BEGIN_WORDS = {"comenzo", "empezo", "arranco", "inicio", "began", "started", "opened",
                "abrio", "comienza", "empieza", "arranca", "begins", "starts", "opens"}


@dataclass(slots=True)
class TimeExpr:
    start: int                 # token index
    end: int                   # token index, exclusive
    kind: str                  # "date" | "month" | "year" | "range" | "rel_last" | "rel_this"
    year: int | None = None
    month: int | None = None
    day: int | None = None
    role: str = "plain"        # cutoff | plain | begin | since | event | compare | year_end
    rel_year: int = 0          # -1: "del año pasado" (the year before publication)

    def describe(self) -> str:
        parts = [str(x) for x in (self.year, self.month, self.day) if x is not None]
        return f"{self.kind}({'-'.join(parts)}):{self.role}"


# a month the text names: monitor.period's Period, always monthly here
YM = Period


class Roles:
    """Role phrases (from the shared lexicon's [time] table), matched on the words just
    before an expression, longest first."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.before: list[tuple[tuple[str, ...], str]] = []
        self.rel: list[tuple[tuple[str, ...], str]] = []
        for role, phrases in table.items():
            for p in phrases:
                words = tuple(fold(p).split())
                if role.startswith("rel_"):
                    self.rel.append((words, role))
                else:
                    self.before.append((words, role))
        self.before.sort(key=lambda x: -len(x[0]))
        self.rel.sort(key=lambda x: -len(x[0]))
        # by last word (the role phrase ends just before the expression) and first word
        self.before_by_last: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, role in self.before:
            self.before_by_last.setdefault(phrase[-1], []).append((phrase, role))
        self.rel_by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, role in self.rel:
            self.rel_by_first.setdefault(phrase[0], []).append((phrase, role))

    def role_before(self, toks: list[Tok], i: int) -> str:
        words = [t.low for t in toks[max(0, i - 7):i]]
        found = "plain_far"
        for phrase, role in self.before_by_last.get(words[-1], ()) if words else ():
            n = len(phrase)
            if n <= len(words) and tuple(words[-n:]) == phrase:
                found = role
                break
        # an event or a "desde" a little further back still governs ("desde el 1 de")
        near = toks[max(0, i - 4):i]
        if found in ("plain", "plain_far", "cutoff") and any(
                t.low in ("against", "frente", "versus", "compared", "comparado", "respecto")
                for t in near) and any(t.kind == "num" for t in near):
            return "compare"
        if found in ("plain", "plain_far"):
            far = [t.low for t in toks[max(0, i - 3):i]]
            if any(w in ("desde", "since", "entre", "between") for w in far):
                return "since"
        return "plain" if found == "plain_far" else found


def _is_year(t: Tok) -> bool:
    return t.kind == "num" and t.digits and len(t.low) == 4 and t.value is not None \
        and _YEAR_MIN <= t.value <= _YEAR_MAX


def _is_day(t: Tok) -> bool:
    return t.kind == "num" and t.digits and t.value is not None and 1 <= t.value <= 31 \
        and len(t.low) <= 2


def _month_at(toks: list[Tok], i: int) -> int | None:
    t = toks[i]
    if t.kind != "word":
        return None
    m = MONTHS.get(t.low)
    if m is None:
        m = SHORT.get(t.low)
        if m is None:
            return None
        # a short form only next to a day or a year ("12 ago 2024", "Aug 2020")
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.low == ".":
            nxt = toks[i + 2] if i + 2 < len(toks) else None
        prv = toks[i - 1] if i else None
        if not ((nxt is not None and (_is_year(nxt) or _is_day(nxt)))
                or (prv is not None and _is_day(prv))):
            return None
    if t.low in _CAPITAL_ONLY and not t.text[:1].isupper():
        return None
    return m


def find(toks: list[Tok], spans: list[Span | None], roles: Roles) -> list[TimeExpr]:
    """Every time expression of a sentence (tokens inside a tagged span are not read)."""
    out: list[TimeExpr] = []
    used = [s is not None and not s.tag.startswith("unit") for s in spans]
    n = len(toks)
    i = 0
    while i < n:
        if used[i]:
            i += 1
            continue
        m = _month_at(toks, i)
        if m is not None:
            e = _month_expr(toks, i, m, used)
            out.append(e)
            for k in range(e.start, e.end):
                used[k] = True
            i = e.end
            continue
        i += 1
    # "el segundo mes del año", "the third month of 2024": a month by its ordinal
    for i in range(n - 1):
        o = _ORDINALS.get(toks[i].low)
        if o is None or used[i] or toks[i + 1].low not in ("mes", "month") or used[i + 1]:
            continue
        start = i - 1 if i and toks[i - 1].low in ("el", "the") and not used[i - 1] else i
        k, year = i + 2, None
        tail = [t.low for t in toks[k:k + 3]]
        if tail[:1] in (["de"], ["of"]) and k + 1 < n and _is_year(toks[k + 1]):
            year, k = toks[k + 1].value, k + 2
        elif tail[:2] in (["del", "ano"], ["of", "#"]) or tail[:3] == ["of", "the", "year"]:
            k += 2 if tail[0] == "del" else 3
        else:
            continue
        out.append(TimeExpr(start, k, "month", year, o))
        for j in range(start, k):
            used[j] = True
    # numeric dates dd/mm/yyyy
    for i in range(n - 4):
        if not used[i] and _is_day(toks[i]) and toks[i + 1].low == "/" \
                and toks[i + 2].kind == "num" and toks[i + 3].low == "/" and _is_year(toks[i + 4]):
            mo = toks[i + 2].value or 0
            if 1 <= mo <= 12:
                out.append(TimeExpr(i, i + 5, "date", toks[i + 4].value, mo, toks[i].value))
                for k in range(i, i + 5):
                    used[k] = True
    # relative months
    for i in range(n):
        if used[i]:
            continue
        for phrase, role in roles.rel_by_first.get(toks[i].low, ()):
            k = len(phrase)
            if i + k <= n and all(toks[i + j].low == phrase[j] and not used[i + j]
                                  for j in range(k)):
                kind = role
                if role == "rel_first":         # "el primer mes de 2018": January
                    if i + k < n and _is_year(toks[i + k]) and not used[i + k]:
                        out.append(TimeExpr(i, i + k + 1, "month", toks[i + k].value, 1))
                        for j in range(i, i + k + 1):
                            used[j] = True
                    break
                out.append(TimeExpr(i, i + k, kind))
                for j in range(i, i + k):
                    used[j] = True
                break
    # years alone, and year ranges "2015-2021"
    for i in range(n):
        if used[i] or not _is_year(toks[i]):
            continue
        if i + 2 < n and toks[i + 1].low in ("-", "/", "\u2013", "a", "al", "to") \
                and _is_year(toks[i + 2]) and not used[i + 2]:
            out.append(TimeExpr(i, i + 3, "range", toks[i + 2].value))
            used[i] = used[i + 1] = used[i + 2] = True
            continue
        out.append(TimeExpr(i, i + 1, "year", toks[i].value))
        used[i] = True
    out.sort(key=lambda e: e.start)
    # "julio y agosto", "June and July", "2015-junio 2021", "de enero a septiembre": two
    # dates joined are a window over both
    for a, b in itertools.pairwise(out):
        if a.kind in ("month", "date", "year") and b.kind in ("month", "date", "year") and \
                b.start == a.end + 1 and toks[a.end].low in _RANGE_JOINS and not (
                    a.kind == "year" and b.kind == "year"):
            a.kind = b.kind = "range"
    for e in out:
        if e.role == "plain":
            e.role = roles.role_before(toks, e.start)
        if e.role != "range":
            _role_after(toks, e)
        # "junio, mes en el que se documentaron 253", "June, a month with 291": the
        # apposition makes the month the topic of what follows, whatever came before
        if e.kind in ("month", "date") and e.end + 2 < n and toks[e.end].low == "," and (
                toks[e.end + 1].low == "mes" or [t.low for t in toks[e.end + 1:e.end + 3]]
                == ["a", "month"]):
            e.role = "plain"
        # "las protestas del 11 de julio de 2021": a date that names the event of a scope
        k = e.start - 1
        while k >= 0 and toks[k].low in ("de", "del", "of", "in", "en"):
            k -= 1
        if k >= 0 and spans[k] is not None and spans[k].tag.startswith(
                "scope.") and e.role in ("plain", "since"):
            e.role = "event"
        # a window phrase the expression took in ("diciembre del año pasado") is no window
        for j in range(e.start, e.end):
            sp = spans[j]
            if sp is not None and sp.tag.startswith("window."):
                for k in range(sp.start, sp.end):
                    spans[k] = None
    return out


_ORDINALS = {"primer": 1, "primero": 1, "segundo": 2, "tercer": 3, "tercero": 3, "cuarto": 4,
             "quinto": 5, "sexto": 6, "septimo": 7, "octavo": 8, "noveno": 9, "decimo": 10,
             "undecimo": 11, "duodecimo": 12, "first": 1, "second": 2, "third": 3,
             "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10, "eleventh": 11, "twelfth": 12}
_RANGE_JOINS = {"y", "e", "and", "o", "or", "-", "\u2013", "a", "al", "to", "hasta", "until",
                "through"}


def _month_expr(toks: list[Tok], i: int, m: int, used: list[bool]) -> TimeExpr:
    n = len(toks)
    start, end, day, year = i, i + 1, None, None
    # day before: "31 de agosto", "1 August"
    if i >= 2 and toks[i - 1].low == "de" and _is_day(toks[i - 2]) and not used[i - 2]:
        start, day = i - 2, toks[i - 2].value
    elif i >= 1 and _is_day(toks[i - 1]) and not used[i - 1]:
        start, day = i - 1, toks[i - 1].value
    j = end
    if j < n and toks[j].low == ".":
        j += 1
    # English day after: "October 1, 2020", "August 26th"
    if day is None and toks[i].low in ENGLISH and j < n and _is_day(toks[j]):
        k = j + 1
        if k < n and toks[k].low in _ORD:
            k += 1
        nxt = toks[k] if k < n else None
        if nxt is None or nxt.low == "," or _is_year(nxt) or nxt.kind == "mark":
            day, end, j = toks[j].value, k, k
    # year after: "de 2025", "del 2025", ", 2020", "of 2020", "2020"
    k = j
    while k < n and toks[k].low in ("de", "del", ",", "of") and k - j < 2:
        k += 1
    rel_year = 0
    if k < n and _is_year(toks[k]):
        year, end = toks[k].value, k + 1
    else:
        # "diciembre del año pasado", "December of last year"
        words = [t.low for t in toks[j:j + 4]]
        for phrase in (["del", "ano", "pasado"], ["de", "el", "ano", "pasado"],
                       ["of", "last", "year"], ["last", "year"], ["del", "ano", "anterior"]):
            if words[:len(phrase)] == phrase:
                rel_year, end = -1, j + len(phrase)
                break
    kind = "date" if day is not None else "month"
    e = TimeExpr(start, end, kind, year, m, day)
    e.rel_year = rel_year
    # a range: "2015-junio 2021", "enero-junio", "de enero a junio de 2024"
    prev = toks[start - 1].low if start else ""
    if prev in ("-", "\u2013") and start >= 2 and (_is_year(toks[start - 2])
                                                   or _month_at(toks, start - 2)):
        e.kind, e.role = "range", "range"
    nxt = toks[end].low if end < n else ""
    if nxt in ("-", "\u2013", "a", "al", "to", "hasta", "through") and end + 1 < n and \
            (_month_at(toks, end + 1) is not None
             or (nxt in ("-", "\u2013") and _is_year(toks[end + 1]))):
        e.kind, e.role = "range", "range"
    if prev in ("a", "al", "hasta", "to", "through", "y", "and") and start >= 2 and \
            any(_month_at(toks, k) is not None for k in range(max(0, start - 7), start - 1)):
        w = [t.low for t in toks[max(0, start - 9):start]]
        if "de" in w or "from" in w or "entre" in w or "between" in w or "desde" in w:
            e.kind, e.role = "range", "range"
    return e


def _role_after(toks: list[Tok], e: TimeExpr) -> None:
    """'2025 termina con 134' (a year's end), 'October 2020 began with 138' (a start)."""
    k = e.end
    while k < len(toks) and toks[k].low in (",", "se", "ya", "el", "mes", "ano"):
        k += 1
    if k < len(toks):
        w = toks[k].low
        if w in _END_WORDS:
            e.role = "year_end" if e.kind == "year" else "cutoff"
        elif w in _BEGIN_WORDS:
            e.role = "begun"      # "2021 comenzó con 138": the start of that year or month


def resolve(e: TimeExpr, pub: YM | None, doc: YM | None) -> YM | None:
    """The month an expression names; a month without a year is the latest such month not
    after the publication month (a date's own month may be the publication month)."""
    if e.kind == "rel_last":
        return pub.shift(-1) if pub else None
    if e.kind == "rel_this":
        return doc
    if e.month is None:
        return None
    if e.year is not None:
        return YM(e.year, e.month)
    if e.rel_year and (doc or pub) is not None:
        base = doc or pub                    # "del año pasado": before the report's year
        return YM(base.year + e.rel_year, e.month)  # type: ignore[union-attr]
    ref = pub
    if ref is None:
        return None
    for back in range(0, 12):
        cand = ref.shift(-back)
        if cand.month == e.month and (back or e.day is not None):
            return cand
    return ref if ref.month == e.month else None   # a report on the month it is published


_URL_DATES = (
    re.compile(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)(?:/|$)"),
    re.compile(r"/((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[-/_.]|$)"),
    re.compile(r"/((?:19|20)\d\d)/(\d\d)(?:/|$|\.html)()"),
)


def url_date(url: str) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) from a date in the URL path."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.I)
    for rx in _URL_DATES:
        m = rx.search(path)
        if not m:
            continue
        y, mo = int(m.group(1)), int(m.group(2))
        d = int(m.group(3)) if m.group(3) else None
        try:
            dt.date(y, mo, d or 1)
        except ValueError:
            continue
        return y, mo, d
    return None


def iso_partial(value: str | None) -> tuple[int, int, int | None] | None:
    """'2024-03-12...' -> (2024, 3, 12); '2024-03' -> (2024, 3, None); else None."""
    if not value:
        return None
    m = re.match(r"\s*((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?", value)
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    d = int(m.group(3)) if m.group(3) else None
    try:
        dt.date(y, mo, d or 1)
    except ValueError:
        return None
    return y, mo, d
