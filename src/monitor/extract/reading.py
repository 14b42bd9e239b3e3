"""Readings: what each number in a sentence counts, and under which window and anchor.

A sentence is tokenised once, tagged once by the lexicon (shared + the source's
vocabulary), split into clauses, and every number token becomes a `Mention` with a
reading: the counted thing (the noun it quantifies, or the previous mention's by ellipsis),
the event, the scope, the window, the attribution, the time anchor. Rules in the source's
vocabulary then say which reading is which metric (see pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.extract import timex
from monitor.extract.lexicon import Lexicon, Span
from monitor.extract.timex import TimeExpr
from monitor.extract.tokens import Tok, tokenize

# a conjunction opens a new clause when a number or a verb of an event follows it
_CONJ = {"y", "e", "and", "mientras", "while", "whereas", "pero", "but", "aunque", "although",
         "ni", "nor", "o", "or"}
_HEADS = {("de", "los"), ("de", "las"), ("entre", "los"), ("entre", "las"), ("of", "the"),
          ("among", "the"), ("of", "its"), ("de", "sus"), ("de", "estos"), ("de", "estas")}
_CLAUSE_MARKS = {",", ";", ":", "(", ")", "\u2014", "\u2013", "[", "]", ".", "-"}
_CLEAN = {"en", "in", "cuba", "la", "isla", "the", "island", "de", "y", "conciencia", "and",
          "of", "conscience", ",", ".", "hoy", "today", "actualmente", "now", "ahora", "ya",
          "on", "our", "list", "lista", "su", "nuestra", "segun", "according", "to", "del",
          "pais", "country", "cubanas", "carceles", "prisons", "prisiones",
          "\"", "\u201d", "\u00bb", "'", "!", ")", "registrados", "verificados", "verified",
          "documentados", "documented"}
_QUOTES = "\"'\u201c\u201d\u00ab\u00bb"
_PREPOSITIONS = {"con", "with", "sin", "without", "in", "en", "on", "at", "during", "durante",
                 "por", "for", "by", "hasta", "until", "since", "desde", "tras", "after",
                 "segun", "according", "al"}
_VERB_EN = {"carry", "carries", "are", "were", "is", "was", "have", "had", "has", "remain",
            "remained", "face",
            "faced", "come", "came", "stem", "belong", "include", "serve", "served", "got",
            "received", "suffer", "continue", "need", "lack", "live", "still", "also"}
_NOUN_EN_ENDINGS = ("imagen", "orden", "regimen", "crimen", "origen", "joven", "examen",
                    "volumen", "resumen", "margen", "virgen", "dictamen", "germen", "abdomen",
                    "gran", "plan", "pan", "can", "an", "en", "ren")


def _looks_verb(w: str) -> bool:
    """A third-person plural verb by its ending (es) or a common verb (en): what follows
    a bare number ('891 proceden de ...', '30 cumplen condena') rather than its noun."""
    if w in _VERB_EN:
        return True
    if len(w) < 5 or w in _NOUN_EN_ENDINGS or (w.endswith(("men", "gen", "den")) and w in (
            "imagen", "orden", "origen", "crimen", "regimen")):
        return False
    return w.endswith(("aron", "ieron", "eron", "aban", "ian", "an", "en"))


_CLEAN_LEFT = {"con", "with", "hay", "there", "are", "were", "is", "was", "el", "los", "las",
               "un", "una", "a", "que", "who", "total", "cifra", "figure", "number", "numero"}
_NAME_LINKS = {"de", "del", "para", "los", "las", "la", "el", "y", "of", "for", "the", "and",
               "en", "in"}
_ARTICLES = {"el", "la", "los", "las", "the", "un", "una", "unos", "unas"}
_BE = {"fueron", "fue", "son", "es", "eran", "era", "were", "was", "are", "is"}
_NP_LINKS = {"a", "en", "contra", "to", "in", "against", "on", "sobre"}
_PRONOUNS = {"ellos", "ellas", "them", "whom", "cuales", "which", "que"}
_RELATIVE = {"que", "who", "which", "that", "quienes", "cuyos", "cuyas", "whose"}


@dataclass
class Mention:
    """One number of a sentence and its reading."""

    index: int                      # token index
    value: int
    text: str
    clause: int
    qualifier: str = "exact"
    words: bool = False             # written in words ("doscientos")
    thing: str = ""                 # counted thing class, "" none, "?word" an unknown noun
    thing_how: str = ""             # right | left | ellipsis | title
    event: str = ""
    mods: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    scope: str = ""
    of: str = ""                    # antecedent metric of a partitive ("de ellos, ...")
    window: str = ""
    attribution: str = ""
    anchor: TimeExpr | None = None
    anchor_how: str = ""
    compare: bool = False
    noise: str = ""                 # why this number is no count at all
    metric: str = ""                # the decision: a metric ...
    why: str = ""                   # ... or why not
    period: str = ""
    rule: str = ""
    strength: int = 0
    verb: str = ""                  # an unknown verb right after a bare number
    thing_end: int = -1             # token after the counted thing's words
    stock_words: bool = False       # "llega a", "un total de": a flow stated as a stock
    sentence_id: int = 0
    role: str = ""
    prev_month_expr: Any = None     # "frente a 1.105 en agosto": that month's, if the one before
    prev_month: bool = False        # "frente a los 1.192 del mes anterior": last month's
    event_pos: int = -1             # where its event word is
    list_item: bool = False         # opens its clause after "," / "y": an item of a list
    part_of_next: bool = False      # "329 de los 1.105 prisioneros": a part of the next
    clean: bool = False             # nothing but place, time or 'y de conciencia' after it
    colon_head: bool = False        # "33 menores: 29 ..., cuatro ...": a breakdown follows
    in_brackets: bool = False       # "(29 chicos y 3 chicas)"
    aside: bool = False             # inside "– ... –": its own statement, no ellipsis
    head: bool = False              # "de los 33 menores, ...": what follows is a part of it
    window_year: int = 0            # the year a yearly window names ("durante todo 2023")
    part_anchor: Any = None         # the year of the whole it is a part of

    def reading(self) -> dict[str, Any]:
        """The JSON-serialisable reading stored with an observation."""
        return {
            "thing": self.thing or None, "event": self.event or None,
            "scope": self.scope or ("of:" + self.of if self.of else None) or "whole",
            "window": self.window or "month",
            "attribution": self.attribution or None,
            "anchor": (self.anchor.describe() if self.anchor else None) or self.anchor_how
            or None,
            "period": self.period or None,
            "rule": self.rule or None, "why": self.why or None,
        }


@dataclass
class Sentence:
    text: str
    role: str                       # title | subtitle | lead | body
    block: int
    toks: list[Tok]
    spans: list[Span | None]
    times: list[TimeExpr]
    clause_of: list[int]
    mentions: list[Mention] = field(default_factory=list)
    in_time: set[int] = field(default_factory=set)
    dateline_end: int = 0           # "MADRID, España.-": the place before it is no scope

    def tag(self, i: int) -> str:
        s = self.spans[i]
        return s.tag if s is not None else ""


class Reader:
    """Reads sentences with one lexicon and one set of time roles."""

    def __init__(self, lexicon: Lexicon, roles: timex.Roles, words: dict[str, list[str]],
                 self_names: set[str]) -> None:
        self.lex = lexicon
        self.roles = roles
        self.filler = {w for p in words.get("filler", []) for w in p.split()}
        self.aux = {w for p in words.get("aux", []) for w in p.split()}
        self.containers = set(words.get("containers", ["case", "person"]))
        self.promote = set(words.get("promote", ["prisoner", "polreason"]))
        self.refine = set(words.get("refine", []))
        self.case_of = set(words.get("case_of", []))
        self.self_words = {fold_word for p in lexicon.phrases("org.self") for fold_word in
                           p.split() if fold_word not in _NAME_LINKS}
        self.org_heads = set(words.get("org_heads", []))
        self.total_thing = (words.get("total_thing") or [""])[0]
        self.related = [w for w in words.get("related", [])]
        # "5 detenciones de periodistas": a count of one group's
        self.groups = set(words.get("groups", []))
        self.grouped = set(words.get("grouped", []))

    def sentence(self, text: str, role: str, block: int) -> Sentence:
        toks = tokenize(text)
        spans = self.lex.spans(toks)
        if role == "body" and not any(t.kind == "num" for t in toks):
            # no number, no figure: only its words matter (a window "en ese período" of the
            # next sentence may refer to), so its times and clauses are not worked out
            return Sentence(text, role, block, toks, spans, [], [0] * len(toks))
        self._proper_bodies(toks, spans)
        times = timex.find(toks, spans, self.roles)
        s = Sentence(text, role, block, toks, spans, times, self._clauses(toks, spans))
        s.dateline_end = _dateline_end(toks)
        in_time = s.in_time
        for e in times:
            in_time.update(range(e.start, e.end))
        for i, t in enumerate(toks):
            sp = spans[i]
            if sp is not None and sp.tag == "one.part" and sp.start == i and s.mentions:
                m = self._mention(s, sp.end - 1)
                m.value, m.text, m.noise, m.of = 1, text[t.start:toks[sp.end - 1].end], "", \
                    "?after"
                s.mentions.append(m)
                continue
            if sp is not None and sp.tag == "same.number" and sp.start == i and s.mentions:
                # "seven new names ... and the same number of prisoners left"
                m = self._mention(s, sp.end - 1)
                m.value, m.text, m.noise = s.mentions[-1].value, text[t.start:toks[
                    sp.end - 1].end], ""
                s.mentions.append(m)
                continue
            if t.low in _ONE and s.mentions and i + 1 < len(toks) and i and toks[i - 1].low in (
                    "y", "and", ",", "e") and spans[i] is None and spans[i + 1] is not None \
                    and spans[i + 1].tag.startswith("thing."):
                # "nueve mujeres y un menor": 'un' counts in a list of counts
                t.value = 1
                s.mentions.append(self._mention(s, i))
                continue
            if t.kind != "num" or i in in_time or (spans[i] is not None):
                continue
            s.mentions.append(self._mention(s, i))
        _share_units(s)
        return s

    def _proper_bodies(self, toks: list[Tok], spans: list[Span | None]) -> None:
        """A capitalised name the lexicon does not know, with the head noun of a body
        ("el Centro Cubano de Derechos Humanos"), is another organisation."""
        n, i = len(toks), 0
        while i < n:
            if spans[i] is not None or toks[i].kind != "word" or not toks[i].text[:1].isupper():
                i += 1
                continue
            j, caps, head = i, 0, False
            while j < n and spans[j] is None and toks[j].kind == "word" and (
                    toks[j].text[:1].isupper() or (toks[j].low in _NAME_LINKS and j + 1 < n
                                                   and toks[j + 1].text[:1].isupper())):
                if toks[j].text[:1].isupper():
                    caps += 1
                    head = head or toks[j].low in self.org_heads
                j += 1
            if head and caps >= 2:
                # "the Cuban Observatory of Human Rights (OCDH)": our name, said otherwise
                ours = (j + 1 < n and toks[j].low == "(" and spans[j + 1] is not None
                        and spans[j + 1].tag == "org.self") or {
                    t.low for t in toks[i:j] if t.low not in _NAME_LINKS} <= self.self_words
                span = Span("org.self" if ours else "org.other", i, j)
                for k in range(i, j):
                    spans[k] = span
            i = max(j, i + 1)

    def _clauses(self, toks: list[Tok], spans: list[Span | None]) -> list[int]:
        """Clause number per token. A bracketed aside is a clause of its own, and the
        clause around it goes on after it ("661 de estas personas (...) fueron ...")."""
        out, c = [], 0
        n = len(toks)
        top = 0
        saved: list[int] = []
        for i, t in enumerate(toks):
            if t.low == "(" and t.kind == "mark":
                saved.append(c)
                top += 1
                c = top + 1000
            elif t.low == ")" and t.kind == "mark" and saved:
                out.append(c)
                c = saved.pop()
                continue
            elif t.kind == "mark" and t.low in _CLAUSE_MARKS:
                top += 1
                c = top if not saved else top + 1000
            elif spans[i] is None or spans[i].start == i:
                if False:
                    pass
                elif t.low in _CONJ and spans[i] is None and i + 1 < n:
                    nxt = toks[i + 1]
                    nxt2 = toks[i + 2] if i + 2 < n else None
                    tag = spans[i + 1].tag if spans[i + 1] is not None else ""
                    if (nxt.kind == "num" and spans[i + 1] is None) or tag.startswith("event.") or (
                            nxt.low in self.filler and nxt2 is not None and nxt2.kind == "num"):
                        top += 1
                        c = top if not saved else top + 1000
            out.append(c)
        return out

    # ------------------------------------------------------------------ one number
    def _mention(self, s: Sentence, i: int) -> Mention:
        t = s.toks[i]
        m = Mention(i, t.value or 0, t.text, s.clause_of[i], words=t.words)
        toks, n = s.toks, len(s.toks)
        if t.decimal:
            m.noise = "decimal"
            return m
        # right after: a unit or a percentage makes it no count
        j = i + 1
        if j < n:
            tag = s.tag(j)
            if tag == "unit.percent":
                m.window, m.noise = "percentage", "percentage"
                return m
            if tag == "unit" and not (toks[j].low in ("de", "edad") and m.value > 31):
                m.noise = "unit: " + toks[j].low
                return m
            if toks[j].low == "-" and j + 1 < n and s.tag(j + 1) == "unit":
                m.noise = "unit: " + toks[j + 1].low       # "a 72-year-old activist"
                return m
        if 1 <= m.value <= 31 and _day_of_a_date(s, i):
            m.noise = "a day of a date"        # "entre el 15 y el 20 de enero"
            return m
        if i and s.tag(i - 1) == "noise.before":
            m.noise = "after " + toks[i - 1].low
            return m
        if i and toks[i - 1].low in ("/", "-", ".") and i >= 2 and toks[i - 2].kind == "num":
            m.noise = "part of a code or a date"
            return m
        # qualifier: a tag ending just before (over quotes and brackets)
        k = i - 1
        while k >= 0 and toks[k].kind == "mark" and toks[k].low in "\"'\u201c\u201d\u00ab\u00bb(":
            k -= 1
        if k >= 0:
            tag = s.tag(k)
            if tag in ("qual.at_least", "qual.about"):
                m.qualifier = "at_least" if tag == "qual.at_least" else "about"
                k = s.spans[k].start - 1       # type: ignore[union-attr]
        # comparison: "frente a 1.170", "up from 1,105"
        for back in range(max(0, k - 1), k + 1):
            if back >= 0 and s.tag(back) == "compare":
                m.compare = True
        first = i
        while first > 0 and s.clause_of[first - 1] == m.clause:
            first -= 1
        for k2 in range(0, i - 2):
            if toks[k2].low in ("entre", "among") and toks[k2 + 1].low in ("los", "las", "the") \
                    and s.tag(k2 + 2).startswith("thing.") and not m.of:
                m.of = "?" + s.tag(k2 + 2)[6:]
        if (first > 0 and toks[first - 1].low == "(") or (first < n and toks[first].low == "(") \
                or m.clause >= 1000:       # clauses inside brackets are numbered from 1000
            m.in_brackets = True
        if i + 3 < n and toks[i + 1].low in ("de", "of") and toks[i + 2].low in (
                "los", "las", "the") and toks[i + 3].kind == "num":
            m.part_of_next = True
        self._thing(s, m)
        # "275 acciones represivas como mínimo", "1,100 or more": a qualifier after its noun
        after = m.thing_end if m.thing_end > m.index else m.index + 1
        if m.qualifier == "exact" and after < n and s.tag(after) == "qual.at_least" and \
                toks[after].low in _POSTPOSED:
            m.qualifier = "at_least"
        self._context(s, m)
        if m.compare:
            # "del mes anterior" / "in the previous month" right after it (over its noun)
            kk = max(m.thing_end, i + 1)
            while kk < n and toks[kk].low in self.filler and s.spans[kk] is None:
                kk += 1
            words = " ".join(t.low for t in toks[kk:kk + 5])
            if words.startswith(("del mes anterior", "of the previous month",
                                 "the previous month", "in the previous month",
                                 "el mes anterior", "del mes pasado", "last month")):
                m.prev_month = True
            else:
                for e in s.times:
                    if e.start >= kk and e.start - kk <= 1 and e.kind == "month" and \
                            s.clause_of[e.start] == m.clause:
                        m.prev_month_expr = e
                        break
        # what follows its thing: a clean end, or a colon opening a breakdown
        if m.thing and not m.thing.startswith("?") and m.thing_end >= 0:
            kk = m.thing_end
            clean = True
            while kk < n and s.clause_of[kk] == m.clause:
                if toks[kk].low not in _CLEAN and kk not in s.in_time and not (
                        s.tag(kk).startswith("org.") or s.tag(kk) in ("reset", "stock")):
                    clean = False
                    break
                kk += 1
            # and before it: only time, the organisation, a verb of holding, a qualifier
            k2 = m.index - 1
            while clean and k2 >= 0 and s.clause_of[k2] == m.clause:
                tg = s.tag(k2)
                if not (toks[k2].low in _CLEAN or toks[k2].low in _CLEAN_LEFT
                        or k2 in s.in_time or tg.startswith(("org.", "qual.", "event.held"))
                        or tg in ("copula", "total", "stock", "reset")):
                    clean = False
                k2 -= 1
            m.clean = clean
        kk = max(m.thing_end, i + 1)
        other_number = False
        while kk < n and s.clause_of[kk] == m.clause:
            other_number = other_number or toks[kk].kind == "num"
            kk += 1
        while kk < n and toks[kk].low in ("\u2014", "(", "-", "\u2013"):
            close = {"(": ")"}.get(toks[kk].low, toks[kk].low)
            kk += 1
            while kk < n and toks[kk].low != close:
                kk += 1
            kk += 1
        if kk < n and toks[kk].low == ":" and not other_number:
            m.colon_head = True
        first = i
        while first > 0 and s.clause_of[first - 1] == m.clause:
            first -= 1
        # an item of a list: its clause opens with "," / "y" and holds nothing before it
        opener = toks[first].low if toks[first].kind == "mark" else (
            toks[first - 1].low if first else "")
        lead = [t.low for t in toks[first:i] if t.low not in (",", ";")]
        m.list_item = first > 0 and (opener == "," or lead[:1] in (["y"], ["and"])) and all(
            w in self.filler or w in ("y", "and", "e") for w in lead)
        before = tuple(t.low for t in toks[max(0, k - 1):k + 1])
        if before in _HEADS and m.thing and not m.thing.startswith("?"):
            m.head = True
        return m

    def _thing(self, s: Sentence, m: Mention) -> None:
        """The noun the number counts: the first content word after it (over fillers,
        'nuevos', quotes), else a thing before it joined by a copula or 'total de', else
        none (the caller carries the previous mention's by ellipsis)."""
        toks, n = s.toks, len(s.toks)
        j = m.index + 1
        steps = 0
        whole_of = m.index + 2 < n and toks[m.index + 1].low in ("of", "de") and toks[
            m.index + 2].low in ("the", "los", "las")
        while j < n and steps < 8:
            tag = s.tag(j)
            t = toks[j]
            if j in s.in_time:
                m.thing_how = "bare"
                break
            if tag.startswith("thing.") and whole_of:
                # "Arbitrary arrests accounted for 90 of the repressive actions"
                left = self._left_thing(s, m)
                if left:
                    m.thing, m.thing_how, m.of = left, "left", "?" + tag[6:]
                    m.thing_end = s.spans[j].end  # type: ignore[union-attr]
                    return
                # "Fifteen of the minors ...", "472 de los presos ...": a part of them
                m.of = m.of or "?" + tag[6:]
            if tag.startswith("thing."):
                m.thing, m.thing_how = tag[6:], "right"
                span = s.spans[j]
                j = span.end if span else j + 1
                # "36 casos de otros presos políticos": the cases are of that thing
                if m.thing in self.containers and j + 1 < n and toks[j].low in ("de", "of"):
                    k = j + 1
                    while k < n and s.tag(k).startswith("mod."):
                        m.mods.append(s.tag(k)[4:])
                        k = s.spans[k].end  # type: ignore[union-attr]
                    if k < n and s.tag(k).startswith("thing."):
                        m.thing = s.tag(k)[6:]
                        j = s.spans[k].end  # type: ignore[union-attr]
                # "30 casos se consideran «no catalogables»": the kind the cases are
                if m.thing in self.containers:
                    k = j
                    while k < n and (s.tag(k) == "copula" or toks[k].low in self.aux or (
                            toks[k].kind == "mark" and toks[k].low in _QUOTES)):
                        k = s.spans[k].end if s.spans[k] else k + 1
                    if k > j and k < n and s.tag(k).startswith("thing.") and s.tag(k)[6:] in \
                            self.refine:
                        m.thing = s.tag(k)[6:]
                        j = s.spans[k].end  # type: ignore[union-attr]
                # "806 prisioneros convictos de conciencia": the kind named right after
                if j < n and s.tag(j).startswith("thing.") and s.tag(j)[6:] in self.refine:
                    m.thing = s.tag(j)[6:]
                    j = s.spans[j].end  # type: ignore[union-attr]
                # "ocho casos nuevos": a modifier after the noun
                while j < n and s.tag(j).startswith("mod."):
                    if s.tag(j)[4:] not in m.mods:
                        m.mods.append(s.tag(j)[4:])
                    j = s.spans[j].end  # type: ignore[union-attr]
                m.thing_end = j
                # "..., con 83 casos": the cases of the sentence's subject
                if m.thing in self.containers and self.case_of and all(
                        t.kind == "mark" for t in toks[j:j + 1]):
                    for k in range(m.index):
                        tg = s.tag(k)
                        if tg.startswith("thing.") and tg[6:] in self.case_of:
                            m.thing = tg[6:]
                            break
                # (not "contra activistas": the acts of repression are against them)
                if self.groups and m.thing in self.grouped and j + 1 < n and toks[j].low in (
                        "de", "of") and s.tag(j + 1)[6:] in \
                        self.groups and s.tag(j + 1).startswith("thing."):
                    m.scope = m.scope or "group: " + toks[j + 1].low
                # "387 prisioneros con sentencia": 'con' + a word narrows the count
                if j + 1 < n and toks[j].low in ("con", "with") and toks[j + 1].kind == "word" \
                        and not s.tag(j + 1).startswith("thing."):
                    m.scope = m.scope or "those with " + toks[j + 1].low
                # "32 menores que cumplen condena": a relative clause narrows the count
                if j < n and toks[j].low in _RELATIVE:
                    k = j + 1
                    while k < n and (toks[k].low in self.aux or toks[k].low.endswith(
                            ("ly", "mente"))):
                        k += 1
                    # (not "que la organización contabilizó": an object relative says who
                    # counted them, it does not narrow them)
                    if k < n and not s.tag(k).startswith(("event.", "thing.", "org.")) \
                            and toks[k].kind == "word" and toks[k].low not in _ARTICLES:
                        m.scope = m.scope or "those who " + toks[k].low
                return
            if tag.startswith("mod."):
                m.mods.append(tag[4:])
                j = s.spans[j].end  # type: ignore[union-attr]
                steps += 1
                continue
            if tag == "event.held" and steps < 4:
                m.event = m.event or "held"
                j = s.spans[j].end  # type: ignore[union-attr]
                steps += 1
                continue
            if tag.startswith("event.") or tag == "copula" or t.low in self.aux:
                # "13 salieron", "4 fueron excarcelados", "691 son convictos"
                if tag == "copula" or t.low in self.aux:
                    j = s.spans[j].end if s.spans[j] else j + 1
                    steps += 1
                    continue
                m.thing_how = "bare"
                if tag.startswith("event.") and j > m.index + 1 and toks[j - 1].low in (
                        "los", "las", "the"):
                    m.thing_how = "nominal"     # "suman 190 los procesados": they count
                    return
                if tag.startswith("event.") and toks[s.spans[j].end - 1].low.endswith(  # type: ignore[union-attr]
                        _NOMINAL_ENDINGS):
                    m.thing_how = "event noun"  # "13 excarcelaciones": no noun to borrow
                break
            if tag in ("partitive", "total") or tag.startswith("scope.") or tag.startswith(
                    "qual."):
                if tag.startswith("scope."):
                    m.scope = m.scope or tag[6:]
                j = s.spans[j].end  # type: ignore[union-attr]
                if tag.startswith("scope.") and not s.tag(j).startswith("thing."):
                    m.thing_how = "bare"     # "362 ... del 11J": no noun after a scope
                    break
                steps += 1
                continue
            if t.low in self.filler or (t.kind == "mark" and t.low in _QUOTES):
                j += 1
                steps += 1
                continue
            if t.kind == "word" and not tag and (t.low in _PREPOSITIONS or t.low in _CONJ):
                # "Se incorporaron siete y salieron otros siete": no noun follows it
                m.thing_how = "bare"      # "reach 1,100 in April": the noun is before it
                break
            if t.kind == "word" and not tag:
                if _looks_verb(t.low) or t.text[-1:] in "óÓ":
                    # "891 proceden de ...", "se empleó": a verb (a preterite keeps its ó)
                    m.thing_how, m.verb = "bare", t.low
                    break
                m.thing, m.thing_how = "?" + t.low, "right"
                break
            m.thing_how = "bare"
            break
        # "(114, de un total de 192)": a figure in brackets counts the sentence's subject
        opening = m.index - 1
        if m.index >= 2 and toks[m.index - 1].low in ("to", "a", "hasta") and any(
                t.low in ("from", "de", "desde") for t in toks[max(0, m.index - 4):m.index - 1]):
            # "(up from 18 to 23)": the value it went to is the subject's now
            opening = next((k for k in range(m.index - 1, -1, -1) if toks[k].low == "("), -1)
        if not m.thing and opening >= 0 and toks[opening].low in ("(", "-", "\u2013", "\u2014") \
                and not (m.index + 1 < len(toks) and s.tag(m.index + 1) == "partitive"):
            before = s.clause_of[opening - 1] if opening >= 1 else 0
            for k in range(max(opening, 0)):
                if s.clause_of[k] != before:
                    continue
                tg = s.tag(k)
                if tg.startswith("thing.") and (k == 0 or s.spans[k].start == k):  # type: ignore[union-attr]
                    m.thing, m.thing_how = tg[6:], "left"
                    break
            if m.thing:
                return
        left = self._left_thing(s, m)
        if left:
            m.thing, m.thing_how = left, "left"
            m.thing_end = m.index + 1

    def _left_thing(self, s: Sentence, m: Mention) -> str:
        """'el número de mujeres presas políticas es de 122', 'la lista asciende a': a
        thing before the number, joined to it by a copula, 'total' or ':'."""
        toks = s.toks
        k = m.index - 1
        saw_link = False
        clause = m.clause
        if k >= 0 and toks[k].low == ":":
            clause = s.clause_of[k - 1] if k else clause
            saw_link = True
            k -= 1
        if k >= 1 and toks[k].low == "," and s.tag(k - 1).startswith("thing.") and any(
                toks[j].low in _CONJ for j in range(max(0, k - 6), k - 1)):
            # "... fueron 3.520 y las detenciones arbitrarias, 712": the verb left out
            clause = s.clause_of[k - 1]
            saw_link = True
            k -= 1
        elif k >= 0 and s.tag(k).startswith("thing.") and s.spans[k] is not None:
            # "... y las detenciones arbitrarias 73": a thing right before it after 'y'
            j = s.spans[k].start - 1
            while j >= 0 and toks[j].low in _ARTICLES:
                j -= 1
            if j >= 0 and toks[j].low in _CONJ and j < s.spans[k].start - 1:
                saw_link = True
        while k >= 0 and s.clause_of[k] == clause and m.index - k <= 12:
            tag = s.tag(k)
            if tag in ("copula", "total") or toks[k].low in (":", "de", "en", "a") or \
                    toks[k].low in _BE:
                saw_link = True
            elif tag.startswith("thing."):
                if not saw_link:
                    return ""
                found = tag[6:]
                # "las mujeres presas por razones políticas son 117": the head noun
                # ("los sitios policiales a viviendas de activistas sumaron 64": sitios)
                j = (s.spans[k].start if s.spans[k] else k) - 1
                while j >= 0 and (s.tag(j).startswith("thing.") or toks[j].low in self.filler
                                  or (toks[j].low in _NP_LINKS and j and s.tag(j - 1)
                                      .startswith("thing."))):
                    if s.tag(j).startswith("thing."):
                        found = s.tag(j)[6:]
                    j = (s.spans[j].start if s.spans[j] else j) - 1
                return found
            elif toks[k].kind == "num":
                return ""
            k = (s.spans[k].start if s.spans[k] else k) - 1
        # "The precise October count is 1,027": a bare total word counts what the source's
        # reports count, when its vocabulary says what that is
        if saw_link and self.total_thing and any(
                s.tag(j) == "total" and s.clause_of[j] == clause for j in range(m.index)):
            return self.total_thing
        return ""

    def _context(self, s: Sentence, m: Mention) -> None:
        """Event, scope, window and attribution from the clause (and the sentence)."""
        toks = s.toks
        best_ev: tuple[int, str] | None = None
        i = 0
        n = len(toks)
        window_tags: list[tuple[int, str]] = []
        year_in_window: dict[int, int] = {}
        orgs: list[tuple[int, str]] = []
        announce = according = claim = False
        source_org = ""
        resets: list[int] = []
        while i < n:
            sp = s.spans[i]
            if sp is None:
                i += 1
                continue
            tag, same = sp.tag, s.clause_of[i] == m.clause
            if tag.startswith("event.") and same:
                d = abs(i - m.index) - (1 if i > m.index else 0)
                # "denuncia excarcelaciones ... y suma 7 presos": a plural noun of an event
                # is the number's own event only next to it ("N excarcelaciones")
                nominal = toks[sp.end - 1].low.endswith(_NOMINAL_ENDINGS)
                between = range(m.index + 1, i) if i > m.index else range(sp.end, m.index)
                next_to = all(s.tag(k).startswith("mod.") or toks[k].low in self.filler
                              for k in between) and len(between) <= 2
                if nominal and not next_to:
                    i = sp.end
                    continue
                if best_ev is None or d < best_ev[0]:
                    best_ev = (d, tag[6:])
                    m.event_pos = i
            elif tag.startswith("mod.") and same and i < m.index and m.index - sp.end <= 0:
                if tag[4:] not in m.mods:
                    m.mods.append(tag[4:])
            elif tag.startswith("scope.") and not same and i < m.index and tag[6:] in (
                    "province", "country") and not m.scope and i >= s.dateline_end:
                m.scope = tag[6:]            # "Las provincias ... La Habana, con 80 ..."
            elif tag.startswith("scope.") and same:
                if not m.scope:
                    m.scope = tag[6:]
                elif m.scope != tag[6:] and not m.scope.startswith("those"):
                    m.scope = "mixed: " + m.scope + " and " + tag[6:]
            elif tag.startswith("window.") and not (
                    tag == "window.since" and sp.end - sp.start == 1 and sp.end < n
                    and sp.end not in s.in_time and toks[sp.end].kind != "num"):
                # ("desde Cuba", "from Havana": a place, not a time since)
                window_tags.append((i, tag[7:]))
                if tag in ("window.year", "window.year_end"):
                    # "cerró 2021", "durante todo 2023": the year is the window's
                    years = [t.value for t in toks[sp.start:sp.end] if t.kind == "num"
                             and t.value and 1990 <= t.value <= 2100 and not t.decimal]
                    if years:
                        year_in_window[i] = years[0]
            elif (tag == "total" or (tag == "copula" and sp.end - sp.start > 1)
                  or tag == "stock") and same:
                m.stock_words = True
            elif tag == "reset":
                resets.append(i)
            elif tag.startswith("org."):
                org = tag[4:]
                # "el Observatorio Cubano de Conflictos": a generic name of ours followed
                # by a proper name is another body (ours is matched whole, as the longest)
                if org == "self" and sp.end < n and toks[sp.end].kind == "word" and \
                        toks[sp.end].text[:1].isupper() and s.spans[sp.end] is None:
                    org = self._named_after(s, sp.end)
                orgs.append((i, org))
            elif tag == "attr.announce" and self._reaches(s, i, m):
                announce = True
            elif tag == "attr.according":
                according = True
                # "según el OCDH": the body named right after it is the sentence's source
                k = sp.end
                while k < n and toks[k].low in _ARTICLES:
                    k += 1
                if k < n and s.spans[k] is not None and s.spans[k].tag.startswith("org."):
                    source_org = s.spans[k].tag[4:]
            elif tag == "attr.claim" and self._reaches(s, i, m):
                claim = True
            elif tag == "partitive" and sp.end <= m.index and (
                    (same and m.index - sp.end <= 3)
                    or (s.clause_of[i] == m.clause - 1 and m.index - sp.end <= 1)):
                m.of = "?"
            elif tag == "partitive" and same and 0 <= sp.start - m.index - 1 <= 1:
                m.of = "?after"
                # "661 de estas personas": the noun after a demonstrative is the whole; after
                # a pronoun ("10 de ellas violentas") it is what the part is
                if sp.end < n and s.tag(sp.end).startswith("thing.") and toks[
                        sp.end - 1].low not in _PRONOUNS:
                    m.of = "?" + s.tag(sp.end)[6:]
            i = sp.end
        if best_ev:
            m.event = best_ev[1]
        # "La lista suma 1.192 presos tras incorporar 19", "taking the total to 1,026": a
        # number right after a copula or a total is a stock, whatever flows the clause names
        k = m.index - 1
        while k >= 0 and (s.tag(k).startswith("qual.") or toks[k].low in _ARTICLES
                          or toks[k].low in ("ya", "already", "now", "ahora")):
            k -= 1
        link = s.spans[k] if k >= 0 else None
        stock_link = link is not None and (link.tag == "total" or (link.tag == "copula" and not {
            t.low for t in toks[link.start:link.end]} <= _BE))
        # (a flow named before it is the subject's: "el número de presos excarcelados
        # llega a 200" is a cumulative count of releases)
        if m.event in ("enter", "leave") and stock_link and m.event_pos > m.index + 1:
            m.event = "held"
            m.stock_words = True
        if m.event in ("enter", "leave") and m.scope.startswith("those who"):
            m.scope = ""     # "retiró a seis personas que cumplieron su condena": the reason
        # "The current list ... has 126 prisoners", "la lista tiene 1.100": a list that has
        # them holds them (a prisoner who has an illness suffers it)
        if m.event == "suffer" and 0 <= m.event_pos < m.index and any(
                s.tag(k) == "thing.list" and s.clause_of[k] == m.clause
                for k in range(m.event_pos)):
            m.event = "held"
        # "El año 2021 comenzó con 138", "The list opened January 2021 with 138": the
        # count a period started with is a stock
        k = m.index - 1
        while k >= 0 and s.tag(k).startswith("qual."):
            k -= 1
        if (k >= 0 and toks[k].low in ("con", "with") and any(
                s.tag(j) == "verb.begin" and s.clause_of[j] == m.clause for j in range(k))) \
                or (k >= 0 and s.tag(k) == "verb.begin"):
            m.event, m.stock_words = "held", True
            if not m.thing:
                m.thing = next((s.tag(j)[6:] for j in range(k) if s.tag(j).startswith(
                    "thing.") and s.clause_of[j] == m.clause), "")
                m.thing_how = "left" if m.thing else m.thing_how
        # a window reaches the numbers of its clause, and those after it in the sentence
        # until a reset or a clause of their own with a month
        own_month = any(e.kind in ("month", "date", "rel_last", "rel_this") and
                        s.clause_of[e.start] == m.clause and e.role in ("plain", "cutoff")
                        for e in s.times)
        for pos, w in window_tags:
            reaches = s.clause_of[pos] == m.clause or (
                pos < m.index and not own_month and not any(pos < r < m.index for r in resets))
            if reaches and (w != "anaphoric" or not m.window):
                # "A lo largo de 2024 ... 1.377 personas ... en algún momento del año": the
                # year a yearly window of the sentence named stays the year of the next one
                year = year_in_window.get(pos, 0) if w in ("year", "year_end") else 0
                keep = m.window_year if w in ("year", "year_end") and m.window in (
                    "year", "year_end") else 0
                m.window = w
                m.window_year = year or keep
        # attribution: another organisation in the clause, or the sentence's "según X"
        # the body named nearest before the number in its clause is the one that counts it
        # ("el OCC contabilizó 232 ... y Cubalex documentó 95"), else the nearest after it
        mine = [(p, o) for p, o in orgs if s.clause_of[p] == m.clause and o in ("self",
                                                                              "other")]
        before = [o for p, o in mine if p < m.index]
        after = [o for p, o in mine if p > m.index]
        near = before[-1] if before else (after[0] if after else "")
        if not near:
            # "X registró 310 acciones y 45 detenciones": the sentence's subject counts both
            earlier = [o for p, o in orgs if p < m.index and o in ("self", "other")]
            near = earlier[-1] if earlier else ""
        if not near and according:
            # "según X": X, or, when no body follows it, any other one the sentence names
            near = source_org or ("other" if any(o == "other" for _, o in orgs) else "")
        if near == "self":
            m.attribution = "self"
        elif near == "other":
            m.attribution = "other"
        gov = any(o == "gov" for _, o in orgs)
        if (announce and (gov or m.event in ("leave",))) or (claim and gov):
            m.attribution = "government announcement"
        elif announce:
            m.attribution = "announcement"
        self._objects(s, m)
        # "el registro contenía 145 nombres", "la lista, que suma ya 1.148 personas": the
        # names a list holds are its count
        relative = any(toks[k].low in ("que", "which", "that") and s.clause_of[k] == m.clause
                       for k in range(m.index))
        copula = any(s.tag(k) == "copula" and s.clause_of[k] == m.clause for k in range(m.index))
        if m.thing in self.containers and m.event not in ("enter", "leave") and (
                m.event == "held" or m.stock_words or copula) and any(
                s.tag(k) in ("thing.list", "total") and (s.clause_of[k] == m.clause or (
                    relative and s.clause_of[k] == m.clause - 1))
                for k in range(m.index)):
            m.thing = "list"
        if m.thing in self.containers and self.promote.intersection(m.objects):
            m.thing = "prisoner" if "prisoner" in m.objects or "polreason" in m.objects \
                else m.thing

    def _reaches(self, s: Sentence, pos: int, m: Mention) -> bool:
        """An announcement or a claim at `pos` speaks of the number unless a contrast
        ("pero", "but") or our own name comes between: "El régimen anunció la salida de 553
        reos, pero la lista de Prisoners Defenders cerró con 1.150"."""
        lo, hi = (pos, m.index) if pos < m.index else (m.index, pos)
        for k in range(lo, hi):
            if s.toks[k].low in _CONTRAST or s.tag(k) == "org.self":
                return False
        return True

    def _named_after(self, s: Sentence, k: int) -> str:
        """'el Observatorio Cubano para los Derechos Humanos (OCDH)' is ours, 'el
        Observatorio Cubano de Conflictos (OCC)' is not: the proper name after a generic
        one is ours when its words are our name's or its acronym in brackets is ours."""
        toks, n = s.toks, len(s.toks)
        words = []
        while k < n and toks[k].kind == "word" and (toks[k].text[:1].isupper() or toks[
                k].low in _NAME_LINKS):
            if s.tag(k) == "org.self":
                return "self"
            if toks[k].text[:1].isupper():
                low = toks[k].low
                words.append(low[:-2] if low.endswith(("'s", "\u2019s")) else low)
            k += 1
        if k + 1 < n and toks[k].low == "(" and s.tag(k + 1) == "org.self":
            return "self"
        return "self" if words and set(words) <= self.self_words else "other"

    def _objects(self, s: Sentence, m: Mention) -> None:
        toks, n = s.toks, len(s.toks)
        # things named after the counted one in the clause ("padecen enfermedades graves")
        start = m.thing_end if m.thing_end >= 0 else m.index + 1
        clause = m.clause
        if start < n and s.tag(start) == "partitive":
            start = s.spans[start].end  # type: ignore[union-attr]
        while start < n and toks[start].low in self.filler and s.spans[start] is None:
            start += 1
        if m.thing_how == "bare" and start < n and toks[start].low == "," and not m.verb:
            start += 1           # "y 41, trastornos mentales": the verb left out
            clause = s.clause_of[start] if start < n else clause
        # "Suffering serious illnesses are 472 prisoners": a verb before it names them too
        if 0 <= m.event_pos < m.index:
            for k in range(m.event_pos, m.index):
                sp = s.spans[k]
                if sp is not None and sp.start == k and sp.tag.startswith("thing.") and \
                        s.clause_of[k] == m.clause:
                    m.objects.append(sp.tag[6:])
        for k in range(start, n):
            if s.tag(k) in ("partitive", "one.part") and k > m.index:
                break       # "12, one of them violent": what follows is the part's
            if s.clause_of[k] != clause or toks[k].kind == "num" or (
                    toks[k].low in _CONJ and k + 1 < n and toks[k + 1].low in _ARTICLES):
                break       # "3.520 y las detenciones ...": a new noun phrase
            sp = s.spans[k]
            if sp is not None and sp.start == k and sp.tag.startswith("thing."):
                m.objects.append(sp.tag[6:])


_NOMINAL_ENDINGS = ("ciones", "siones", "cion", "sion", "bajas", "altas", "salidas", "entradas",
                    "ingresos",
                    "releases", "arrests", "departures", "exits")
_CONTRAST = {"pero", "but", "however", "aunque", "although", "mientras", "while", "whereas",
             "yet"}
_POSTPOSED = {"como", "por", "or", "o", "at"}      # "como mínimo", "por lo menos", "or more"
_ONE = {"one", "un", "una", "uno", "a single"}
_LIST_JOINS = {",", "y", "e", "and", "o", "or", "u", "-", "\u2013", "a", "to"}


def _share_units(s: Sentence) -> None:
    """'adolescentes de 14, 15, 16 y 17 años': the unit after the last number of a list is
    every number's, so none of them is a count."""
    ms = s.mentions
    for k in range(len(ms) - 1, 0, -1):
        cur, before = ms[k], ms[k - 1]
        if not cur.noise.startswith("unit:") or before.noise:
            continue
        between = s.toks[before.index + 1:cur.index]
        if between and all(t.low in _LIST_JOINS for t in between):
            before.noise = cur.noise


_DAY_JOINS = {"y", "e", "al", "a", "el", "de", "del", "-", "\u2013", "and", "to", ",", "the",
              "o", "or", "through", "until", "hasta"}


def _day_of_a_date(s: Sentence, i: int) -> bool:
    """A day number joined to a date by 'y', 'al', '-': '15 y 20 de enero', 'del 3 al 9'."""
    k = i + 1
    while k < len(s.toks) and k not in s.in_time and (s.toks[k].low in _DAY_JOINS or (
            s.toks[k].kind == "num" and (s.toks[k].value or 0) <= 31)):
        k += 1
    if k == i + 1 or k >= len(s.toks) or k not in s.in_time:
        return False
    return any(e.start == k and e.kind in ("date", "month") for e in s.times) and any(
        t.kind == "num" for t in s.toks[i + 1:k + 1])


def _dateline_end(toks: list[Tok]) -> int:
    """The token after a press dateline ("MADRID, España.-", "La Habana, 12 sep (EFE) -"):
    a place and an agency a sentence opens with, up to its dash."""
    for k in range(1, min(len(toks), 12)):
        if toks[k].low in ("-", "\u2013", "\u2014") and toks[k - 1].low in (".", ")"):
            return k + 1
    return 0
