"""Prisoners Defenders extractor on the reference cases: no wrong figure, >= 98% found.

Every file in tests/cases/prisoners_defenders/ is one case: a page in, the figures expected
out. A wrong figure is a core monthly metric emitted with another value than expected, or
for a (metric, period) the page states only as another kind of figure or not at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.extract import extract
from monitor.extract.prisoners_defenders import MONTHLY

CASES = Path(__file__).parent / "cases" / "prisoners_defenders"


def load_cases() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES.glob("*.json"))]


def score(case: dict) -> tuple[list[str], list[str], int]:
    """(wrong, missed, found) for one case."""
    result = extract("prisoners_defenders", case["html"], case["url"])
    got = {(o.metric, o.period): o.value for o in result.observations
           if o.metric in MONTHLY and len(o.period) == 7}
    expected = {(m, p): v for m, p, v in case["expected"]}
    wrong = [f"{case['id']}: {m} {p} = {v} (expected {expected.get((m, p), 'nothing')})"
             for (m, p), v in sorted(got.items()) if expected.get((m, p)) != v]
    missed = [f"{case['id']}: {m} {p} = {v} not found" for (m, p), v in sorted(expected.items())
              if got.get((m, p)) != v]
    return wrong, missed, len(expected) - len(missed)


def test_reference_cases_no_wrong_figure_and_98_percent_found():
    cases = load_cases()
    assert len(cases) >= 50
    wrong: list[str] = []
    missed: list[str] = []
    found = total = 0
    for case in cases:
        w, m, f = score(case)
        wrong += w
        if case["countable"]:
            missed += m
            found += f
            total += len(case["expected"])
    share = found / total
    report = "\n".join(["wrong:", *wrong, "missed:", *missed])
    print(f"found {found}/{total} = {share:.1%}; wrong {len(wrong)}\n{report}")
    assert not wrong, report
    assert share >= 0.98, report


@pytest.mark.parametrize("case_id", ["pd-037", "pd-003", "pd-005"])
def test_every_observation_carries_its_sentence(case_id):
    case = json.loads((CASES / f"{case_id}.json").read_text(encoding="utf-8"))
    result = extract("prisoners_defenders", case["html"], case["url"])
    assert result.observations
    for o in result.observations:
        assert o.evidence and (o.evidence in result.text or o.evidence in result.title)
        assert o.period[:4].isdigit() and o.qualifier in ("exact", "at_least", "about")
    assert result.extractor_version.startswith("prisoners_defenders/")
