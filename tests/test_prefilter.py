"""The regex prefilter never hides a match: a skipped search is one that finds nothing.

Extraction speed rests on it, so it is checked three ways: on hand-made patterns, against
every gated rule of the extractors over every sentence of the reference cases, and on
random strings built from each pattern's own required words.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from monitor.extract import ocdh, periods, prisoners_defenders
from monitor.extract.base import parse_page, sentences
from monitor.extract.numbers import fold
from monitor.extract.prefilter import GatedPattern, compile, required_strings

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize(("pattern", "need"), [
    (r"\b(?:de|del)\s+\d+", {"de"}),
    (r"enero|febrero", {"enero", "febrero"}),
    (r"(?:total|suma)\s+de\s+\d+", {"total", "suma"}),
    (r"x?presos", {"presos"}),
    (r"(?:presos)?\d+", None),                 # the only literal part is optional
    (r"\d+|total", None),                      # one alternative needs no literal
    (r"(?i)presos", None),                     # case-insensitive: substring test unsafe
    (r"[,;]", {",", ";"}),
    (r"(?:ab)+c", {"ab"}),
])
def test_required_strings_of_small_patterns(pattern, need):
    got = required_strings(re.compile(pattern))
    assert (set(got) if got is not None else None) == need


def _gated() -> list[tuple[str, GatedPattern]]:
    out = []
    for mod in (ocdh, prisoners_defenders, periods):
        for name, obj in vars(mod).items():
            if isinstance(obj, GatedPattern):
                out.append((f"{mod.__name__}.{name}", obj))
    return out


def _case_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(CASES.glob("*/*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        page = parse_page(case["html"], case["url"])
        for para in [page.title, *page.paragraphs]:
            texts.append(fold(para))
            texts.extend(fold(s) for s in sentences(para))
    return texts


def test_extractors_use_gated_patterns():
    assert len(_gated()) >= 20


def test_gate_never_hides_a_match_on_the_reference_cases():
    texts = _case_texts()
    assert len(texts) > 1000
    hidden = []
    for name, g in _gated():
        raw = re.compile(g.pattern, g.flags)
        for t in texts:
            # every window the rules hand a pattern: whole text, and tails after each space
            for piece in (t, *(t[i + 1:] for i in range(len(t)) if t[i] == " ")):
                if not g.possible(piece) and raw.search(piece):
                    hidden.append((name, piece[:80]))
    assert hidden == []


def test_gated_calls_answer_as_the_plain_pattern():
    texts = _case_texts()[:400]
    for _name, g in _gated():
        raw = re.compile(g.pattern, g.flags)
        for t in texts:
            assert [m.span() for m in g.finditer(t)] == [m.span() for m in raw.finditer(t)]
            assert bool(g.search(t)) == bool(raw.search(t))
            assert g.split(t) == raw.split(t)
            assert g.sub("#", t) == raw.sub("#", t)
            assert g.findall(t) == raw.findall(t)


def test_random_texts_from_required_words():
    """Strings made of a pattern's required words, their fragments and filler: whenever the
    gate says no, the pattern finds nothing either."""
    rng = random.Random(5)
    filler = ["de", "la", "en", "1.234", "2025", ",", ";", "mes", "total", "presos", " "]
    for _name, g in _gated():
        raw = re.compile(g.pattern, g.flags)
        need = list(g.possible._need)
        pieces = filler + need + [s[:-1] for s in need if len(s) > 1] + [s[1:] for s in need]
        for _ in range(300):
            t = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
            if not g.possible(t):
                assert raw.search(t) is None, (g.pattern[:60], t)


def test_compile_leaves_ungateable_patterns_plain():
    assert isinstance(compile(r"\d+"), re.Pattern)
    assert isinstance(compile(r"\bpresos\b"), GatedPattern)
