"""The paraphrase bank (tests/bank/*.toml) read by the real extractors: held-out evidence
that the reading generalises. Every entry becomes a WordPress page of its source's shape;
its figures are compared with the entry's expectations (scoring in tests/bank/scoring.py).
"""

from __future__ import annotations

import pytest
from bank import scoring

BANK_MIN_RECALL = 0.97      # issue 18's goal

MIN_ES, MIN_EN = 12, 6      # positive entries per metric and language

SOURCES = scoring.bank_sources()


def test_every_source_has_a_bank():
    from monitor import sources
    assert list(sources.names()) == SOURCES


@pytest.mark.parametrize("source", SOURCES)
def test_bank_coverage(source):
    """The bank cannot silently shrink: every declared metric keeps its positives, and
    negatives are at least as many as positives."""
    from monitor import sources
    entries = scoring.load(source)
    cov = scoring.coverage(entries)
    short = []
    for m in sources.get(source).metrics:
        for lang, need in (("es", MIN_ES), ("en", MIN_EN)):
            have = cov.get((m.name, m.period, lang), 0)
            if have < need:
                short.append(f"{m.name}/{m.period}/{lang}: {have} < {need}")
    assert not short, short
    pos = sum(not e.negative for e in entries)
    neg = sum(e.negative for e in entries)
    assert neg >= pos, f"{neg} negatives < {pos} positives"
    assert all(e.expect for e in entries if not e.negative)


@pytest.mark.parametrize("source", SOURCES)
def test_bank_no_wrong_figure(source):
    s = scoring.score(source)
    wrong = [f"{o.entry.id} [{o.entry.cls}]: {w.metric} {w.period} = {w.value}"
             for o in s.outcomes for w in o.wrong]
    crashed = [f"{o.entry.id}: {o.error}" for o in s.outcomes if o.error]
    assert not crashed, crashed
    assert not wrong, f"{len(wrong)} wrong figures:\n" + "\n".join(wrong)


@pytest.mark.parametrize("source", SOURCES)
def test_bank_recall(source):
    s = scoring.score(source)
    missed = [f"{o.entry.id} [{o.entry.cls}]: {m.metric} {m.period} = {m.value}"
              for o in s.outcomes for m in o.missed]
    assert s.recall >= BANK_MIN_RECALL, (
        f"recall {s.recall:.3f} ({s.found}/{s.expected}) < {BANK_MIN_RECALL}; missed:\n"
        + "\n".join(missed))
