"""Score today's extractors on the paraphrase bank (tests/bank/*.toml).

Prints per source and overall: entries, expected figures, found, recall, wrong figures;
with --show-misses, the misses and wrong figures grouped by sentence class, so a developer
sees classes rather than cases. Scoring as in tests/bank/scoring.py.

    .venv/bin/python bench/bank_score.py [--bank DIR] [--source NAME]... [--show-misses] [--json]

--bank DIR scores another bank directory with the same layout (<source>.toml), e.g. the
held-out bank tests/bank/heldout, written without sight of the reading rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bank import scoring


def _summary(name: str, scores: list[scoring.Score]) -> dict:
    exp = sum(s.expected for s in scores)
    found = sum(s.found for s in scores)
    return {"source": name, "entries": sum(len(s.outcomes) for s in scores),
            "expected": exp, "found": found,
            "recall": round(found / exp, 4) if exp else 1.0,
            "wrong": sum(s.wrong for s in scores),
            "qualifier_mismatch": sum(len(o.qualifier) for s in scores for o in s.outcomes),
            "errors": sum(bool(o.error) for s in scores for o in s.outcomes)}


def _grouped(s: scoring.Score, what: str) -> dict[str, list[str]]:
    g: dict[str, list[str]] = defaultdict(list)
    for o in s.outcomes:
        for x in getattr(o, what):
            q = "" if x.qualifier == "exact" else f" ({x.qualifier})"
            g[o.entry.cls].append(f"{o.entry.id}: {x.metric} {x.period} = {x.value}{q}")
        if what == "missed" and o.error:
            g[o.entry.cls].append(f"{o.entry.id}: ERROR {o.error}")
    return dict(sorted(g.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bank", metavar="DIR", type=Path, default=scoring.BANK_DIR,
                    help="bank directory holding <source>.toml files (default: tests/bank)")
    ap.add_argument("--source", action="append", metavar="NAME",
                    help="score only this source (repeatable; default: every source in the bank)")
    ap.add_argument("--show-misses", action="store_true",
                    help="list misses and wrong figures grouped by sentence class")
    ap.add_argument("--json", action="store_true", help="print one JSON object per source")
    a = ap.parse_args(argv)
    if not a.bank.is_dir():
        ap.error(f"--bank {a.bank}: not a directory")
    available = scoring.bank_sources(a.bank)
    if not available:
        ap.error(f"--bank {a.bank}: no <source>.toml file for any known source")
    for n in a.source or []:
        if n not in available:
            ap.error(f"--source {n}: no bank file in {a.bank} (have: {', '.join(available)})")
    names = a.source or available
    scores = []
    for n in names:
        print(f"scoring {n} ({a.bank}) ...", file=sys.stderr)
        scores.append(scoring.score(n, a.bank))
    rows = [_summary(s.source, [s]) for s in scores]
    if len(scores) > 1:
        rows.append(_summary("overall", scores))
    if a.json:
        for s, r in zip(scores, rows, strict=False):
            if a.show_misses:
                r["misses_by_class"] = _grouped(s, "missed")
                r["wrong_by_class"] = _grouped(s, "wrong")
            print(json.dumps(r, ensure_ascii=False))
        if len(rows) > len(scores):
            print(json.dumps(rows[-1], ensure_ascii=False))
        return 0
    print(f"{'source':22} {'entries':>7} {'expected':>8} {'found':>6} {'recall':>7} "
          f"{'wrong':>6} {'qual':>5}")
    for r in rows:
        print(f"{r['source']:22} {r['entries']:7} {r['expected']:8} {r['found']:6} "
              f"{r['recall']:7.3f} {r['wrong']:6} {r['qualifier_mismatch']:5}")
    if a.show_misses:
        for s in scores:
            for what, label in (("wrong", "WRONG"), ("missed", "MISSED")):
                g = _grouped(s, what)
                if not g:
                    continue
                print(f"\n== {s.source}: {label} by class")
                for cls, items in g.items():
                    print(f"  {cls} ({len(items)})")
                    for it in items:
                        print(f"    {it}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
