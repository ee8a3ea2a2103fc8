"""Fiscal calendars and their periods (month, quarter, year) with a configurable fiscal-year start.

A fiscal year is named after the calendar year in which it ends (FY2025 starting 2024-02-01 ends
2025-01-31), the common US convention; a January start makes fiscal and calendar years equal.
Periods are half-open [start, end): `end` is the first day after the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from attain.domain.errors import InvalidInput


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; `day` must be the first of a month (periods always are)."""
    if day.day != 1:
        raise InvalidInput(f"{day} is not the first of a month")
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """One fiscal month, quarter or year: half-open [start, end)."""

    kind: PeriodKind
    fiscal_year: int
    number: int  # 1-12 for months, 1-4 for quarters, 1 for years
    start: date
    end: date

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"FY{self.fiscal_year}"
        if self.kind is PeriodKind.QUARTER:
            return f"FY{self.fiscal_year}-Q{self.number}"
        return f"FY{self.fiscal_year}-M{self.number:02d}"

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """A calendar whose fiscal year starts on the first of `start_month`."""

    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.start_month <= 12:
            raise InvalidInput(f"fiscal year start month {self.start_month} is not between 1 and 12")

    def fiscal_year_of(self, day: date) -> int:
        # The fiscal year is named after the year it ends in.
        if self.start_month == 1:
            return day.year
        return day.year + 1 if day.month >= self.start_month else day.year

    def year_start(self, fiscal_year: int) -> date:
        if self.start_month == 1:
            return date(fiscal_year, 1, 1)
        return date(fiscal_year - 1, self.start_month, 1)

    def period(self, kind: PeriodKind, fiscal_year: int, number: int = 1) -> Period:
        span = _MONTHS[kind]
        count = 12 // span
        if not 1 <= number <= count:
            raise InvalidInput(f"{kind} number {number} is outside 1..{count}")
        start = add_months(self.year_start(fiscal_year), (number - 1) * span)
        return Period(kind, fiscal_year, number, start, add_months(start, span))

    def period_of(self, kind: PeriodKind, day: date) -> Period:
        """The period of `kind` that contains `day`."""
        fy = self.fiscal_year_of(day)
        offset = (day.year * 12 + day.month - 1) - (
            self.year_start(fy).year * 12 + self.year_start(fy).month - 1
        )
        return self.period(kind, fy, offset // _MONTHS[kind] + 1)

    def periods(self, kind: PeriodKind, fiscal_year: int) -> list[Period]:
        return [self.period(kind, fiscal_year, n) for n in range(1, 12 // _MONTHS[kind] + 1)]

    def all_periods(self, first_fiscal_year: int, last_fiscal_year: int) -> list[Period]:
        """Every month, quarter and year of the fiscal years in the inclusive range."""
        out: list[Period] = []
        for fy in range(first_fiscal_year, last_fiscal_year + 1):
            for kind in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
                out.extend(self.periods(kind, fy))
        return out

    def parse_key(self, key: str) -> Period:
        """Parse 'FY2025', 'FY2025-Q3' or 'FY2025-M07' into a Period of this calendar."""
        text = key.strip().upper()
        try:
            if not text.startswith("FY"):
                raise ValueError(text)
            head, _, tail = text[2:].partition("-")
            fy = int(head)
            if not tail:
                return self.period(PeriodKind.YEAR, fy)
            if tail[0] == "Q":
                return self.period(PeriodKind.QUARTER, fy, int(tail[1:]))
            if tail[0] == "M":
                return self.period(PeriodKind.MONTH, fy, int(tail[1:]))
            raise ValueError(text)
        except ValueError as exc:
            raise InvalidInput(
                f"'{key}' is not a period key", hint="write FY2025, FY2025-Q3 or FY2025-M07"
            ) from exc

    def previous(self, period: Period) -> Period:
        return self.period_of(period.kind, date.fromordinal(period.start.toordinal() - 1))

    def same_period_last_year(self, period: Period) -> Period:
        return self.period(period.kind, period.fiscal_year - 1, period.number)
