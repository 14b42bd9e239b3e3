"""The reading pipeline shared by every source: page -> blocks -> sentences -> mentions ->
readings -> metrics -> one value per (metric, period).

A source gives a `Vocabulary` (its folder's vocabulary.toml: counted things, events,
scopes, organisations, and the rules that say which reading is which metric); the pipeline
names no source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor import clock
from monitor.extract import timex
from monitor.extract.base import Extraction, Observation, parse_page, text_budget
from monitor.extract.lexicon import SHARED, build, load_toml
from monitor.extract.reading import Mention, Reader, Sentence
from monitor.extract.timex import YM
from monitor.extract.tokens import fold
from monitor.extract.tokens import sentences as split_sentences

log = logging.getLogger("monitor.extract")

FLOW_EVENTS = {"enter", "leave"}


@dataclass
class Rule:
    metric: str
    things: tuple[str, ...]
    events: tuple[str, ...]
    scopes: set[str] = field(default_factory=lambda: {""})
    of: set[str] = field(default_factory=lambda: {""})
    objects: set[str] = field(default_factory=set)        # one of these must be named
    without: set[str] = field(default_factory=set)        # none of these may be named
    mods: set[str] | None = None                          # None: any
    min_value: int = 0
    period: str = "monthly"                               # monthly | yearly
    flow: bool = False
    name: str = ""
    min_strength: int = 0

    def matches(self, m: Mention) -> bool:
        if m.value < self.min_value:
            return False
        if m.thing not in self.things or m.event not in self.events:
            return False
        if (m.scope or "") not in self.scopes:
            return False
        if (m.of or "") not in self.of and "*" not in self.of:
            return False
        if self.objects and not self.objects.intersection(m.objects):
            return False
        if self.without.intersection(m.objects) or self.without.intersection(m.mods):
            return False
        return not (self.mods is not None and not set(m.mods) <= self.mods)


@dataclass
class Vocabulary:
    """A source's reading vocabulary: lexicon tags, metric rules and a few parameters."""

    source: str
    reader: Reader
    rules: list[Rule]
    headline: set[str]
    early_days: int = 1
    default_offset: int = -1
    report_things: set[str] = field(default_factory=set)
    drop_round_hedges: int = 10        # "más de 700": an at-least number this round
    drop_about: int = 100              # "casi 200": an about number this round
    report_words: set[str] = field(default_factory=set)
    pub_cutoff_days: int = 0
    year_end_flow: str = ""
    annual_title: bool = False
    alone_as: dict[str, str] = field(default_factory=dict)
    home: set[str] = field(default_factory=set)         # words naming the country watched
    release_days: int = 31     # reports come out by this day; later, the page month is unknown

    @classmethod
    def load(cls, source: str, path: str | Path, headline: tuple[str, ...] = ()) -> Vocabulary:
        shared = load_toml(SHARED)
        own = load_toml(Path(path))
        lex = build(shared.get("tags", {}), own.get("tags", {}))
        roles = timex.Roles(shared.get("time", {}))
        words = dict(shared.get("words", {}))
        for k, v in own.get("words", {}).items():
            words[k] = [*words.get(k, []), *v]
        reader = Reader(lex, roles, words, set())
        rules = []
        for r in own.get("rule", []):
            rules.append(Rule(
                metric=r["metric"], things=tuple(r.get("thing", [])),
                events=tuple(r.get("event", [""])),
                scopes=set(r.get("scope", [""])), of=set(r.get("of", [""])),
                objects=set(r.get("objects", [])), without=set(r.get("without", [])),
                mods=set(r["mods"]) if "mods" in r else None,
                min_value=int(r.get("min", 0)), period=r.get("period", "monthly"),
                flow=bool(r.get("flow", False)), name=r.get("name", r["metric"]),
                min_strength=int(r.get("min_strength", 0))))
        p = own.get("params", {})
        return cls(source, reader, rules, set(headline) or set(p.get("headline", [])),
                   early_days=int(p.get("early_days", 1)),
                   default_offset=int(p.get("default_offset", -1)),
                   report_things=set(p.get("report_things", [])),
                   drop_round_hedges=int(p.get("drop_round_hedges", 10)),
                   drop_about=int(p.get("drop_about", 100)),
                   report_words={w.lower() for w in p.get("report_words", [])},
                   pub_cutoff_days=int(p.get("pub_cutoff_days", 0)),
                   year_end_flow=str(p.get("year_end_flow", "")),
                   annual_title=bool(p.get("annual_title", False)),
                   alone_as=dict(p.get("alone_as", {})),
                   home={fold(w) for w in p.get("home", [])},
                   release_days=int(p.get("release_days", 31)))


@dataclass
class Candidate:
    metric: str
    period: str
    value: int
    qualifier: str
    evidence: str
    strength: int
    order: int
    mention: Mention


@dataclass
class Reading:
    """Everything read on a page: sentences with their mentions, for --explain."""

    sentences: list[Sentence]
    doc: YM | None
    pub: YM | None
    not_read: list[str] = field(default_factory=list)   # blocks skipped, and why


# ------------------------------------------------------------------------ the page

def _pub_date(page: Any, url: str, now: dt.date | None
              ) -> tuple[tuple[int, int, int | None] | None, list[str]]:
    notes: list[str] = []
    got = timex.iso_partial(page.meta_published)
    if got is None:
        raw = page.meta("article:published_time", "datePublished", "date")
        got = timex.iso_partial(raw)
    today = now or clock.utcnow().date()
    if got is not None:
        try:
            day = dt.date(got[0], got[1], got[2] or 1)
        except ValueError:
            day = None
        if day is not None and day > today + dt.timedelta(days=1):
            notes.append(f"publication date {day.isoformat()} is in the future; ignored")
            log.warning("%s: publication date %s is in the future; ignored", url, day)
            got = None
    if got is None:
        got = timex.url_date(url)
        if got is not None:
            try:
                if dt.date(got[0], got[1], got[2] or 1) > today + dt.timedelta(days=1):
                    got = None
            except ValueError:
                got = None
    return got, notes


_DATELINE_PLACE = re.compile(r"^(?:[A-ZÁÉÍÓÚÑ][A-Za-zÁÉÍÓÚÑáéíóúñ .\-]{0,30}[,.\-]\s*)?$")


def _dateline(s: Sentence) -> tuple[int, int, int] | None:
    """'Madrid, 3 de junio de 2025' / 'MADRID, August 26, 2019.' opening the text."""
    for e in s.times:
        if e.kind == "date" and e.year and e.month and e.day:
            head = s.text[:s.toks[e.start].start]
            # a dateline stands apart: "Madrid, 3 de junio de 2025.-", not "El 3 de junio
            # de 2025 comenzó con ..."
            apart = e.end >= len(s.toks) or s.toks[e.end].kind == "mark"
            if _DATELINE_PLACE.match(head) and apart:
                return e.year, e.month, e.day
        break
    return None


def read(html: bytes | str, url: str, vocab: Vocabulary, *, now: dt.date | None = None,
         page_month: YM | None = None) -> tuple[Extraction, Reading]:
    """Read one page with `vocab`: the Extraction and, for --explain, the whole reading.
    `page_month` overrides the page's month (a second reading, see below)."""
    page = parse_page(html, url)
    out = Extraction(source=vocab.source, url=url, title=page.title, text=page.text)
    pubd, notes = _pub_date(page, url, now)
    out.notes.extend(notes)
    reader = vocab.reader
    sents: list[Sentence] = []
    size = 0
    blocks = [("title", page.title)] + [
        ("subtitle" if (p == page.subtitle and i == 0) else ("lead" if i <= 1 else "body"), p)
        for i, p in enumerate(page.paragraphs)]
    related = tuple(vocab.reader.related)
    budget = text_budget()
    skipped: list[str] = []
    for b, (role, block) in enumerate(blocks):
        if role != "title" and related and fold(block[:40]).lstrip(" -\u2022>").startswith(
                related):
            # "Lea también: 1.113 presos políticos en mayo": other posts
            skipped.append(f"not read (links to other posts): {block[:70]!r}")
            continue
        size += len(block)
        if size > budget:
            log.warning("%s: long page; reading figures from the first %d characters", url,
                        budget)
            skipped.append(f"not read: the text after its first {budget} characters")
            break
        for text in split_sentences(block):
            sents.append(reader.sentence(text, role, b))
    if pubd is None:
        for s in sents[1:4]:
            dl = _dateline(s)
            if dl:
                pubd = dl
                break
    dateline_seen = None
    for s in sents[1:4]:
        if s.times and _DATELINE_PLACE.match(s.text[:s.toks[s.times[0].start].start]) \
                and s.times[0].kind in ("date", "month") and s.times[0].year and (
                    s.times[0].end >= len(s.toks) or s.toks[s.times[0].end].kind == "mark"):
            s.times[0].role = "dateline"      # "Madrid, abril de 2020.-": when, not what
            dateline_seen = (s.times[0].year, s.times[0].month or 1)
            if pubd is None:
                pubd = (s.times[0].year, s.times[0].month or 1, s.times[0].day)
            break
    if pubd is not None and dateline_seen is not None and (dateline_seen[0], dateline_seen[1]) != (
            pubd[0], pubd[1]):
        log.warning("%s: dateline says %s-%02d but page metadata says %s; trusting the "
                    "metadata", url, dateline_seen[0], dateline_seen[1], out.published or pubd)
    pub = YM(pubd[0], pubd[1]) if pubd else None
    if pub is None:
        # no date at all: a month named without a year takes the year the page names
        years = [e.year for s in sents for e in s.times if e.year and e.role in (
            "plain", "cutoff") and e.kind in ("month", "date", "year")]
        if years:
            hint = YM(years[0], 12)
            for s in sents:
                for e in s.times:
                    if e.year is None and e.month is not None:
                        e.year = hint.year
    if pubd:
        out.published = (f"{pubd[0]:04d}-{pubd[1]:02d}-{pubd[2]:02d}" if pubd[2]
                         else f"{pubd[0]:04d}-{pubd[1]:02d}")
    dateline = next((d for d in map(_dateline, sents[1:4]) if d), None)
    doc = page_month or _doc_month(sents, pub, vocab, dateline, pubd[2] if pubd else None)
    year_hint = None
    if _annual_title(sents):
        year_hint = _title_year(sents)    # "Resumen anual 2025": "en el año" is 2025
        if vocab.annual_title:
            doc = None  # an annual report: a figure without a month of its own is the year's
    reading = Reading(sents, doc, pub, skipped)
    abroad = _another_country(sents, vocab)
    if abroad:
        # "Foro Penal: 800 presos políticos en Venezuela": the page is about elsewhere
        log.info("%s: the title names %s and not Cuba: not Cuba's figures", url, abroad)
        out.notes.append(f"page about {abroad}, not Cuba")
        for s in sents:
            for m in s.mentions:
                m.why = m.why or f"a page about {abroad}"
        return out, reading
    cands = _candidates(sents, pub, doc, vocab, pubd, year_hint)
    late = sorted({m.why for s in sents for m in s.mentions
                   if m.why.startswith("period after publication month")})
    for why in late:
        # a report never describes a later month: a wrong date somewhere, so say so
        log.warning("%s: a figure dropped: %s", url, why)
        out.notes.append(why)
    if doc is None and page_month is None and year_hint is None and pub is not None:
        # a late copy ("With two new political prisoners added in the August update"): the
        # month the text gives its headline figure is the page's, if it gives exactly one
        months = {c.period for c in cands if c.metric in vocab.headline and len(c.period) == 7
                  and c.mention.anchor_how in ("clause", "sentence")}
        if len(months) == 1:
            (only,) = months
            return read(html, url, vocab, now=now,
                        page_month=YM(int(only[:4]), int(only[5:])))
    _choose(out, cands, vocab, reading)
    out.looks_like_report = _looks_like_report(sents, vocab, doc)
    if not out.headline_found and out.looks_like_report:
        log.warning("%s: looks like a monthly report but no headline figure found (no "
                    "total found)", url)
        out.notes.append("no headline figure")
    return out, reading


def _another_country(sents: list[Sentence], vocab: Vocabulary) -> str:
    """The country a title names when it names another one and not the source's own."""
    if not vocab.home:
        return ""
    for s in sents:
        if s.role != "title":
            continue
        words = {t.low for t in s.toks}
        if words & vocab.home:
            return ""
        return next((s.toks[i].text for i, sp in enumerate(s.spans) if sp is not None
                     and sp.tag == "scope.country" and sp.start == i), "")
    return ""


def _title_year(sents: list[Sentence]) -> int | None:
    for s in sents:
        if s.role == "title":
            return next((e.year for e in s.times if e.kind == "year" and e.year), None)
    return None


def _annual_title(sents: list[Sentence]) -> bool:
    """A title naming a year and no month: the page reports on the year."""
    for s in sents:
        if s.role == "title":
            kinds = {e.kind for e in s.times if e.role not in ("since", "event", "compare")}
            return "year" in kinds and not kinds & {"month", "date", "rel_this", "rel_last"}
    return False


def _doc_month(sents: list[Sentence], pub: YM | None, vocab: Vocabulary,
               dateline: tuple[int, int, int] | None = None, pub_day: int | None = None
               ) -> YM | None:
    """The month the page's figures describe: named in the title or subtitle, else a data
    cut-off up front, else the month before publication."""
    for s in sents:
        if s.role not in ("title", "subtitle"):
            continue
        months = {str(m) for e in s.times if e.role in ("plain", "cutoff", "begin", "begun")
                  and e.kind in ("month", "date") for m in [_anchor_month(e, pub, None, vocab)]
                  if m is not None}
        if len(months) == 1:
            return YM(int(next(iter(months))[:4]), int(next(iter(months))[5:]))
        if any(e.kind == "range" and e.role not in ("since", "event", "compare")
               for e in s.times):
            return None      # "Julio y agosto suman 300": the page is over two months
    if vocab.pub_cutoff_days and dateline is not None:
        # the text's dateline read as the list's cut-off ("MADRID, August 26, 2019")
        ym = YM(dateline[0], dateline[1])
        return ym.shift(-1) if dateline[2] <= vocab.pub_cutoff_days else ym
    for s in sents:
        if s.role != "lead":
            continue
        for e in s.times:
            if e.role == "cutoff" and e.kind in ("month", "date"):
                if _dateline(s) and e is s.times[0]:
                    continue
                ym = _anchor_month(e, pub, None, vocab)
                # a cut-off far before publication is another figure's date, not the
                # report's month ("Hasta el 30 de septiembre hubo ..." in January)
                if ym is not None and (pub is None or 0 <= pub.index - ym.index <= 2):
                    return ym
    if pub is None:
        return None
    if vocab.pub_cutoff_days and dateline is not None:
        # the publication date read as the list's cut-off ("MADRID, August 26, 2019")
        ym = YM(dateline[0], dateline[1])
        return ym.shift(-1) if dateline[2] <= vocab.pub_cutoff_days else ym
    if pub_day is not None and pub_day > vocab.release_days:
        # published late in a month, outside the days reports come out: the month before
        # or this one, the page does not say
        return None
    return pub.shift(vocab.default_offset)


def _anchor_month(e: timex.TimeExpr, pub: YM | None, doc: YM | None, vocab: Vocabulary
                  ) -> YM | None:
    ym = timex.resolve(e, pub, doc)
    if ym is None:
        return None
    if e.kind == "date" and e.role == "cutoff" and e.day is not None and e.day <= vocab.early_days:
        return ym.shift(-1)
    return ym


def _looks_like_report(sents: list[Sentence], vocab: Vocabulary, doc: YM | None) -> bool:
    head = [s for s in sents if s.role in ("title", "subtitle")]
    # "En su informe mensual, el OCDH ... las acciones represivas": the lead says so
    if doc is not None and vocab.report_words:
        for s in sents[:5]:
            low = " ".join(t.low for t in s.toks)
            things = {sp.tag[6:] for sp in s.spans if sp is not None and sp.tag.startswith(
                "thing.")}
            if things & vocab.report_things and any(w in low for w in vocab.report_words):
                return True
    for s in head:
        things = {sp.tag[6:] for sp in s.spans if sp is not None and sp.tag.startswith("thing.")}
        if things & vocab.report_things and any(e.kind in ("month", "date") for e in s.times):
            return True
    return False


# ------------------------------------------------------------------------ readings

def _candidates(sents: list[Sentence], pub: YM | None, doc: YM | None, vocab: Vocabulary,
                pubd: tuple[int, int, int | None] | None, year_hint: int | None = None
                ) -> list[Candidate]:
    out: list[Candidate] = []
    prev: Mention | None = None
    prev_window = ""
    order = 0
    last: Mention | None = None
    history: list[list[Mention]] = []
    for s in sents:
        prev = None          # ellipsis and partitives reach within a sentence
        prev_outside: Mention | None = None
        sent_window = ""
        part = ""           # the count the rest of the sentence is a part of
        part_window = ""
        whole_of: Mention | None = None
        alone = {t for t in vocab.alone_as
                 if sum(1 for sp in s.spans if sp is not None and sp.tag == "thing." + t) == 1
                 and not any(sp is not None and sp.tag == "thing." + vocab.alone_as[t]
                             for sp in s.spans)}
        for m in s.mentions:
            order += 1
            if m.thing in alone:
                m.thing = vocab.alone_as[m.thing]
            m.sentence_id = id(s)
            m.role = s.role
            if m.noise:
                m.why = m.noise
                continue
            if whole_of is not None:
                # "329 de los 1.105 prisioneros sufren ...": 1.105 restates the whole, and
                # what the clause says of it is said of the 329
                part_m, whole_of = whole_of, None
                if part_m.thing_how != "left" or not part_m.thing:
                    part_m.thing, part_m.thing_how = m.thing, "right"
                part_m.objects, part_m.event = list(m.objects), part_m.event or m.event
                m.event, m.objects, m.why = "", [], "the whole a part is taken of"
                _decide(s, part_m, pub, doc, vocab, pubd, year_hint)
                if part_m.metric:
                    out.append(Candidate(part_m.metric, part_m.period, part_m.value,
                                         part_m.qualifier, s.text, part_m.strength, order, part_m))
            if m.part_of_next:
                whole_of = m
                prev = m
                continue
            # ellipsis: a bare number counts what the previous one counted; one in brackets
            # lends its noun only inside them ("13 nuevos presos (dos de ellos menores) y
            # 13 excarcelados": the second 13 are not minors)
            lender = prev if (m.in_brackets or prev is None or not prev.in_brackets) \
                else prev_outside
            if not m.thing and lender is not None and lender.thing and not lender.thing \
                    .startswith("?") and not m.objects and not m.aside and \
                    m.thing_how != "event noun":
                m.thing, m.thing_how = lender.thing, "ellipsis"
                if not m.event and lender.clause != m.clause and not m.stock_words:
                    m.event = lender.event
                    for md in lender.mods:
                        if md not in m.mods:
                            m.mods.append(md)
            # "gained 3 new Convicts, 1 new Condemned and 2 other political prisoners": the
            # items of a list share its verb
            if (not m.event and prev is not None and prev.sentence_id == id(s)
                    and prev.event and m.clause > prev.clause and m.list_item
                    and not any(t.low == ";" for t in s.toks[prev.index:m.index])
                    and not any(s.clause_of[e.start] == m.clause for e in s.times)
                    and not m.stock_words and 0 <= prev.event_pos < prev.index):
                m.event, m.event_pos = prev.event, prev.event_pos
                for md in prev.mods:
                    if md not in m.mods:
                        m.mods.append(md)
            # "96 contra mujeres, frente a 87 contra hombres": two groups, not two periods
            if m.compare and prev is not None and m.thing_how == "right" and m.thing \
                    and prev.thing and m.thing != prev.thing:
                m.compare = False
            if "new" in m.mods and m.event not in ("leave", "sentence", "detain"):
                m.event = "enter"
            if m.of in ("?", "?after") and prev is None and last is not None:
                # "De ellos, 68 ...": the count an earlier sentence gave, the whole it is a
                # part of: its first count at least as large, the nearest sentence first
                prev = next((w for sent in reversed(history) for w in sent
                             if w.value >= m.value and w.window in ("", "month")), None)
                if prev is not None and not m.thing and prev.thing and not prev.thing \
                        .startswith("?") and not m.objects:
                    m.thing, m.thing_how = prev.thing, "ellipsis"
            if m.of in ("?", "?after"):
                after = m.of == "?after"
                m.of = (prev.metric or ("?" + prev.thing)) if prev is not None else "?"
                if not after:
                    part = m.of
                    part_window = prev.window if prev is not None else ""
                # a part of a count over a window is over that window, and of a count
                # for a year, of that year ("En 2021 hubo 5.870 ... y, de ellas, 1.785")
                if prev is not None and prev.window and not m.window:
                    m.window = prev.window
                if prev is not None and prev.anchor is not None and prev.anchor.kind == "year" \
                        and (prev.sentence_id == id(s) or not after):
                    m.part_anchor = prev.anchor
            elif part and not m.head:
                m.of = part
                m.window = m.window or part_window
            elif m.in_brackets and prev is not None and not m.of and prev.sentence_id == id(s):
                m.of = prev.metric or ("?" + prev.thing)
            if m.event in FLOW_EVENTS and m.stock_words and not any(
                    e.kind in ("month", "date", "rel_last", "rel_this", "year")
                    and s.clause_of[e.start] == m.clause for e in s.times):
                m.window = m.window or "cumulative"
            if m.window == "anaphoric":
                m.window = prev_window or ""
            sent_window = sent_window or m.window
            _decide(s, m, pub, doc, vocab, pubd, year_hint)
            if m.metric:
                out.append(Candidate(m.metric, m.period, m.value, m.qualifier, s.text,
                                     m.strength, order, m))
            if (m.thing and not m.thing.startswith("?")) or m.metric:
                prev = m
                if not m.in_brackets:
                    prev_outside = m
            if m.head or m.colon_head:
                part = m.metric or ("?" + m.thing)
                part_window = m.window
        prev_window = sent_window or next(
            (sp.tag[7:] for sp in s.spans if sp is not None and sp.tag.startswith("window.")
             and sp.tag != "window.anaphoric"), "")
        history.append([m for m in s.mentions if m.thing and not m.thing.startswith("?")
                        and not m.of and not m.noise])
        if prev is not None:
            last = prev
        _deaths(s, out)
    return out


def _deaths(s: Sentence, cands: list[Candidate]) -> None:
    """'siete bajas: seis tras cumplir condena y una por fallecimiento': a death is not a
    release, so the exits counted in the sentence lose the deaths named after them."""
    rel = [c for c in cands if c.mention.sentence_id == id(s) and c.mention.event == "leave"]
    if not rel:
        return
    first = rel[0].mention.index
    rel = rel[:1]          # the exits' count; the breakdown after it is no candidate
    deaths = sum(m.value for m in s.mentions if m.index > first and m.event == "die"
                 and not m.noise)
    deaths += sum(1 for i, sp in enumerate(s.spans) if sp is not None and sp.start == i
                  and sp.tag == "death.one" and i > first)
    if deaths:
        for c in rel:
            if c.value > deaths:
                c.value -= deaths
                c.mention.value = c.value
                c.mention.rule += " minus deaths"


def _decide(s: Sentence, m: Mention, pub: YM | None, doc: YM | None, vocab: Vocabulary,
            pubd: tuple[int, int, int | None] | None, year_hint: int | None = None) -> None:
    rule = next((r for r in vocab.rules if r.matches(m)), None)
    if rule is None:
        m.why = _why_no_rule(m, vocab)
        return
    if m.compare and not m.prev_month and m.prev_month_expr is None:
        m.why = "a term of comparison"
        return
    if m.attribution in ("other", "government announcement", "announcement"):
        m.why = {"other": "another organisation"}.get(m.attribution, m.attribution)
        return
    # the anchor: a time expression in the clause, else earlier in the sentence, else the
    # page's month
    anchor = _anchor(s, m) or m.part_anchor
    m.anchor = anchor
    window = m.window
    period: str | None = None
    yearly_rule = next((r for r in vocab.rules if r.period == "yearly" and r.matches(m)
                        and r.metric == rule.metric), None)
    if anchor is not None and anchor.kind != "year" and anchor.role in ("begin", "begun") and \
            _ends(s, m):
        # "Mayo comenzó con 1.100 ... y terminó con 1.113": the count it ended with
        anchor = dataclasses.replace(anchor, role="cutoff")
        m.anchor = anchor
    if anchor is not None and anchor.kind != "year" and anchor.role in ("begin", "begun"):
        # "Octubre de 2020 comenzó con 138": the writers mean the list the month before
        # closed with as often as this month's, so the month is unclear
        m.why = "a count at the start of a month: this month's or the month before's"
        return
    if anchor is not None and anchor.role == "dateline":
        anchor = None
        m.anchor = None
    if anchor is not None and anchor is m.prev_month_expr:
        anchor = None        # "frente a 1.105 en agosto": that month's, decided below
        m.anchor = None
    if anchor is not None and anchor.role in ("since", "event", "compare", "range"):
        m.why = {"since": "window since a date", "event": "date of an event",
                 "compare": "a term of comparison", "range": "a range of dates"}[anchor.role]
        return
    if anchor is not None and anchor.kind in ("year", "range"):
        if anchor.kind == "range":
            m.why = "a range of dates"
            return
        if anchor.role == "cutoff" and not (rule.flow or m.event in FLOW_EVENTS):
            period = f"{anchor.year:04d}-12"
        elif anchor.role == "begin" and not (rule.flow or m.event in FLOW_EVENTS):
            period = f"{(anchor.year or 1) - 1:04d}-12"   # "al comenzar 2021 hay 134"
        elif anchor.role == "begun" and not (rule.flow or m.event in FLOW_EVENTS):
            period = f"{anchor.year:04d}-01"              # "2021 comenzó con 138"
        elif anchor.role in ("begin", "begun", "cutoff") and not (
                anchor.role == "cutoff" and vocab.year_end_flow == "yearly"):
            m.why = "a flow at a year's start or end: month or year unclear"
            return
        else:
            window = window or "year"
            if window not in ("year",):
                m.why = _window_why(window)
                return
            yr = next((r for r in vocab.rules if r.period == "yearly" and r.matches(m)), None)
            if yr is None:
                m.why = f"a count for the year {anchor.year}, not a metric"
                return
            m.metric, m.rule, m.period = yr.metric, yr.name + "/yearly", f"{anchor.year:04d}"
            m.strength = _strength(m)
            _after_publication(m, pubd)
            return
    if window == "prev_year_end":
        window = "year_end"     # "al cierre del año pasado": the year before publication's
        if pub is not None and not m.window_year:
            m.window_year = pub.year - 1
    if window == "year_end":
        # "Cuba cerró 2023 con 3.830 acciones": the year's count of a flow; "Cuba cerró
        # 2022 con 1.057 presos": the list at December's close
        yr_val = m.window_year or (anchor.year if anchor is not None and anchor.kind == "year"
                                   else None)
        if yr_val is None:
            m.why = "a year's close, year unknown"
            return
        if yearly_rule is not None:
            m.metric, m.period, m.rule = yearly_rule.metric, str(yr_val), \
                yearly_rule.name + "/yearly"
            m.strength = _strength(m)
            _after_publication(m, pubd)
            return
        if rule.period == "monthly" and not rule.flow and m.event not in FLOW_EVENTS:
            m.metric, m.period, m.rule = rule.metric, f"{yr_val:04d}-12", rule.name
            m.anchor_how = "the year's close"
            m.strength = _strength(m) + 1
            _after_publication(m, pubd)
            return
        m.why = "a flow at a year's close: month or year unclear"
        return
    if window == "prev_year":
        # "el año pasado entraron 230": the year before publication's, read as a yearly
        # count only from a page about that year's end (a January balance)
        if yearly_rule is not None and pub is not None and doc is not None and \
                doc.month == 12 and doc.year == pub.year - 1:
            m.metric, m.period = yearly_rule.metric, str(doc.year)
            m.rule = yearly_rule.name + "/yearly"
            m.strength = _strength(m)
            _after_publication(m, pubd)
            return
        m.why = "last year's count"
        return
    if window:
        if window == "year" and yearly_rule is not None:
            yr_val = doc.year if doc is not None and doc.month == 12 else year_hint
            if m.window_year:
                yr_val = m.window_year
            if anchor is not None and anchor.year:
                yr_val = anchor.year
            if yr_val is None:
                m.why = "yearly window, year unknown"
                return
            m.metric, m.period = yearly_rule.metric, str(yr_val)
            m.rule = yearly_rule.name + "/yearly"
            m.strength = _strength(m)
            _after_publication(m, pubd)
            return
        m.why = _window_why(window)
        return
    if rule.period != "monthly":
        m.why = "yearly metric without a year"
        return
    if m.prev_month_expr is not None and doc is not None and _anchor_month(
            m.prev_month_expr, pub, doc, vocab) == doc.shift(-1):
        m.prev_month = True
    if m.compare and not m.prev_month:
        m.why = "a term of comparison"
        return
    if m.prev_month and doc is not None:
        period = str(doc.shift(-1))     # "frente a los 1.192 del mes anterior"
        m.anchor_how = "the month before the page's"
        anchor = None
    if period is None:
        if anchor is not None:
            ym = _anchor_month(anchor, pub, doc, vocab)
            if ym is None:
                m.why = "period unknown"
                return
            m.anchor_how = "clause" if s.clause_of[anchor.start] == m.clause else "sentence"
        else:
            ym = doc
            m.anchor_how = "page month"
            if ym is None:
                m.why = "period unknown"
                return
        period = str(ym)
    m.metric, m.rule, m.period = rule.metric, rule.name, period
    m.strength = _strength(m)
    if m.strength < rule.min_strength:
        m.metric, m.why = "", "no sign that it is the whole count (a verb of holding, " \
            "a total, a cut-off date or the headline)"
        return
    _after_publication(m, pubd)


_END_VERBS = {"termino", "cerro", "acabo", "finalizo", "concluyo", "ended", "closed",
              "finished", "termina", "cierra", "ends", "closes"}


def _ends(s: Sentence, m: Mention) -> bool:
    """A verb of ending before the number, after the month its sentence opened with
    ("Mayo comenzó con 1.100 ... y terminó con 1.113, después de que se añadieran 19")."""
    start = next((e.end for e in s.times if e.end <= m.index), 0)
    return any(s.toks[k].low in _END_VERBS for k in range(start, m.index))


def _after_publication(m: Mention, pubd: tuple[int, int, int | None] | None) -> None:
    """A report never describes a month (or a year) after its publication month; a year
    still running at publication has a year-to-date count, not a yearly one."""
    if pubd is None:
        return
    if len(m.period) == 4 and int(m.period) == pubd[0] and pubd[1] < 12:
        m.why = f"year {m.period} not over at publication: a year-to-date count"
        m.metric = ""
        return
    pub = f"{pubd[0]:04d}-{pubd[1]:02d}"
    if (len(m.period) == 7 and m.period > pub) or (len(m.period) == 4 and m.period > pub[:4]):
        m.why = f"period after publication month ({m.period} > {pub})"
        m.metric = ""


def _strength(m: Mention) -> int:
    """2 for a thing named with the number, 1 by ellipsis; +1 with a sign that the number
    is a stock stated as such (a verb of holding, 'un total de', a cut-off, a headline)."""
    stock = (m.event == "held" or m.stock_words or m.role in ("title", "subtitle")
             or m.thing in ("list",) or m.thing_how == "left"
             or (m.anchor is not None and m.anchor.role in ("cutoff", "begin", "begun")))
    if m.thing_how == "ellipsis":
        return 1 + stock
    return 3 if stock else (2 if m.clean else 1)


def _window_why(window: str) -> str:
    return {"12m": "12-month window", "ytd": "year-to-date window", "year": "yearly window",
            "since": "window since a date", "past": "another, past period",
            "average": "an average", "percentage": "a percentage",
            "semester": "a semester or quarter window", "week": "a window of days or weeks",
            "cumulative": "a cumulative count", "event": "a count around an event",
            "projection": "a projection, not a count",
            }.get(window, f"{window} window")


def _why_no_rule(m: Mention, vocab: Vocabulary) -> str:
    if m.thing.startswith("?"):
        return f"counts '{m.thing[1:]}', no metric"
    if not m.thing:
        return "no counted thing"
    if m.of and m.of != "":
        return f"subset of {m.of.lstrip('?')}"
    if m.scope:
        return f"subset: {m.scope}"
    return f"no metric for {m.thing}" + (f" {m.event}" if m.event else "")


def _anchor(s: Sentence, m: Mention) -> timex.TimeExpr | None:
    same = [e for e in s.times if s.clause_of[e.start] == m.clause]
    before = [e for e in same if e.end <= m.index]
    after = [e for e in same if e.start > m.index]
    if before:
        return before[-1]
    if after:
        return after[0]
    resets = [i for i, sp in enumerate(s.spans) if sp is not None and sp.tag == "reset"
              and sp.start == i and s.toks[i].low != ";"]
    earlier = [e for e in s.times if e.end <= m.index and (e.role in (
        "plain", "cutoff", "begin", "begun", "since") or e.kind == "range")
               and not any(e.end <= r < m.index for r in resets)
               and e.kind not in ("year",)]
    if earlier:
        return earlier[-1]
    # a year named earlier in the sentence as the window of the whole sentence
    years = [e for e in s.times if e.end <= m.index and e.kind == "year" and e.role == "plain"]
    if years and not any(years[-1].end <= r < m.index for r in resets) and not any(
            years[-1].end <= e.start < m.index for e in s.times if e is not years[-1]):
        return years[-1]
    return None


# ------------------------------------------------------------------------ the choice

def _choose(out: Extraction, cands: list[Candidate], vocab: Vocabulary, reading: Reading) -> None:
    """One value per (metric, period): the best-stated; two that disagree cancel out."""
    # a figure the page also gives as a window count (12 months, since a date) is that
    windowed = {(m.value, m.thing) for s in reading.sentences for m in s.mentions
                if m.window in ("12m", "ytd", "since", "cumulative", "past")}
    kept_cands = []
    for c in cands:
        if (c.value, c.mention.thing) in windowed and c.mention.window == "":
            c.mention.why = "the page gives this figure as a window count elsewhere"
            c.mention.metric = ""
        else:
            kept_cands.append(c)
    cands = kept_cands
    # a figure dated only by the page's month that the text dates otherwise, in a clause of
    # its own, is that statement again: its date is the text's, so the page month is wrong
    dated = {}
    for s in reading.sentences:
        for m in s.mentions:
            if m.period and m.anchor_how in ("clause", "sentence"):
                dated.setdefault((m.value, m.thing), set()).add(m.period)
    kept_cands = []
    for c in cands:
        other = dated.get((c.value, c.mention.thing), set()) - {c.period}
        if c.mention.anchor_how == "page month" and other:
            c.mention.why = f"the text dates this figure {sorted(other)[0]}"
            c.mention.metric = ""
        else:
            kept_cands.append(c)
    cands = kept_cands
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in cands:
        groups.setdefault((c.metric, c.period), []).append(c)
    chosen: list[Candidate] = []
    for (metric, per), cs in groups.items():
        kept = [c for c in cs if not _approximation(c, vocab)]
        for c in cs:
            if c not in kept:
                c.mention.why = "a hedged round number"
                c.mention.metric = ""
        if not kept:
            continue
        # "Más de 200 detenciones" in the title, "documentó 220" in the text: a hedged
        # figure the exact count satisfies restates it, whatever their strengths
        exacts = {c.value for c in kept if c.qualifier == "exact"}
        if len(exacts) == 1:
            (ex,) = exacts
            looser = [c for c in kept if c.qualifier != "exact" and c.value != ex
                      and _satisfies(ex, c)]
            for c in looser:
                c.mention.why = f"a hedged statement of the count {ex}"
                c.mention.metric = ""
            kept = [c for c in kept if c not in looser]
        top = max(c.strength for c in kept)
        pool = [c for c in kept if c.strength == top]
        exact = [c for c in pool if c.qualifier == "exact"] or pool
        values = sorted({c.value for c in exact})
        # one sentence never states one count twice with two values: "784 are Convicted
        # of Conscience; 234 Convicted of Conscience and 30 ..." is garbled, whatever the
        # strengths
        for c in pool:
            values = sorted(set(values) | {
                o.value for o in kept if o.mention.sentence_id == c.mention.sentence_id
                and o.qualifier == "exact" and o.mention.thing_how in ("right", "left")
                and c.mention.thing_how in ("right", "left")})
        if len(values) > 1:
            msg = f"conflicting {metric} {per}: {values}"
            log.info("%s: %s stated as %s; emitting none", out.url, f"{metric} {per}", values)
            out.notes.append(msg)
            for c in cs:
                c.mention.why = f"two candidates disagree ({values})"
                c.mention.metric = ""
            continue
        best = min(exact, key=lambda c: c.order)
        hedged = [c for c in kept if c.value == best.value and c.qualifier != "exact"]
        if hedged and best.qualifier == "exact":
            best.qualifier = hedged[0].qualifier   # "at least 338" said in the text
        for c in cs:
            if c is not best and c.mention.metric:
                c.mention.why = "restates the chosen figure" if c.value == best.value else \
                    "a weaker candidate"
        chosen.append(best)
    for c in sorted(chosen, key=lambda c: (c.order, c.metric)):
        obs = Observation(vocab.source, c.metric, c.period, c.value, c.qualifier,
                          out.published, out.url, c.evidence)
        obs.reading = c.mention.reading()
        out.observations.append(obs)
        if c.metric in vocab.headline and len(c.period) == 7:
            out.headline_found = True


def _satisfies(exact: int, c: Candidate) -> bool:
    """An exact count agrees with a hedged one: 'más de 200' and 220, 'casi 1.130' and
    1.118 (within a tenth)."""
    if exact == c.value:
        return True
    if c.qualifier == "at_least":
        return exact > c.value
    return abs(exact - c.value) <= c.value / 10


def _approximation(c: Candidate, vocab: Vocabulary) -> bool:
    """'casi 200', 'más de doscientos', 'más de 700': a hedged round number is an estimate,
    not a count ('al menos 1.234' is a count with its qualifier)."""
    if c.qualifier == "exact":
        return False
    if c.mention.words:
        return True                      # "más de doscientos": an estimate in words
    if c.qualifier == "about":
        return c.value % vocab.drop_about == 0
    return c.value % vocab.drop_round_hedges == 0


def explain(reading: Reading) -> list[str]:
    """One line per number on the page: its reading and the decision."""
    lines = [f"page month: {reading.doc or 'unknown'}; published: {reading.pub or 'unknown'}",
             *reading.not_read]
    for s in reading.sentences:
        for m in s.mentions:
            r = m.reading()
            bits = [f"thing={r['thing'] or '-'}", f"event={r['event'] or '-'}",
                    f"scope={r['scope']}", f"window={r['window']}",
                    f"attribution={r['attribution'] or '-'}", f"anchor={r['anchor'] or '-'}"]
            decision = (f"-> {m.metric} {m.period}" if m.metric and not m.why
                        else f"-> no: {m.why or 'not a metric'}")
            lines.append(f"[{s.role}] {m.text!r} ({m.qualifier}) {' '.join(bits)} {decision}"
                         f"  | {s.text[:90]}")
    return lines


def load_vocabulary(folder: str | Path) -> Vocabulary:
    """A source folder's vocabulary.toml, named and headlined by its source.toml."""
    folder = Path(folder)
    decl = load_toml(folder / "source.toml")
    name = decl.get("name") or folder.name
    headline = tuple(m["name"] for m in decl.get("metrics", []) if m.get("headline")
                     and m.get("period", "monthly") == "monthly")
    return Vocabulary.load(name, folder / "vocabulary.toml", headline)
