"""Arithmetic identities: do a report's figures add up?

Each source declares its identities in source.toml (`[[identities]]`: `left` terms with a
sign, `metric[M-1]` for the previous period, and the `right` metric). An identity is
checked for every period where every figure it needs is known and exact; the result is
stored in `checks` and shown in alerts, `monitor latest` and `monitor check`.

A failing identity is a finding about the report, not about the monitor: the
organisations' own series do not always add up (exits for other reasons, late entries).
It never blocks, drops or changes a figure; the alert says so and asks a person to look.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitor import archive, clock, sources
from monitor.extract.numbers import format_int
from monitor.period import previous

_TERM = re.compile(r"^\s*([+-]?)\s*([a-z0-9_]+)\s*(?:\[\s*M\s*-\s*(\d+)\s*\])?\s*$")

COLUMNS = ["source", "check", "period", "holds", "stated", "computed", "difference",
           "expression"]


@dataclass(frozen=True)
class Term:
    metric: str
    sign: int    # +1 or -1
    back: int    # periods before the checked one (0: the same period, 1: M-1)


@dataclass(frozen=True)
class Result:
    source: str
    check: str
    period: str
    holds: bool
    stated: int
    computed: int
    terms: tuple[tuple[Term, str, int], ...]   # (term, its period, its value)

    @property
    def expression(self) -> str:
        """'1180 + 13 - 8 = 1185' (the left side and what it sums to; stored as is)."""
        return _expression(self.terms, self.computed, str)

    def text(self, language: str = "en") -> str:
        """'1,180 + 13 - 8 = 1,185 ✓', or what does not add up and what the report says."""
        expr = _expression(self.terms, self.computed, lambda v: format_int(v, language))
        if self.holds:
            return f"{expr} ✓"
        stated = format_int(self.stated, language)
        if language == "es":
            return f"no cuadra: {expr}, el informe dice {stated}; revise la fuente"
        return f"does not add up: {expr}, the report says {stated}; check the source"


def _expression(terms: Iterable[tuple[Term, str, int]], total: int, fmt) -> str:
    out = ""
    for i, (term, _per, value) in enumerate(terms):
        if i == 0:
            out = ("-" if term.sign < 0 else "") + fmt(value)
        else:
            out += (" - " if term.sign < 0 else " + ") + fmt(value)
    return f"{out} = {fmt(total)}"


def parse_term(text: str) -> Term:
    """'+new_political_prisoners', '-released', 'political_prisoners_total[M-1]'."""
    m = _TERM.match(text)
    if not m:
        raise ValueError(f"bad identity term {text!r} (use [+-]metric or metric[M-1])")
    return Term(m.group(2), -1 if m.group(1) == "-" else 1, int(m.group(3) or 0))


def back(period: str, n: int) -> str:
    """The period `n` before `period` (months for YYYY-MM, years for YYYY)."""
    return period if n == 0 else previous(period, n)


Figures = Mapping[tuple[str, str], tuple[int, str]]   # (metric, period) -> (value, qualifier)


def evaluate(source: str, figures: Figures) -> list[Result]:
    """Every declared identity of `source` over every period where all its figures are
    known and exact (an "at least" figure cannot make an identity fail or hold)."""
    try:
        src = sources.get(source)
    except KeyError:
        return []
    out: list[Result] = []
    for ident in src.identities:
        terms = [parse_term(t) for t in ident.left]
        periods = sorted(p for (metric, p) in figures if metric == ident.right)
        for per in periods:
            stated, q = figures[(ident.right, per)]
            if q != "exact":
                continue
            got: list[tuple[Term, str, int]] = []
            for t in terms:
                tp = back(per, t.back)
                fig = figures.get((t.metric, tp))
                if fig is None or fig[1] != "exact":
                    break
                got.append((t, tp, fig[0]))
            else:
                computed = sum(t.sign * v for t, _p, v in got)
                out.append(Result(source, ident.name, per, computed == stated, stated,
                                  computed, tuple(got)))
    return out


def load_figures(conn: sqlite3.Connection, source: str) -> dict[tuple[str, str], tuple[int, str]]:
    return archive.source_figures(conn, source)


def update(conn: sqlite3.Connection, source: str) -> list[Result]:
    """Re-check `source` against its accepted figures and store what changed (inside the
    caller's transaction). Returns every result."""
    results = evaluate(source, load_figures(conn, source))
    old = {(r["check"], r["period"]): (r["holds"], r["stated"], r["computed"], r["expression"])
           for r in archive.stored_checks(conn, source)}
    stamp = clock.now()
    seen = set()
    for r in results:
        key = (r.check, r.period)
        seen.add(key)
        if old.get(key) == (int(r.holds), r.stated, r.computed, r.expression):
            continue
        terms = [{"metric": t.metric, "period": p, "sign": t.sign, "value": v}
                 for t, p, v in r.terms]
        archive.put_check(conn, source=source, check=r.check, period=r.period,
                          holds=int(r.holds), stated=r.stated, computed=r.computed,
                          expression=r.expression, terms=json.dumps(terms), checked_at=stamp)
    for check, period in set(old) - seen:  # a figure it needed is no longer exact or known
        archive.drop_check(conn, source, check, period)
    return results


def for_period(conn: sqlite3.Connection, source: str, period: str) -> list[Result]:
    """The stored results of one period (for the alert), in declared order."""
    order = {i.name: n for n, i in enumerate(_identities(source))}
    out = [_from_row(r) for r in archive.stored_checks(conn, source, period)]
    return sorted(out, key=lambda r: order.get(r.check, 99))


def _identities(source: str) -> list:
    try:
        return sources.get(source).identities
    except KeyError:
        return []


def _from_row(r: sqlite3.Row) -> Result:
    terms = tuple((Term(t["metric"], t["sign"], 0), t["period"], t["value"])
                  for t in json.loads(r["terms"] or "[]"))
    return Result(r["source"], r["check"], r["period"], bool(r["holds"]), r["stated"],
                  r["computed"], terms)


def metric_checks(results: Iterable[Result], source: str) -> dict[tuple[str, str], list[Result]]:
    """(metric, period) -> the results whose identity involves that figure for that period
    (its right side, or a left term of the same period)."""
    idents = {i.name: i for i in _identities(source)}
    out: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        ident = idents.get(r.check)
        if ident is None:
            continue
        metrics = {ident.right} | {t.metric for t in map(parse_term, ident.left) if not t.back}
        for m in metrics:
            out.setdefault((m, r.period), []).append(r)
    return out


def label(source: str, check: str, language: str = "en") -> str:
    """The identity's declared label (en/es), else its name in words."""
    for ident in _identities(source):
        if ident.name == check:
            return ident.label(language)
    return check.replace("_", " ")


def rows(conn: sqlite3.Connection, names: list[str], since: str | None) -> list[dict]:
    """`monitor check`: every result, recomputed from the accepted figures, as rows."""
    out = []
    for source in names:
        for r in evaluate(source, load_figures(conn, source)):
            if since and r.period < since:
                continue
            out.append({"source": source, "check": r.check, "period": r.period,
                        "holds": r.holds, "stated": r.stated, "computed": r.computed,
                        "difference": r.stated - r.computed, "expression": r.expression})
    out.sort(key=lambda d: (d["source"], d["period"], d["check"]))
    return out
