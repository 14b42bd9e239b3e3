"""Periods as a type: parsing the SPEC text, order, stepping, and how people read them."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.period import Period, PeriodError, is_monthly, label, previous

PARSE = [
    ("2025-10", Period(2025, 10), True),
    ("2025-01", Period(2025, 1), True),
    ("1999-12", Period(1999, 12), True),
    ("2025", Period(2025), False),
    ("0001", Period(1), False),
]


@pytest.mark.parametrize(("text", "want", "monthly"), PARSE)
def test_parse_round_trips_the_spec_text(text: str, want: Period, monthly: bool) -> None:
    p = Period.parse(text)
    assert p == want
    assert str(p) == text
    assert p.monthly is monthly and p.yearly is not monthly
    assert is_monthly(text) is monthly
    assert Period.parse(p) is p


BAD = [
    ("2025-13", "month from 01 to 12"),
    ("2025-00", "month from 01 to 12"),
    ("2025-1", "expected YYYY-MM (or YYYY)"),
    ("25-10", "expected YYYY-MM (or YYYY)"),
    ("2025-10-01", "expected YYYY-MM (or YYYY)"),
    ("October 2025", "expected YYYY-MM (or YYYY)"),
    (" 2025-10", "expected YYYY-MM (or YYYY)"),
    ("", "expected YYYY-MM (or YYYY)"),
    ("0000", "year from 0001"),
]


@pytest.mark.parametrize(("text", "why"), BAD)
def test_parse_refuses_anything_else_and_quotes_it(text: str, why: str) -> None:
    with pytest.raises(PeriodError) as err:
        Period.parse(text)
    assert why in str(err.value)
    assert repr(text) in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(("year", "month"), [(2025, 0), (2025, 13), (0, 1), (10000, None)])
def test_constructor_refuses_impossible_periods(year: int, month: int | None) -> None:
    with pytest.raises(PeriodError):
        Period(year, month)


STEPS = [
    # period, n, previous(n), next(n)
    ("2025-10", 1, "2025-09", "2025-11"),
    ("2025-01", 1, "2024-12", "2025-02"),
    ("2024-12", 1, "2024-11", "2025-01"),
    ("2025-03", 14, "2024-01", "2026-05"),
    ("2025-06", 0, "2025-06", "2025-06"),
    ("2025", 1, "2024", "2026"),
    ("2000", 3, "1997", "2003"),
]


@pytest.mark.parametrize(("text", "n", "before", "after"), STEPS)
def test_previous_and_next_cross_year_ends(text: str, n: int, before: str, after: str) -> None:
    p = Period.parse(text)
    assert str(p.previous(n)) == before
    assert str(p.next(n)) == after
    assert previous(text, n) == before
    assert p.previous(n).next(n) == p


def test_order_is_the_stored_texts_order() -> None:
    """SQL sorts the stored text; Python must sort the same way (a year before its months)."""
    texts = ["2025-10", "2024", "2025", "2024-12", "2025-01", "2023-07", "2026"]
    assert [str(p) for p in sorted(Period.parse(t) for t in texts)] == sorted(texts)
    assert Period(2025, 1) < Period(2025, 2) < Period(2026, 1)
    assert Period(2024, 12) > Period(2024) and Period(2025) > Period(2024, 12)
    assert max(Period.parse(t) for t in texts) == Period(2026)
    assert Period(2025, 3) <= Period(2025, 3) >= Period(2025, 3)
    with pytest.raises(TypeError):
        _ = Period(2025, 3) < "2025-04"  # type: ignore[operator]


LABELS = [
    ("2025-10", "en", "October 2025", "Oct 2025"),
    ("2025-10", "es", "octubre de 2025", "oct 2025"),
    ("2025-09", "en", "September 2025", "Sep 2025"),
    ("2025-09", "es", "septiembre de 2025", "sept 2025"),
    ("2026-01", "es", "enero de 2026", "ene 2026"),
    ("2024-05", "en", "May 2024", "May 2024"),
    ("2025", "en", "2025", "2025"),
    ("2025", "es", "2025", "2025"),
]


@pytest.mark.parametrize(("text", "lang", "long", "short"), LABELS)
def test_labels_in_english_and_spanish(text: str, lang: str, long: str, short: str) -> None:
    p = Period.parse(text)
    assert p.label(lang) == long
    assert label(text, lang) == long
    assert p.short_label(lang) == short


INDEX = [("2025-01", 2025 * 12), ("2025-12", 2025 * 12 + 11), ("2025", 2025)]


@pytest.mark.parametrize(("text", "index"), INDEX)
def test_index_counts_the_periods_between(text: str, index: int) -> None:
    p = Period.parse(text)
    assert p.index == index
    if p.monthly:
        assert Period.from_index(index) == p
    assert Period(2025, 3).index - Period(2024, 11).index == 4


@pytest.mark.parametrize(("text", "year", "day"), [
    ("2025-10", "2025", dt.date(2025, 10, 1)), ("2025", "2025", dt.date(2025, 1, 1))])
def test_year_and_first_day(text: str, year: str, day: dt.date) -> None:
    assert str(Period.parse(text).as_year()) == year
    assert Period.parse(text).first_day() == day


def test_periods_are_values() -> None:
    """Equal periods are interchangeable as keys (a set of periods, a dict by period)."""
    assert {Period.parse("2025-10"), Period(2025, 10), Period(2025)} == {Period(2025, 10),
                                                                          Period(2025)}
    with pytest.raises(AttributeError):
        Period(2025, 10).month = 11  # type: ignore[misc]
