"""The held-out paraphrase banks (tests/bank/heldout/ and tests/bank/heldout2/, written by
two independent writers) load and are big enough to measure generality. They are a
measurement, not a gate: their score is printed by `bench/bank_score.py --bank DIR`, never
asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest
from bank import scoring

BANKS = Path(__file__).resolve().parent / "bank"
# bank folder -> id prefix per source
HELDOUT = {"heldout": {"prisoners_defenders": "hpd-", "ocdh": "hoc-"},
           "heldout2": {"prisoners_defenders": "h2pd-", "ocdh": "h2oc-"}}
CASES = [(bank, source) for bank, prefixes in HELDOUT.items() for source in sorted(prefixes)]


@pytest.mark.parametrize("bank,source", CASES, ids=[f"{b}-{s}" for b, s in CASES])
def test_heldout_bank_loads_with_enough_entries(bank, source):
    entries = scoring.load(source, BANKS / bank)
    assert len(entries) >= 45
    assert all(e.id.startswith(HELDOUT[bank][source]) for e in entries)
    neg = [e for e in entries if e.negative]
    pos = [e for e in entries if not e.negative]
    assert len(neg) >= len(entries) // 4 and len(pos) >= len(entries) // 2
    assert all(not e.expect for e in neg), "a negative expects no figure"
    assert all(e.expect for e in pos), "a positive expects at least one figure"
    assert {e.lang for e in pos} == {"es", "en"}


def test_no_id_is_in_two_banks():
    seen: dict[str, str] = {}
    for d in (None, *(BANKS / b for b in HELDOUT)):
        for s in scoring.bank_sources(d):
            for e in scoring.load(s, d):
                assert e.id not in seen, f"{e.id} in {d} and {seen[e.id]}"
                seen[e.id] = str(d)
    assert len(seen) > 300
