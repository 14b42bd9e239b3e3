"""Periods as a type: the month (`YYYY-MM`) or year (`YYYY`) a figure counts.

Every figure is for one period (SPEC): a monthly one names its month, a yearly one its
year. `Period` is that value: it parses the SPEC text with a clear error, orders like the
stored text does (a year before its own months, so SQL's `ORDER BY period` and Python agree),
steps back and forth (December to January across years), and writes itself for people in
English and Spanish. `str()` gives the SPEC text back, the form stored and printed as JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
             "septiembre", "octubre", "noviembre", "diciembre")
SHORT_EN = tuple(m[:3] for m in MONTHS_EN)
SHORT_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov",
            "dic")
LANGUAGES = ("en", "es")

_TEXT = re.compile(r"(\d{4})(?:-(\d{2}))?")


class PeriodError(ValueError):
    """Text that is not a SPEC period; the message quotes it and says what is expected."""


def month_name(month: int, language: str = "en", short: bool = False) -> str:
    """1 -> 'January' / 'enero' (short: 'Jan' / 'ene'); months are 1 to 12."""
    if not 1 <= month <= 12:
        raise PeriodError(f"not a month: {month!r} (months are 1 to 12)")
    if language == "es":
        return (SHORT_ES if short else MONTHS_ES)[month - 1]
    return (SHORT_EN if short else MONTHS_EN)[month - 1]


@dataclass(frozen=True, slots=True)
class Period:
    """A month (`month` 1-12) or, with `month=None`, a whole year."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise PeriodError(f"not a year: {self.year!r} (periods have four-digit years)")
        if self.month is not None and not 1 <= self.month <= 12:
            raise PeriodError(f"not a month: {self.month!r} (months are 1 to 12)")

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """'2025-10' -> October 2025, '2025' -> the year 2025 (a Period passes through).

        PeriodError (a ValueError) for anything else: '2025-13', '2025-1', '25-10', ''."""
        if isinstance(text, Period):
            return text
        m = _TEXT.fullmatch(text) if isinstance(text, str) else None
        if not m:
            raise PeriodError(f"expected YYYY-MM (or YYYY), got {text!r}")
        month = int(m.group(2)) if m.group(2) else None
        if month is not None and not 1 <= month <= 12:
            raise PeriodError(f"expected YYYY-MM (or YYYY) with a month from 01 to 12, got "
                              f"{text!r}")
        if int(m.group(1)) == 0:
            raise PeriodError(f"expected YYYY-MM (or YYYY) with a year from 0001, got {text!r}")
        return cls(int(m.group(1)), month)

    @classmethod
    def from_index(cls, index: int) -> Period:
        """The month `index` months after January of year 0 (the inverse of `.index`)."""
        return cls(index // 12, index % 12 + 1)

    @property
    def monthly(self) -> bool:
        return self.month is not None

    @property
    def yearly(self) -> bool:
        return self.month is None

    @property
    def index(self) -> int:
        """Months since January of year 0 (a year: the year), so that gaps keep their width
        and `b.index - a.index` counts the periods between two of the same kind."""
        return self.year * 12 + self.month - 1 if self.month is not None else self.year

    def shift(self, n: int) -> Period:
        """`n` months later (earlier when negative); for a year, `n` years."""
        if self.month is None:
            return Period(self.year + n)
        return Period.from_index(self.index + n)

    def previous(self, n: int = 1) -> Period:
        """The month (or year) before: 2025-01 -> 2024-12, 2025 -> 2024."""
        return self.shift(-n)

    def next(self, n: int = 1) -> Period:
        """The month (or year) after: 2024-12 -> 2025-01, 2025 -> 2026."""
        return self.shift(n)

    def as_year(self) -> Period:
        """The year this period falls in (a year stays itself)."""
        return Period(self.year)

    def first_day(self) -> dt.date:
        """The period's first day (1 January for a year)."""
        return dt.date(self.year, self.month or 1, 1)

    def label(self, language: str = "en") -> str:
        """'October 2025' / 'octubre de 2025'; a year is just '2025' in both."""
        if self.month is None:
            return f"{self.year:04d}"
        name = month_name(self.month, language)
        return f"{name} de {self.year}" if language == "es" else f"{name} {self.year}"

    def short_label(self, language: str = "en") -> str:
        """'Oct 2025' / 'oct 2025' (chart axes); a year is '2025'."""
        if self.month is None:
            return f"{self.year:04d}"
        return f"{month_name(self.month, language, short=True)} {self.year}"

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}"

    def _key(self) -> tuple[int, int]:
        return (self.year, self.month or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() >= other._key()


def parse(text: str | Period) -> Period:
    """`Period.parse`: the SPEC text as a Period, PeriodError when it is not one."""
    return Period.parse(text)


def label(text: str | Period, language: str = "en") -> str:
    """The period's name for people: '2025-10' -> 'October 2025' / 'octubre de 2025'."""
    return Period.parse(text).label(language)


def previous(text: str | Period, n: int = 1) -> str:
    """The SPEC text of the period `n` before: '2025-01' -> '2024-12', '2025' -> '2024'."""
    return str(Period.parse(text).previous(n))


def is_monthly(text: str | Period) -> bool:
    """True for 'YYYY-MM', False for 'YYYY' (PeriodError for anything else)."""
    return Period.parse(text).monthly


def current_month(now: dt.datetime) -> Period:
    """The month `now` falls in."""
    return Period(now.year, now.month)
