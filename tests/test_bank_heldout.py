"""The held-out paraphrase bank (tests/bank/heldout/) loads and is big enough to measure
generality. It is a measurement, not a gate: its score is printed by
`bench/bank_score.py --bank tests/bank/heldout`, never asserted here."""

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
