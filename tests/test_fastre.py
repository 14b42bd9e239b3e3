"""The regrouped rule regexes find exactly what their flat phrase lists find.

Extraction speed rests on extract/fastre.py rewriting long alternations; a wrong rewrite
would silently change which numbers count as windows or dates. Each rewrite is compared
with the plain `"|".join(...)` form on real sentences and on many random ones built from
the phrases' own words, their fragments, digits, capitals and other word characters.
"""

from __future__ import annotations

import random
import re

import pytest

from monitor.extract import ocdh, periods, prisoners_defenders
from monitor.extract.fastre import REGROUPED, alternation, dispatch, regroup, splitter
from monitor.extract.numbers import MONTHS, find_numbers


def _texts(vocabulary: set[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = sorted(vocabulary) + [w[:-1] for w in vocabulary if len(w) > 2] + [
        "x", "ya", "Este", "ULTIMOS", "ñu", "_a", "é", "1", "12", "2024", "19", "3", ",", ";"]
    seps = ["", " ", " ", " ", "  ", "-", ", ", "\n"]
    return ["".join(rng.choice(pieces) + rng.choice(seps) for _ in range(rng.randint(1, 9)))
            for _ in range(n)]


def _same(flat: re.Pattern[str], fast: re.Pattern[str], texts: list[str]) -> int:
    hits = 0
    for t in texts:
        a = [(m.span(), m.groups()) for m in flat.finditer(t)]
        assert a == [(m.span(), m.groups()) for m in fast.finditer(t)], t
        hits += bool(a)
    return hits


def test_window_phrases_regrouped_match_like_the_flat_list():
    phrases = prisoners_defenders._WINDOW_PHRASES
    flat = re.compile("|".join(phrases))
    words = set(re.findall(r"[a-z]+", flat.pattern))
    hits = _same(flat, prisoners_defenders._WINDOW, _texts(words, 40_000, seed=1))
    assert hits > 2_000        # the random texts do exercise the phrases


def test_every_regrouped_rule_matches_like_its_flat_form():
    assert len(REGROUPED) >= 10      # the extractors' rules went through dispatch()
    for i, (flat_src, fast_src) in enumerate(REGROUPED):
        flat, fast = re.compile(flat_src), re.compile(fast_src)
        words = set(re.findall(r"[a-z]+", flat_src))
        _same(flat, fast, _texts(words, 3_000, seed=i))


def test_regroup_keeps_what_surrounds_the_alternatives():
    src = r"\b(?:(?:las\s+)?(?:ultimas|last)\s+(?:\d+)\s+horas|ayer|(?:ese|aquel)\s+dia)\b"
    flat, fast = re.compile(src), re.compile(regroup(src))
    for t in ("ayer", "las ultimas 24 horas", "ultimas 24 horas", "aquel dia", "xayer",
              "en las last 3 horas y ese dia"):
        assert [m.span() for m in flat.finditer(t)] == [m.span() for m in fast.finditer(t)]


def test_month_alternations_match_like_the_flat_list():
    months = sorted(MONTHS, key=len, reverse=True)
    texts = _texts(set(months) | {"de", "del", "2025", "mayor", "marzo2"}, 20_000, seed=2)
    templates = (r"\b(?P<m>{})\b", r"(?:{})\s+\d+",
                 r"\b(?P<m>{})(?:\s+de\s+|\s+)(?P<y>\d{{4}})")
    for template in templates:
        flat = re.compile(template.format("|".join(months)))
        fast = re.compile(template.format(alternation(months)))
        assert _same(flat, fast, texts) > 300


def test_extractor_month_patterns_use_the_regrouped_form():
    assert ocdh._MONTH.search("informe de septiembre de 2025").group("m") == "septiembre"
    m = periods._MONTH_YEAR.search("en sept 2025 y en septiembre de 2025")
    assert m.group("m") == "septiembre" and m.group("y") == "2025"


@pytest.mark.parametrize(("text", "found"), [
    ("desde enero", ["desde"]),
    ("xdesde enero", []),                 # the leading \b still holds
    ("hace 3 meses", ["hace 3 mes"]),     # the flat list stops at "mes" too
    ("a lo largo del ano", ["a lo largo"]),
    ("2 months ago", ["2 months ago"]),
    ("los ultimos meses", ["los ultimos meses"]),   # \w+ phrase inside a letter group
    ("ñu ultimos meses", ["ñu ultimos meses"]),      # ... and for a letter no group starts
    ("12 ultimos meses", ["12 ultimos meses"]),
])
def test_window_phrases_on_hand_cases(text, found):
    assert [m.group(0) for m in prisoners_defenders._WINDOW.finditer(text)] == found


@pytest.mark.parametrize("bad", [r"(?:a|b)c", r"[ab]c", r"s?anos", r"^a", r"\b;x", r"1x"])
def test_dispatch_refuses_what_it_cannot_regroup(bad):
    with pytest.raises(ValueError):
        dispatch(["desde", bad, r"\d+\s+meses"])


@pytest.mark.parametrize(("marks", "ahead"), [
    (".!?;", r"[A-ZÁÉÍÓÚÑ¿¡\"“«(0-9]"),
    (".!?", r"[A-Z\u00c0-\u00dd\u00bf\u00a1\"\u201c\u00ab(0-9]"),
])
def test_sentence_splitter_cuts_like_the_lookbehind_split(marks, ahead):
    flat = re.compile(f"(?<=[{marks}])\\s+(?={ahead})")
    split = splitter(marks, ahead)
    rng = random.Random(3)
    pieces = ["La lista", "1.185", "Sr.", "presos", "A", "É", "¿Qué", "(", "«", "2025", "x",
              ".", "..", "!", "?", ";", "?!", " ", "  ", "\n", "\u00a0", "ñ"]
    for _ in range(20_000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert split(t) == flat.split(t), t
    assert split("Uno. Dos; tres. 4 presos") == flat.split("Uno. Dos; tres. 4 presos")


@pytest.mark.parametrize(("flat_src", "fast"), [
    (r"(?<![\d.,/])(?P<y>(?:19|20)\d{2})(?![\d.,/]\d)", ocdh._BARE_YEAR),
    (r"(?<![\d.,/])(?P<y>(?:19[5-9]\d|20\d\d))(?![\d.,/]\d)", periods._YEAR_RE),
])
def test_year_patterns_with_the_lookback_moved_find_the_same_years(flat_src, fast):
    flat = re.compile(flat_src)
    rng = random.Random(4)
    pieces = ["19", "20", "2025", "1999", "1959", "1949", "2", "0", "1", ".", ",", "/", " ",
              "en ", "de", "x", "-", "1.2024", "a2021"]
    hits = 0
    for _ in range(30_000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        got = [(m.span(), m.group("y")) for m in flat.finditer(t)]
        assert got == [(m.span(), m.group("y")) for m in fast.finditer(t)], t
        hits += bool(got)
    assert hits > 3_000


def test_window_phrases_left_out_only_when_they_cannot_match():
    for phrase, words in prisoners_defenders.WINDOW_OPTIONAL.items():
        assert phrase in prisoners_defenders._WINDOW_PHRASES
        rx = re.compile(phrase)
        rng = random.Random(7)
        pieces = ["los", "ultimos", "ultimas", "meses", "anos", "2", "12", "years", "months",
                  "ago", "earlier", "before", "x", "de", "semanas"]
        hits = 0
        for _ in range(5_000):
            t = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
            if rx.search(t):
                hits += 1
                assert any(w in t for w in words), t
        assert hits > 20    # the random texts do reach the phrase


def test_ocdh_window_left_out_phrase_needs_primeros():
    assert ocdh._PRIMEROS in ocdh._WINDOW_PHRASES
    rx = re.compile(ocdh._PRIMEROS)
    assert rx.search("los tres primeros meses") and not rx.search("los tres ultimos meses")
    for t in _texts({"primeros", "meses", "tres", "los"}, 3_000, seed=8):
        assert not rx.search(t) or "primeros" in t


def test_scan_guards_name_strings_every_match_holds():
    """Patterns skipped when a sentence lacks their guard strings must never match it."""
    year_guarded = [periods._MONTH_YEAR, periods._YEAR_RE, periods._DATE_NUM]
    claims = [*ocdh.NEEDS.items(), *((rx, ("19", "20")) for rx in year_guarded),
              *prisoners_defenders.GUARDS.items(), (ocdh._DAY_DATE, tuple("0123456789"))]
    rng = random.Random(6)
    for rx, needs in claims:
        words = sorted(set(re.findall(r"[a-z]+", rx.pattern)))
        pieces = [*words, *MONTHS, "19", "20", "2025", "1999", "1.950", "10/10/2021", "31", "/",
                  "el mes anterior", "el mes pasado", "last month", "en", "durante", "in", "during",
                  "venezuela", "nicaragua", "11j", "11 de julio", "july 11", "protestas de hace",
                  "presos de conciencia", "otros presos politicos", "no catalogables",
                  "salieron de la lista", "were released", "quedaron en libertad", "bajas",
                  "padecen enfermedades", "mental", "illnesses", "mismo mes del ano anterior",
                  "same period in 2024", "fin de semana", "this week", "las ultimas 24 horas",
                  "mas de 24 horas", "durante las protestas", "ese dia", "that day", "ayer",
                  "yesterday"]
        hits = 0
        for _ in range(8_000):
            t = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
            if rx.search(t):
                hits += 1
                assert any(w in t for w in needs), (rx.pattern[:50], t)
        assert hits > 10, rx.pattern[:50]   # the random texts do reach the pattern


@pytest.mark.parametrize(("text", "values"), [
    ("un total de 1.185 presos", [1185]),
    ("1,185 political prisoners", [1185]),
    ("1 185 presos y 1\u00a0203 y 1\u202f204", [1185, 1203, 1204]),
    ("2.345.678 y 12", [2345678, 12]),
    ("3 mil 830 y mil 066", [3830, 1066]),
    ("veintitrés presos", [23]),
])
def test_number_tokens_read_their_value_whatever_the_separator(text, values):
    assert [n.value for n in find_numbers(text) if not n.is_decimal] == values


def _reaches_a_parsed_tree(obj: object) -> bool:
    import gc
    import types

    from lxml import etree
    seen, todo = set(), [obj]
    while todo:
        o = todo.pop()
        if id(o) in seen or isinstance(o, (types.ModuleType, type, types.BuiltinFunctionType)):
            continue
        seen.add(id(o))
        if isinstance(o, types.FunctionType):      # what it closes over, not its module
            todo.extend(c.cell_contents for c in o.__closure__ or ())
            todo.extend(o.__defaults__ or ())
            continue
        if isinstance(o, etree._Element):
            return True
        todo.extend(gc.get_referents(o))
    return False


@pytest.mark.parametrize("source", ["prisoners_defenders", "ocdh"])
def test_a_kept_extraction_holds_no_parsed_page(source):
    """A run keeps every page's result until it commits: none may pin its lxml tree."""
    import json
    from pathlib import Path

    from monitor.extract import extract
    cases = sorted((Path(__file__).parent / "cases" / source).glob("*.json"))
    case = next(c for c in map(lambda p: json.loads(p.read_text(encoding="utf-8")), cases)
                if c["expected"])
    result = extract(source, case["html"], case["url"])
    assert result.observations and not _reaches_a_parsed_tree(result)


def test_text_cache_keeps_sentences_and_recomputes_long_texts():
    """Per-text caches hold sentence-sized keys only, so a huge page cannot fill memory."""
    from monitor.extract.numbers import CACHE_MAX_KEY, text_cache
    calls: list[str] = []

    @text_cache(8)
    def seen(text: str, tag: int) -> int:
        calls.append(text)
        return len(text) + tag

    short, long = "una frase", "x" * (CACHE_MAX_KEY + 1)
    assert [seen(short, 1), seen(short, 1), seen(long, 0), seen(long, 0)] == [10, 10] + [
        CACHE_MAX_KEY + 1] * 2
    assert calls == [short, long, long]
    seen.cache_clear()
    seen(short, 1)
    assert calls[-1] == short and len(calls) == 4
