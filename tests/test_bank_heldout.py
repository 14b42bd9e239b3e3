"""The held-out paraphrase banks (tests/bank/heldout/ and tests/bank/heldout2/, written by
two independent writers) load and are big enough to measure generality. They are a
measurement, not a gate: their score is printed by `bench/bank_score.py --bank DIR`, never
asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest
from bank import scoring

HELDOUT = Path(__file__).resolve().parent / "bank" / "heldout"
PREFIX = {"prisoners_defenders": "hpd-", "ocdh": "hoc-"}


@pytest.mark.parametrize("source", sorted(PREFIX))
def test_heldout_bank_loads_with_enough_entries(source):
    entries = scoring.load(source, HELDOUT)
    assert len(entries) >= 45
    assert all(e.id.startswith(PREFIX[source]) for e in entries)
    neg = [e for e in entries if e.negative]
    pos = [e for e in entries if not e.negative]
    assert len(neg) >= len(entries) // 4 and len(pos) >= len(entries) // 2
    assert all(not e.expect for e in neg), "a negative expects no figure"
    assert all(e.expect for e in pos), "a positive expects at least one figure"
    langs = {e.lang for e in pos}
    assert langs == {"es", "en"}


def test_heldout_ids_never_clash_with_the_main_bank():
    main = {e.id for s in scoring.bank_sources() for e in scoring.load(s)}
    held = {e.id for s in scoring.bank_sources(HELDOUT) for e in scoring.load(s, HELDOUT)}
    assert held and not main & held


HELDOUT2 = Path(__file__).resolve().parent / "bank" / "heldout2"
PREFIX2 = {"prisoners_defenders": "h2pd-", "ocdh": "h2oc-"}


@pytest.mark.parametrize("source", sorted(PREFIX2))
def test_second_heldout_bank_loads_with_enough_entries(source):
    """The second, independently written held-out bank: same shape rules as the first."""
    entries = scoring.load(source, HELDOUT2)
    assert len(entries) >= 45
    assert all(e.id.startswith(PREFIX2[source]) for e in entries)
    neg = [e for e in entries if e.negative]
    pos = [e for e in entries if not e.negative]
    assert len(neg) >= len(entries) // 4 and len(pos) >= len(entries) // 2
    assert all(not e.expect for e in neg), "a negative expects no figure"
    assert all(e.expect for e in pos), "a positive expects at least one figure"
    assert {e.lang for e in pos} == {"es", "en"}


def test_second_heldout_ids_never_clash_with_the_other_banks():
    others = {e.id for d in (None, HELDOUT) for s in scoring.bank_sources(d)
              for e in scoring.load(s, d)}
    held2 = {e.id for s in scoring.bank_sources(HELDOUT2) for e in scoring.load(s, HELDOUT2)}
    assert held2 and not others & held2
