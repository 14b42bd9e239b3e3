"""OCDH monthly repressive actions and arbitrary detentions in Cuba, breakdowns, yearly totals."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.extract.base import (
    Extraction,
    Observation,
    Page,
    clean_space,
    descendants,
    element_text,
    get_text,
    log,
    parse_page,
    sentences,
)
from monitor.extract.fastre import alternation, dispatch, holds_any, regroup
from monitor.extract.numbers import (
    MONTHS,
    Number,
    find_numbers,
    fold,
    period,
    qualifier_at,
    shift_month,
    text_cache,
)
from monitor.extract.periods import YM, iso_or_partial, resolve_month, url_date

VERSION = "1.0"
SOURCE = "ocdh"

MONTHLY = ("repressive_actions", "arbitrary_detentions", "other_abuses", "violent_detentions",
           "detentions_women", "detentions_men", "house_sieges")
YEARLY = ("repressive_actions", "arbitrary_detentions")
HEADLINE = ("repressive_actions", "arbitrary_detentions")

# --------------------------------------------------------------------------- dates

_MONTH_ALT = alternation(sorted(MONTHS, key=len, reverse=True))
# "Madrid, 4 de octubre de 2022" / "Madrid, abril de 2020.-" at the start of a paragraph
_DATELINE = re.compile(
    r"^\s*(?:[a-z]+(?:\s+[a-z]+){0,2})[,.]\s+(?:(?P<d>\d{1,2})(?:\s+de)?\s+)?(?P<m>" + _MONTH_ALT
    + r")(?:\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?)?\s+(?:de\s+|del\s+)?(?P<y>(?:19|20)\d{2})\b"
    r"[\s.\-\u2013\u2014]*")
# a paragraph that is only a date: "junio 12, 2025", "domingo 9 de noviembre de 2025"
_DATE_ONLY = re.compile(
    r"^\s*(?:[a-z]+,?\s+)?(?:(?P<d1>\d{1,2})\s+de\s+(?P<m1>" + _MONTH_ALT
    + r")\s+de\s+(?P<y1>\d{4})|(?P<m2>" + _MONTH_ALT
    + r")\s+(?P<d2>\d{1,2}),\s+(?P<y2>\d{4}))\s*$")


@dataclass(slots=True)
class RefDate:
    """What the page says about when it was published (day may be unknown)."""

    year: int
    month: int
    day: int | None = None

    @property
    def iso(self) -> str | None:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}" if self.day else None


def _meta_date(page: Page) -> RefDate | None:
    """article:published_time, also when given only to the month ("2021-03")."""
    got = iso_or_partial(page.meta_published)
    if got is None:
        tag = next((e for e in page.iter("meta")
                    if e.get("property") == "article:published_time"), None)
        got = iso_or_partial(str(tag.get("content", ""))) if tag is not None else None
    return RefDate(*got) if got else None


def _dateline(paragraphs: list[str]) -> tuple[int, RefDate, int] | None:
    """(paragraph index, date, length of the dateline prefix) of the OCDH dateline."""
    for i, para in enumerate(paragraphs[:4]):
        f = fold(para)
        m = _DATELINE.match(f)
        if m and (f.startswith("madrid") or (i == 0 and len(f) < 60)):
            day = m.group("d") or m.group("d2")
            d = int(day) if day else None
            return i, RefDate(int(m.group("y")), MONTHS[m.group("m")], d), m.end()
    return None


def _date_only(paragraphs: list[str]) -> RefDate | None:
    for para in paragraphs[:3]:
        m = _DATE_ONLY.match(fold(para))
        if m:
            if m.group("m1"):
                return RefDate(int(m.group("y1")), MONTHS[m.group("m1")], int(m.group("d1")))
            return RefDate(int(m.group("y2")), MONTHS[m.group("m2")], int(m.group("d2")))
    return None


# --------------------------------------------------------------------------- time grammar

@dataclass(slots=True)
class TimeExpr:
    """A time expression in a sentence: a month, a year, or a window that is neither."""

    kind: str              # "month" | "year" | "window"
    start: int
    end: int
    month: int = 0
    year: int | None = None
    comparison: bool = False   # "frente a junio", "over June", "ayer": not carried forward
    bare: bool = False         # a year standing alone: no hint for months without a year
    # "durante el año", "el año anterior": a year only once the publication date is known
    # (1: the year before in January/February, 2: always the year before)
    year_word: int = 0

    def resolved(self, pub: RefDate | None) -> TimeExpr:
        """With a year word turned into the year it names for `pub` (a copy), or a window;
        anything else is returned as is (shared from the cache: callers only read it)."""
        if not self.year_word:
            return self
        t = TimeExpr(self.kind, self.start, self.end, self.month, self.year,
                     self.comparison, self.bare)
        if self.year_word:
            if pub is not None and (self.year_word == 2 or pub.month <= 2):
                t.kind, t.year = "year", pub.year - 1
            else:
                t.kind = "window"
        return t


_M = "(?:" + _MONTH_ALT + ")"
# a phrase per alternative (a leading group spelt out per word), for fastre.dispatch
_WINDOW_PHRASES = [
    r"desde", r"since", r"a\s+partir\s+de", r"hasta\s+la\s+fecha", r"to\s+date",
    *(w + r"\s+(?:el\s+|the\s+)?\d{1,2}(?:\s+de)?\s+" + _M for w in ("hasta", "until", "through")),
    *(w + r"\s+(?:\w+|\d+)\s+(?:meses|months)" for w in ("los", "the")),
    r"en\s+lo\s+que\s+va\s+(?:de|del)\b", r"lo\s+que\s+va\s+(?:de|del)\b",
    r"so\s+far\s+(?:this|in)",
    # "este año" not after "de"/"del", "this year" not after "of": the look-backs sit after
    # the first letter so the phrase starts with it (same test, one character later)
    r"e(?<!de\se)(?<!del\se)ste\s+ano", r"t(?<!of\st)his\s+year",
    r"presente\s+ano", r"acumulad[oa]s?", r"cumulative", r"in\s+total\s+since",
    r"\w+\s+primeros\s+meses", r"de\s+" + _M + r"\s+a\s+" + _M,
    *(w + r"\s+" + _M + r"\s+(?:to|and|through)\s+" + _M for w in ("from", "between")),
    r"year[\s-]to[\s-]date",
    *(w + r"\s+(?:semestre|trimestre|half|quarter)" for w in ("primer", "segundo", "first",
                                                             "second")),
    r"semestre", r"trimestre", r"cuatrimestre", r"quarter", r"semester",
    *(w + r"\s+(?:\w+\s+)?(?:meses|months|semanas|weeks|dias|days)"
      for w in ("primeros", "ultimos", "first", "last", "past")),
    r"en\s+torno\s+a", r"durante\s+la\s+(?:jornada|protesta|marcha)", r"jornada",
    r"tras\s+(?:el|la|las|los)\s+(?:11j|15n|protestas?|manifestaciones|marcha|estallido)",
    r"after\s+the\s+(?:protests|demonstrations|march)",
    *(re.escape(m) + r"\s*(?:y|and|-|/)\s*" + _M for m in sorted(MONTHS, key=len, reverse=True)),
    r"media\s+mensual", r"promedio", r"average", r"de\s+media", r"entre\s+" + _M + r"\s+y\s+" + _M,
]
_WINDOW = re.compile(r"\b(?:" + dispatch(_WINDOW_PHRASES) + r")\b")
# without its one phrase led by \w+ (tried at every letter): for sentences without
# "primeros", where that phrase cannot match (same matches, faster)
_PRIMEROS = r"\w+\s+primeros\s+meses"
_WINDOW_LETTERS = re.compile(
    r"\b(?:" + dispatch([p for p in _WINDOW_PHRASES if p != _PRIMEROS]) + r")\b")
# event windows: they rule the numbers next to them but not the sentences that follow
_EVENT = re.compile(
    regroup(r"\b(?:mismo\s+(?:mes|periodo)\s+(?:de|del)\s+(?:ano\s+)?(?:anterior|pasado|\d{4})|"
    r"same\s+(?:month|period)\s+(?:of\s+|in\s+)?(?:last\s+year|the\s+previous\s+year|\d{4})|"
    r"fin\s+de\s+semana|weekend|esta\s+semana|this\s+week|la\s+semana\s+pasada|last\s+week|"
    r"(?:las\s+)?(?:ultimas|last|past)\s+(?:\d+|veinticuatro|cuarenta\s+y\s+ocho)\s+(?:horas|hours)|"
    r"(?:mas|more)\s+(?:de|than)\s+(?:\d+|veinticuatro)\s+(?:horas|hours)|"
    r"durante\s+las\s+(?:protestas|manifestaciones)|during\s+the\s+protests|"
    r"(?:ese|aquel)\s+dia|that\s+day|ayer|yesterday)\b"))
_DAY_DATE = re.compile(
    r"\b\d{1,2}\s+de\s+(?:" + _MONTH_ALT + r")(?:\s+(?:de|del)\s+\d{4})?\b"
    r"|\b(?:" + _MONTH_ALT + r")\s+\d{1,2}(?:st|nd|rd|th)?\b(?![.,]\d)(?:,?\s+\d{4})?")
_MONTH_YEAR = re.compile(
    r"\b(?P<m>" + _MONTH_ALT + r")(?:\s+(?:de|del)\s+|\s+|\s*,\s*|\s*\[)(?P<y>(?:19|20)\d{2})\b\]?")
_MONTH = re.compile(r"\b(?P<m>" + _MONTH_ALT + r")\b")
_YEAR = re.compile(
    regroup(r"\b(?:a\s+lo\s+largo\s+de(?:l\s+ano)?|durante(?:\s+el\s+ano)?|en(?:\s+el\s+ano)?|"
    r"al\s+cierre\s+de|cierre\s+de|balance\s+de|termino|cerro|concluyo|"
    r"throughout|during|in|closed|ended|for)\s+(?:(?:todo|toda|all\s+of|el\s+ano)\s+)?"
    r"(?P<y>(?:19|20)\d{2})\b"))
# (?<![\d.,/])(?P<y>(?:19|20)\d{2}), with the look-back made after the first digit so the
# engine can jump from "1" to "2" instead of trying the look-back at every position
_BARE_YEAR = re.compile(r"(?P<y>(?:1(?<![\d.,/]1)9|2(?<![\d.,/]2)0)\d{2})(?![\d.,/]\d)")
_YEAR_WORDS = re.compile(
    regroup(r"\b(?:durante\s+el\s+ano|a\s+lo\s+largo\s+del\s+ano|del\s+ano|balance\s+anual|"
    r"informe\s+anual|el\s+ano\s+pasado|ano\s+anterior|annual|during\s+the\s+year|"
    r"total\s+anual|yearly|"
    r"last\s+year|the\s+whole\s+year)\b"))
_PREV_MONTH = re.compile(regroup(
    r"\b(?:mes\s+anterior|previous\s+month|month\s+before|prior\s+month)\b"))
_LAST_MONTH = re.compile(regroup(r"\b(?:el\s+mes\s+pasado|last\s+month)\b"))
_COMPARISON = re.compile(
    regroup(r"(?:frente\s+a|respecto\s+a(?:l)?|en\s+comparacion\s+con|comparad[oa]\s+con|que\s+en|"
    r"over|compared\s+(?:to|with)|than\s+in|by\s+comparison,?|a\s+diferencia\s+de)\s+(?:el\s+mes\s+de\s+|"
    r"(?:el\s+)?mes\s+de\s+)?$"))
_COMPARES = re.compile(
    regroup(r"\b(?:frente|respecto|compar\w*|than|over|versus|vs|repunte|aumento|incremento|"
    r"descenso|"
    r"disminu\w*|subio|bajo|increase|decrease|rise|drop|up\s+from|down\s+from|mientras)\b"))
_WINDOW_BEFORE_MONTH = re.compile(regroup(
    r"(?:desde|since|from|hasta|until|entre|a\s+partir\s+de)\s+"
    r"(?:el\s+mes\s+de\s+|(?:el\s+)?\d{1,2}\s+de\s+)?$"))


# what a window phrase extends over: "desde enero de 2017", "hasta el 5 de mayo"
_WINDOW_TAIL = re.compile(r"\s*(?:(?:de|del|of)\s+)?(?:el\s+)?(?:(?:dia\s+)?\d{1,2}\s+de\s+)?"
                          r"(?:(?:" + _MONTH_ALT + r")\s*(?:(?:de|del)\s+)?(?:\d{4})?|"
                          r"(?:ano\s+)?\d{4})?")


def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def time_exprs(folded: str, original: str, pub: RefDate | None) -> list[TimeExpr]:
    """Every time expression of a sentence, in order. Day dates are masked, never periods."""
    return [t.resolved(pub) for t in _time_exprs_cached(folded, original)]


@text_cache(4096)
def _time_exprs_cached(folded: str, original: str) -> tuple[TimeExpr, ...]:
    """Cached by text alone (the publication date is applied after): releases repeat their
    boilerplate sentences month after month."""
    return tuple(_time_exprs(folded, original))


# Strings every match of these patterns holds (tests/test_fastre.py checks it): a sentence
# holding none of them is not scanned for that pattern at all.
NEEDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _MONTH_YEAR: ("19", "20"), _YEAR: ("19", "20"), _BARE_YEAR: ("19", "20"),
    _PREV_MONTH: ("anterior", "previous", "before", "prior"), _LAST_MONTH: ("pasado", "month"),
    _EVENT: ("mismo", "same", "semana", "week", "horas", "hours", "protest", "manifestaciones",
             "dia", "day", "ayer"),
}


_DIGIT = re.compile(r"\d")


def _scan(rx: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    return rx.finditer(text) if holds_any(text, NEEDS[rx]) else ()


def _time_exprs(folded: str, original: str) -> list[TimeExpr]:
    out: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []
    for m in _DAY_DATE.finditer(folded) if _DIGIT.search(folded) else ():  # all hold one
        taken.append(m.span())
    for m in (_WINDOW if "primeros" in folded else _WINDOW_LETTERS).finditer(folded):
        if not _overlaps(taken, *m.span()):
            # a window extends over the month/year that follows it ("desde enero de 2017")
            tail = _WINDOW_TAIL.match(folded[m.end():])
            end = m.end() + (tail.end() if tail else 0)
            out.append(TimeExpr("window", m.start(), end))
            taken.append((m.start(), end))
        elif m.group(0).startswith(("desde", "since")):
            out.append(TimeExpr("window", m.start(), m.end()))
    for m in _scan(_EVENT, folded):
        if not _overlaps(taken, *m.span()):
            out.append(TimeExpr("window", m.start(), m.end(), comparison=True))
            taken.append(m.span())
    for m in _scan(_MONTH_YEAR, folded):
        if _overlaps(taken, *m.span()):
            continue
        if m.group("m") in ("may", "march") and original[m.start():m.start() + 1] != "M":
            continue
        out.append(TimeExpr("month", m.start(), m.end(), MONTHS[m.group("m")], int(m.group("y"))))
        taken.append(m.span())
    for m in _MONTH.finditer(folded):
        if _overlaps(taken, *m.span()):
            continue
        if m.group("m") in ("may", "march", "marco", "maio") \
                and original[m.start():m.start() + 1] != "M":
            continue
        out.append(TimeExpr("month", m.start(), m.end(), MONTHS[m.group("m")], None))
        taken.append(m.span())
    for m in _scan(_YEAR, folded):
        if _overlaps(taken, *m.span()):
            continue
        out.append(TimeExpr("year", m.start(), m.end(), year=int(m.group("y"))))
        taken.append(m.span())
    for m in _scan(_BARE_YEAR, folded):
        # a year standing alone ("las protestas de 2021", "durante todo 2023"): it rules the
        # numbers next to it (as a year, never a month) but is not carried forward
        if not _overlaps(taken, *m.span()):
            out.append(TimeExpr("year", m.start(), m.end(), year=int(m.group("y")),
                                comparison=True, bare=True))
            taken.append(m.span())
    for m in _YEAR_WORDS.finditer(folded):
        if _overlaps(taken, *m.span()):
            continue
        previous = any(w in m.group(0) for w in ("anterior", "pasado", "last"))
        out.append(TimeExpr("year_word", m.start(), m.end(), year_word=2 if previous else 1))
        taken.append(m.span())
    compares: bool | None = None       # searched only when "el mes anterior" is there
    for rx, kind in ((_PREV_MONTH, "prev"), (_LAST_MONTH, "last")):
        for m in _scan(rx, folded):
            if not _overlaps(taken, *m.span()):
                # "el mes anterior" is the page's month minus one only in a comparison;
                # elsewhere it may mean the month before publication: not guessed
                if kind == "prev" and compares is None:
                    compares = bool(_COMPARES.search(folded))
                ok = kind == "last" or bool(compares)
                out.append(TimeExpr("month" if ok else "window", m.start(), m.end(),
                                    month=-1 if kind == "prev" else -2, comparison=True))
                taken.append(m.span())
    for t in out:
        before = folded[max(0, t.start - 40):t.start]
        if t.kind == "month" and _WINDOW_BEFORE_MONTH.search(before):
            t.kind = "window"
        if _COMPARISON.search(before):
            t.comparison = True
    out.sort(key=lambda t: t.start)
    return out


@dataclass(slots=True)
class Scope:
    """The period some text speaks about: a month 'YYYY-MM', a year 'YYYY', or a window."""

    kind: str                 # "month" | "year" | "window"
    period: str = ""


def _resolve(t: TimeExpr, pub: RefDate | None, main: Scope | None,
             year_hint: int | None) -> Scope | None:
    if t.kind == "window":
        return Scope("window")
    if t.kind == "year":
        if t.year is None:
            return Scope("window")
        if pub is not None and (pub.year, pub.month) <= (t.year, 12):
            return Scope("window")        # the year is not over yet: a year-to-date count
        return Scope("year", f"{t.year:04d}")
    if t.month == -1:                     # "el mes anterior": before the page's month
        if main is None or main.kind != "month":
            return None
        y, mo = shift_month(int(main.period[:4]), int(main.period[5:]), -1)
        return Scope("month", period(y, mo))
    if t.month == -2:                     # "el mes pasado": before publication
        if pub is None:
            return None
        y, mo = shift_month(pub.year, pub.month, -1)
        return Scope("month", period(y, mo))
    if t.year is not None:
        return Scope("month", period(t.year, t.month))
    if pub is not None:                   # the latest such month not after publication
        ym = resolve_month(t.month, YM(pub.year, pub.month), allow_same=True)
        return Scope("month", str(ym)) if ym else None
    if year_hint is not None:
        return Scope("month", period(year_hint, t.month))
    return None


# --------------------------------------------------------------------------- metric grammar

_Q = r"[\"'\u201c\u201d\u2018\u2019\u00ab\u00bb]"
# a bare "acciones"/"incidentes" counts repressive actions only where nothing qualifies it
_BARE_OK = (r"\s*(?:[,.;:)]|$)|\s+(?:y|and|en|in|durante|during|de\s+(?:ellas|ellos|este|ese)|"
            r"contra\s+(?:civiles|la\s+poblacion|la\s+ciudadania|activistas|opositores)|"
            r"against\s+(?:civilians|the\s+population|activists|opponents))\b")
# a count of one group only ("42 acciones represivas contra presos políticos")
_SUBSET = (r"\s+(?:dirigid[oa]s\s+|directed\s+|ejercid[oa]s\s+)?(?:contra|against|de|of|a)\s+"
           r"(?:los\s+|las\s+|the\s+)?(?:presos|reclusos|prisioneros|prisoners|inmates|"
           r"personas\s+(?:encarceladas|presas|privadas)|privad[oa]s\s+de\s+libertad|"
           r"religios\w+|lideres\s+religiosos|menores|minors|artistas|artists|"
           r"periodistas|journalists)\b(?![^.;,]{0,30}\s(?:y|and)\s+(?:los\s+|las\s+)?"
           r"(?:activistas|opositores|activists|opponents|ciudadanos|civiles|civilians))")
# words that may stand between a number and the measure it counts
_GAP = (r"(?:\s+|,|" + _Q + r"|de\s+(?:ellas|ellos|estas|estos|esas|esos)\b|de\s+los\s+casos\b|"
        r"of\s+them\b|of\s+which\b|de\s+(?:las|los)\s+cuales\b|de\s+(?:las|los)\s+que\b|(?:en|in)\s+total\b|fueron\b|eran\b|se\s+practicaron\b|se\s+produjeron\b|"
        r"se\s+registraron\b|se\s+documentaron\b|consistieron\s+en\b|correspondieron\s+a\b|"
        r"se\s+(?:clasificaron|catalogaron|calificaron)\s+como\b|"
        r"(?:incidentes|acciones|casos|cases|incidents)\s+(?:consistieron\s+en|fueron|"
        r"correspondieron\s+a|calificadas\s+como|catalogadas\s+como|clasificadas\s+como|were)\b|"
        r"restantes\b|los\b|las\b|en\b|a\b|were\b|was\b|nuev[oa]s\b|new\b|"
        r"casos\s+de\b|cases\s+of\b|(?:the\s+)?remaining\b|algun\s+tipo\s+de\b|alguna\s+forma\s+de\b|"
        r"(?:otros\s+)?tipos\s+de\b|formas\s+de\b|different\s+forms\s+of\b|other\s+forms\s+of\b|"
        r"various\s+forms\s+of\b|documented\b|registered\b|recorded\b|carried\s+out\b)*")
_TERMS = {
    "violent_detentions": (
        r"(?:detenciones|arrestos)\s+(?:arbitrari[oa]s\s+)?(?:violent[oa]s|con\s+violencia)|"
        r"violent\s+(?:arrests|detentions)|"
        r"violent[oa]s\b|de\s+forma\s+violenta|de\s+manera\s+violenta|"
        r"con\s+(?:uso\s+(?:grave\s+)?de\s+)?violencia|violent(?:ly)?\b|with\s+violence"),
    "house_sieges": (
        r"(?:sitios?|cercos?|asedios?)\s+(?:polic(?:ial|iales)\s+)?(?:a|de|en)\s+(?:las\s+)?"
        r"(?:viviendas|casas|domicilios|residencias)|"
        r"retenciones\s+(?:ilegales\s+)?(?:en\s+(?:viviendas|domicilios|casas)|domiciliarias)|"
        r"(?:activistas|personas|opositores)\s+(?:quedaron\s+|fueron\s+)?(?:sitiad[oa]s|retenid[oa]s)"
        r"\s+en\s+sus\s+(?:casas|viviendas|domicilios)|"
        r"(?:cuban\s+)?(?:activists|people|opponents)\s+(?:ended\s+up\s+|were\s+)?"
        r"(?:arrested|besieged|confined|detained)\s+in\s+their\s+(?:own\s+)?homes|"
        r"(?:sitios|cercos)\s+policiales\b|"
        r"house\s+sieges|(?:homes|houses)\s+(?:besieged|under\s+siege)|besieged\s+homes|"
        r"(?:police\s+)?sieges?\s+(?:of|on)\s+(?:activists\W?\s+)?(?:homes|houses)"),
    "other_abuses": (
        r"otr[oa]s\s+(?:acciones|actos|actuaciones|incidentes)\s+represiv[oa]s|"
        r"other\s+repressive\s+(?:actions|acts|incidents)|"
        r"(?:otr[oa]s?\s+)?(?:tipos?\s+de\s+|formas?\s+de\s+)?abusos?\b"
        r"(?!\s+(?:contra|a\s+|de\s+presos|en\s+prision|against))|"
        r"actos\s+de\s+(?:diversa|otra)\s+indole|"
        r"(?:other|different|various)\s+(?:forms\s+of\s+|kinds\s+of\s+|types\s+of\s+)?abuses?\b"
        r"(?!\s+against)|forms\s+of\s+abuse\b(?!\s+against)"),
    "arbitrary_detentions": (
        r"detenci(?:on|ones)\b(?>\s+" + _Q + r"?arbitrari[oa]s" + _Q + r"?)?(?!\s+(?:de\s+)?"
        r"(?:violent|con\s+violencia|contra\s+(?:las\s+|los\s+)?(?:mujeres|hombres)|"
        r"a\s+mujeres|a\s+hombres|mujeres|hombres))(?!" + _SUBSET + r")|"
        r"arrestos\s+arbitrarios(?!" + _SUBSET + r")|"
        r"(?:arbitrary\s+(?:arrests|detentions)|detentions\b|arrests\b)(?!" + _SUBSET + r")"),
    "repressive_actions": (
        r"(?:acciones|actuaciones|actos|incidentes|hechos)\s+represiv[oa]s(?!" + _SUBSET + r")|"
        r"(?:incidentes|acciones|incidents|actions)(?=" + _BARE_OK + r")|"
        r"(?:repressive\s+(?:actions|acts|incidents)|(?:cases|acts)\s+of\s+repression|"
        r"(?:cases\s+of\s+)?repressive\s+actions)(?!" + _SUBSET + r")"),
}
_TERM_AFTER = re.compile(
    r"^" + _GAP + r"(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _TERMS.items()) + r")")
# the number comes after the measure: "detenciones arbitrarias (936)", "-485, según",
# "con 83 casos", "Arbitrary arrests accounted for 90"
_TERM_BEFORE_ALT = "|".join(f"(?P<{k}>{v})" for k, v in _TERMS.items()
                            if k in ("house_sieges", "arbitrary_detentions", "other_abuses",
                                     "repressive_actions"))
_POLICE = (r"(?P<police>police\s+brutality|brutalidad\s+policial|abusos\s+policiales|"
           r"police\s+abuses?)")
_BEFORE_LINKS = (
    r"\s*" + _Q + r"?\s*\(\s*$",                                   # term (N)
    r"[^.;:()]{0,25}?[-\u2013\u2014]\s*$",                          # term ... -N, según
    r"[^.;:()]{0,110}?,\s*con\s+$",                                 # term ..., con N casos
    r"\s+(?:accounted\s+for|amounted\s+to|totall?ed|was\s+behind|were\s+behind|"
    r"sumaron|representaron)\s+(?:(?:approximately|about|some|around|at\s+least|over|"
    r"more\s+than|nearly|almost)\s+)?$",
)
# "Detenciones arbitrarias: 81" with the measure heading its clause
_TERM_COLON = re.compile(r"(?:^|[;,.]\s*|\n)[\s\u2022\u00b7*\u2013-]*" + _Q
                         + r"?(?:" + _TERM_BEFORE_ALT + r")" + _Q
                         + r"?\s*:\s*$")
_GENDER_AFTER = re.compile(
    r"^" + _GAP + r"(?:(?:acciones|detenciones)(?:\s+(?:represivas|arbitrarias))?\s+)?"
    r"(?:se\s+(?:practicaron|dirigieron|produjeron)\s+|tuvieron\s+como\s+(?:blanco|objetivo)\s+|"
    r"fueron\s+|were\s+|correspondieron\s+|(?:arrests|detentions)\s+)?"
    r"(?:contra|a|against|of|de)\s+(?:las\s+|los\s+)?(?P<g>mujeres|hombres|varones|women|men)\b"
    r"|^\s*(?:de\s+(?:ellas|ellos|estas|estos)|of\s+them)\s*,?\s*(?:fueron\s+|were\s+)?"
    r"(?P<g2>mujeres|hombres|varones|women|men)\b")
_WOMEN_OF_TOTAL = re.compile(
    r"(?:mujeres|women)[^.;]{0,120}?\(\s*(?P<n>\d[\d.,]*)\s*,?\s*(?:de\s+un\s+total\s+de|"
    r"of\s+a\s+total\s+of)\s+(?P<t>\d[\d.,]*)\s*\)")
_ONE_VIOLENT = re.compile(
    r"\b(?:una|uno|one)\s+(?:de\s+(?:ellas|ellos)|of\s+them)[,\s]+(?:\w+\s+){0,3}?"
    r"(?:violent\w*|con\s+violencia|with\s+violence|de\s+forma\s+violenta)")

_PERCENT_AFTER = re.compile(r"^\s*(?:%|por\s*ciento|percent|per\s+cent)")
_RATE_AFTER = re.compile(
    r"^[^.;]{0,12}?\b(?:al\s+mes|al\s+dia|por\s+dia|por\s+mes|cada\s+\d+|cada\s+dia|diari[oa]s|"
    r"per\s+day|a\s+day|per\s+month|a\s+month|each\s+day|every\s+day|de\s+media|de\s+promedio|"
    r"en\s+promedio|on\s+average)\b")
_DIFF_BEFORE = re.compile(
    regroup(r"(?:aumento|incremento|increase|rise|descenso|disminucion|decrease|drop|diferencia|"
    r"difference|subida|bajada)\s+(?:de|of)\s+(?:" + _Q + r"|\s)*$"))
_OTHER_ORG = re.compile(
    regroup(r"\b(?:occ|observatorio\s+cubano\s+de\s+conflictos|conflict\s+observatory|open-cuba|"
    r"prisoners\s+defenders|cubalex|justicia\s*11j|amnist\w+|human\s+rights\s+watch|"
    r"hrw|cidh|iachr|gobierno\s+cubano\s+(?:anuncio|informo)|minint|fiscalia|"
    r"ccdhrn|comision\s+cubana\s+de\s+derechos\s+humanos|cuban\s+commission\s+for\s+human|"
    r"iclep|articulo\s+19|article\s+19|fhrc|fundacion\s+para\s+los\s+derechos|"
    r"centro\s+de\s+documentacion\s+de\s+prisiones|food\s+monitor|cuba\s+decide|"
    r"damas\s+de\s+blanco|unpacu)\b"))
_OCDH_NAME = re.compile(
    regroup(r"\b(?:ocdh|ochd|observatorio\s+cubano\s+(?:de|para)\s+(?:los\s+)?(?:derechos\s+humanos|ddhh)|"
    r"cuban\s+(?:human\s+rights\s+)?observatory(?:\s+(?:of|for)\s+human\s+rights)?|"
    r"observatorio\s+de\s+derechos\s+humanos)\b"))
_PROVINCES = (r"(?:la\s+habana|havana|matanzas|santiago\s+de\s+cuba|villa\s+clara|holguin|camaguey|"
              r"pinar\s+del\s+rio|artemisa|mayabeque|cienfuegos|sancti\s+spiritus|"
              r"ciego\s+de\s+avila|las\s+tunas|granma|guantanamo|isla\s+de\s+la\s+juventud)")
_PROVINCE = re.compile(r"\b(?:en|in)\s+(?:la\s+provincia\s+de\s+|the\s+province\s+of\s+)?"
                       + _PROVINCES + r"\b[^.;]*$|\bprovincia\s+de\s+\w+[^.;]{0,20}$")
_PROVINCE_NEAR = re.compile(r"\b" + _PROVINCES + r"\b[^.;]*$")
_PROVINCE_AFTER = re.compile(r"^\s*(?:,\s*)?(?:en|in)\s+"
                             r"(?:la\s+provincia\s+de\s+|the\s+province\s+of\s+)?" + _PROVINCES
                             + r"\b")
_FOLLOWING_GAP = re.compile(
    r"^\s*[\"'\u00bb\u201d\u2019]?\s*(?:(?:contra\s+civiles|against\s+civilians)\s+)?"
    r"(?:(?:en|in)\s+(?:cuba|la\s+isla|the\s+island)\s+)?"
    r"(?:(?:en|in|del|de|durante|during|for|a\s+lo\s+largo\s+de)\s+)?(?:el\s+|the\s+)?"
    r"(?:mes\s+de\s+|month\s+of\s+)?$")


@text_cache(1024)
def _org_names(f: str) -> list[tuple[int, bool]]:
    """Where the sentence names an organisation, and whether it is the OCDH (once per
    sentence: asked for every number in it). Not to be mutated."""
    names = [(m.start(), False) for m in _OTHER_ORG.finditer(f)]
    names += [(m.start(), True) for m in _OCDH_NAME.finditer(f)]
    return names


def _attributed_elsewhere(f: str, pos: int) -> bool:
    """The nearest organisation named before the number (else after it) is not the OCDH."""
    names = _org_names(f)
    if not names:
        return False
    before = [x for x in names if x[0] < pos]
    nearest = max(before) if before else min(names)
    return not nearest[1]


_SPLIT_CLAUSE = re.compile(r"[;:\u2014]|\s[\u2013-]\s")
_MONTHLY_SIGNAL = re.compile(regroup(r"\b(?:informe\s+mensual|monthly\s+report|balance\s+mensual|"
                             r"recuento\s+mensual)\b"))
_TERM_SIGNAL = re.compile(regroup(r"acciones\s+represivas|detenciones\s+arbitrarias|"
                          r"repressive\s+actions|"
                          r"arbitrary\s+(?:arrests|detentions)|incidentes\s+represivos|"
                          r"actos\s+represivos|otros\s+abusos"))


@dataclass(slots=True)
class Candidate:
    metric: str
    scope: Scope
    value: int
    qualifier: str
    evidence: str
    order: int
    is_word: bool
    by_ellipsis: bool = False

    def rank(self) -> tuple:
        # "casi 200", "más de mil" give way to the exact 197 / 1.130 stated elsewhere; two
        # precise values that disagree are a conflict (see _choose)
        round_hedge = self.qualifier != "exact" and self.value % 100 == 0
        return (not self.is_word, not round_hedge, not self.by_ellipsis)


# --------------------------------------------------------------------------- the page

_LINK_BLOCKS = frozenset(("li", "p", "h2", "h3", "h4"))


def _link_only_blocks(page: Page) -> set[str]:
    """Texts of blocks that are nothing but a link: related-post lists, other releases'
    headlines. Their figures belong to other pages (and often other years)."""
    out: set[str] = set()
    for block in page.iter(*_LINK_BLOCKS):
        anchors = descendants(block, "a")
        if not anchors:
            continue
        text = element_text(block)
        if text and clean_space(" ".join(get_text(a) for a in anchors)) == text:
            out.add(text)
    return out


def extract(html: bytes | str, url: str) -> Extraction:
    page = parse_page(html, url)
    links = _link_only_blocks(page)
    paragraphs = [p for p in page.paragraphs if p not in links]
    dl = _dateline(paragraphs)
    meta = _meta_date(page)
    if dl is not None:
        i, dl_date, cut = dl
        paragraphs[i] = paragraphs[i][cut:] if cut < len(paragraphs[i]) else ""
        if meta is not None and ((meta.year, meta.month) != (dl_date.year, dl_date.month) or (
                meta.day and dl_date.day and meta.day != dl_date.day)):
            log.warning("%s: dateline says %s-%02d-%s but page metadata says %s; trusting "
                        "the metadata", url, dl_date.year, dl_date.month, dl_date.day or "??",
                        page.meta_published or f"{meta.year}-{meta.month:02d}")
    pub = meta or (dl[1] if dl else None) or _date_only(paragraphs)
    if pub is None and url_date(url):
        pub = RefDate(*url_date(url))
    published = pub.iso if pub else None
    out = Extraction(source=SOURCE, url=url, title=page.title, published=published,
                     text=page.text)

    # the page's own month: named in the title, else the month before a dated release
    body_fold = fold(" ".join(paragraphs))
    # every match holds "mensual" or "monthly": most bodies are passed over by a substring test
    says_monthly = ("mensual" in body_fold or "monthly" in body_fold) and bool(
        _MONTHLY_SIGNAL.search(body_fold))
    monthly_signal = dl is not None or says_monthly
    main: Scope | None = None
    year_hint: int | None = None
    tf = fold(page.title)
    title_scopes = []
    for t in time_exprs(tf, page.title, pub):
        if t.year and not t.bare:
            year_hint = t.year
        if not t.comparison:
            title_scopes.append(_resolve(t, pub, None, year_hint))
    if title_scopes and all(sc == title_scopes[0] for sc in title_scopes):
        main = title_scopes[0]      # a title naming two periods says nothing certain
    if (main is None or main.kind == "window") and monthly_signal and pub is not None:
        y, mo = shift_month(pub.year, pub.month, -1)
        main = Scope("month", period(y, mo))
    # a monthly release: its month named up front next to the measures, or "informe mensual"
    # run only when first read (a release whose headline figure was found needs no test);
    # it holds the lead's text, not the page, so a kept result keeps no parsed tree alive
    out.looks_like_report = functools.partial(
        _is_monthly_release, " ".join([page.title, *paragraphs[:3]]), pub, main, year_hint,
        says_monthly)

    cands: list[Candidate] = []
    ctx = main
    order = 0
    for para in paragraphs:
        for sent in sentences(para):
            order += 1
            ctx, year_hint = _sentence(sent, pub, main, ctx, year_hint, order, cands)

    _choose(out, cands, url, published)
    if not out.headline_found and out.looks_like_report:
        log.warning("%s: looks like a monthly OCDH release but no headline figure found", url)
        out.notes.append("no headline figure")
    return out


# the per-number tests of _sentence, compiled once
_DAY_OF_MONTH_RC = re.compile(r"^\s+de\s+(?:" + _MONTH_ALT + r")\b")
_PER_UNIT_LC = re.compile(r"(?:\bdia|\bdias|\bdays?|\bcada|\bevery|\bout\s+of)\s+$")
_CON_LC = re.compile(r"\bcon\s+$")
_AVERAGE_LC = re.compile(r"(?:media|promedio|average)\b[^.;]{0,30}$")
_MORE_LESS_RC = re.compile(r"^\s*(?:mas|menos|more|fewer|less)\b(?!\s+de\b)")
_PROVINCE_WORD = re.compile(r"\bprovincias?\b|\bprovinces?\b")


def _is_monthly_release(lead: str, pub: RefDate | None, main: Scope | None,
                        year_hint: int | None, says_monthly: bool) -> bool:
    """A monthly release: its month named up front next to the measures, or "informe
    mensual". Cheapest test first: the lead's whole time grammar only when nothing else
    decides."""
    if main is None or main.kind != "month":
        return False
    if says_monthly:
        return True
    lead_f = fold(lead)
    return bool(_TERM_SIGNAL.search(lead_f) and any(
        _resolve(t, pub, main, year_hint) == main for t in time_exprs(lead_f, lead, pub)
        if t.kind == "month" and t.month > 0))


def _sentence(sent: str, pub: RefDate | None, main: Scope | None, ctx: Scope | None,
              year_hint: int | None, order: int, cands: list[Candidate]
              ) -> tuple[Scope | None, int | None]:
    f = fold(sent)
    exprs = time_exprs(f, sent, pub)
    if not exprs and "violen" not in f and not find_numbers(sent):
        return ctx, year_hint    # no time, no number, no "una de ellas, con violencia"
    scopes: list[tuple[TimeExpr, Scope | None]] = []
    for t in exprs:
        if t.year and t.kind != "window" and not t.bare:
            year_hint = t.year
        elif t.kind == "window" and not re.match(r"(?:desde|since|a partir)", f[t.start:]):
            y = re.search(r"\b(?:19|20)\d{2}\b", f[t.start:t.end])
            year_hint = int(y.group(0)) if y else year_hint
        scopes.append((t, _resolve(t, pub, main, year_hint)))
    bounds: list[int] = []      # clause bounds, found on first use (most sentences never ask)

    def clause_of(pos: int) -> tuple[int, int]:
        if not bounds:
            bounds.extend([0, *(m.end() for m in _SPLIT_CLAUSE.finditer(f)), len(f) + 1])
        for a, b in itertools.pairwise(bounds):
            if a <= pos < b:
                return a, b
        return 0, len(f)

    def governing(pos: int, term_end: int | None = None) -> Scope | None:
        a, b = clause_of(pos)
        if term_end is not None:   # "190 detenciones arbitrarias en el mes de octubre"
            for t, s in scopes:
                if t.start >= term_end and _FOLLOWING_GAP.match(f[term_end:t.start]):
                    return s
        before = [s for t, s in scopes if a <= t.start and t.end <= pos]
        if before:
            return before[-1]
        # an event window ("más de 24 horas", "ayer") rules only what it stands next to
        after = [s for t, s in scopes if pos <= t.start and t.end <= b
                 and not (t.kind == "window" and t.comparison)]
        if after:
            return after[0]
        earlier = [s for t, s in scopes if t.end <= pos
                   and not (t.kind == "window" and t.comparison)]
        if earlier:
            return earlier[-1]
        return ctx

    nums = find_numbers(sent)
    prev_metric: str | None = None
    prev_con = False
    women_total = _WOMEN_OF_TOTAL.search(f) if nums else None
    for n in nums:
        if n.is_decimal or _PERCENT_AFTER.match(f[n.end:]):
            continue
        if 1900 <= n.value <= 2100 and not n.is_word and re.match(r"^\d{4}$", n.text):
            continue
        before = f[max(0, n.start - 40):n.start]
        if _DIFF_BEFORE.search(before) or _PER_UNIT_LC.search(before):
            continue
        if n.value <= 31 and _DAY_OF_MONTH_RC.match(f[n.end:]):
            continue  # a day date
        metric, term_len = _metric_for(f, n, women_total)
        by_ellipsis = False
        if metric is None and prev_metric and _elided(before, f[n.end:], prev_con):
            metric, by_ellipsis = prev_metric, True
        if metric is None:
            continue
        if metric not in ("detentions_women", "detentions_men"):
            prev_metric, prev_con = metric, bool(_CON_LC.search(before))
        rest = f[n.end + term_len:]
        if _RATE_AFTER.match(f[n.end:]) or _RATE_AFTER.match(rest) or _AVERAGE_LC.search(
                before) or _MORE_LESS_RC.match(rest):
            continue
        if _attributed_elsewhere(f, n.start) or _PROVINCE.search(f[max(0, n.start - 50):n.start]) \
                or _PROVINCE_NEAR.search(f[max(0, n.start - 30):n.start]) \
                or _PROVINCE_WORD.search(f[:n.start]) \
                or _PROVINCE_AFTER.match(f[n.end + term_len:]):
            continue
        scope = governing(n.start, n.end + term_len)
        if scope is None or scope.kind == "window":
            continue
        if scope.kind == "year" and metric not in YEARLY:
            continue
        cands.append(Candidate(metric, scope, n.value, qualifier_at(sent, n.start), sent, order,
                               n.is_word, by_ellipsis))
    # "una de ellas, con violencia" / "one of them carried out with violence"
    m = _ONE_VIOLENT.search(f) if "violen" in f else None   # every match holds "violen"
    if m:
        scope = governing(m.start())
        if scope is not None and scope.kind == "month":
            cands.append(Candidate("violent_detentions", scope, 1, "exact", sent, order, True))
    # the scope the next sentence inherits: the last own (non-comparison) expression here
    for t, s in reversed(scopes):
        if s is not None and not t.comparison:
            ctx = s
            break
    return ctx, year_hint


_ELIDED_BEFORE = re.compile(r"(?:\bfrente\s+a(?:\s+l[oa]s)?|\bcompared\s+(?:to|with)(?:\s+the)?|"
                            r"\b(?:up|down)\s+from(?:\s+the)?|\bpor\s+(?:encima|debajo)\s+de\s+l[oa]s|"
                            r"\bversus|\bvs\.?|\bante\s+l[oa]s|\bcontra\s+l[oa]s)\s+$")
_ELIDED_AFTER = re.compile(r"^\s+(?:(?:del|de|en|in|of)\s+(?:el\s+|the\s+)?(?:mes\s+anterior|"
                           r"previous\s+month|month\s+before|mes\s+pasado|last\s+month|"
                           r"(?:mes\s+de\s+)?(?:" + _MONTH_ALT + r")\b))")

_ELIDED_MONTH_BEFORE = re.compile(
    r"\b(?:" + _MONTH_ALT + r")(?:\s+(?:de|del)\s+\d{4})?\s*,?\s*(?:fueron|hubo|se\s+registraron|"
    r"se\s+contabilizaron|se\s+documentaron|sumo|registro|were|there\s+were|saw|had)\s+"
    r"(?:(?:al\s+menos|mas\s+de|casi|unas|unos|at\s+least|over|nearly|some|about)\s+)?$")


def _elided(before: str, after: str, prev_con: bool) -> bool:
    """A bare number that repeats the measure of the one before it: "frente a las 300 del
    mes anterior", "en septiembre, con 481 detenciones, y en febrero, con 405"."""
    if prev_con and re.search(r"\bcon\s+$", before) and re.match(r"^\s*(?:[.,;)]|$)", after):
        return True
    ends_bare = re.match(r"^\s*(?:[.,;)]|$)", after)
    if ends_bare and _ELIDED_MONTH_BEFORE.search(before):
        return True
    return bool(_ELIDED_BEFORE.search(before) and (_ELIDED_AFTER.match(after) or ends_bare))


def _metric_for(f: str, n: Number, women_total: re.Match | None) -> tuple[str | None, int]:
    """The measure a number counts, from the words right after it (or right before it), and
    how far after the number the measure's words run."""
    after = f[n.end:]
    if women_total is not None:
        if women_total.start("n") == n.start:
            return "detentions_women", 0
        if women_total.start("t") == n.start:
            return "arbitrary_detentions", 0
    g = _GENDER_AFTER.match(after)
    if g:
        return ("detentions_women" if (g.group("g") or g.group("g2")) in ("mujeres", "women")
                else "detentions_men"), g.end()
    if re.match(r"^\s+(?:of|de)\s+(?:the|las|los)\s+(?!casos\b|cases\b)", after):
        pass  # a part of a larger count: "90 of the repressive actions"
    else:
        m = _TERM_AFTER.match(after)
        if m:
            return m.lastgroup, m.end()
    head = f[max(0, n.start - 160):n.start]
    m = _TERM_COLON.search(head)
    if m and not _TERM_AFTER.match(after):
        return m.lastgroup, 0
    for link in _BEFORE_LINKS:
        rx = re.compile(r"(?:" + _TERM_BEFORE_ALT + "|" + _POLICE + r")" + link)
        found = None
        for found in rx.finditer(head):  # noqa: B007 - the last match is the nearest
            pass
        if found is not None and found.end() == len(head):
            name = found.lastgroup
            if link.startswith(r"[^.;:()]{0,110}") and not re.match(r"^\s*(?:casos|cases)\b",
                                                                      after):
                continue
            return ("other_abuses" if name == "police" else name), 0
    return None, 0


def _choose(out: Extraction, cands: list[Candidate], url: str, published: str | None) -> None:
    """One value per (metric, period): the best-stated one; two equally good ones that
    disagree cancel out (precision beats recall)."""
    best: dict[tuple[str, str], list[Candidate]] = {}
    for c in cands:
        best.setdefault((c.metric, c.scope.period), []).append(c)
    chosen: dict[tuple[str, str], Candidate] = {}
    for key, cs in best.items():
        top = max(c.rank() for c in cs)
        tops = [c for c in cs if c.rank() == top]
        if len({c.value for c in tops}) > 1:
            log.info("%s: %s %s stated as %s; emitting none", url, key[0], key[1],
                     sorted({c.value for c in tops}))
            out.notes.append(f"conflicting {key[0]} {key[1]}")
            continue
        chosen[key] = min(tops, key=lambda c: c.order)
    # breakdowns only where the page gives the headline for that month
    for (metric, per), c in list(chosen.items()):
        if c.scope.kind != "month" or metric in HEADLINE:
            continue
        has_ad = ("arbitrary_detentions", per) in chosen
        has_ra = ("repressive_actions", per) in chosen
        if metric in ("detentions_women", "detentions_men", "violent_detentions"):
            ok = has_ad and c.value <= chosen[("arbitrary_detentions", per)].value
        elif metric == "other_abuses":
            ok = has_ra and c.value <= chosen[("repressive_actions", per)].value
        else:
            ok = has_ad or has_ra
        if not ok:
            del chosen[(metric, per)]
    for (metric, per), c in sorted(chosen.items(), key=lambda kv: kv[1].order):
        out.observations.append(Observation(SOURCE, metric, per, c.value, c.qualifier,
                                            published, url, c.evidence))
        if metric in HEADLINE:
            out.headline_found = True
