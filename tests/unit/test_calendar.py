"""Fiscal calendars: periods tile the year without gaps, every day falls in exactly one period."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, PeriodKind, add_months
from attain.domain.errors import InvalidInput

months = st.integers(min_value=1, max_value=12)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
kinds = st.sampled_from(list(PeriodKind))


def test_fiscal_year_is_named_after_the_year_it_ends_in() -> None:
    cal = FiscalCalendar(start_month=2)
    assert cal.fiscal_year_of(date(2024, 2, 1)) == 2025
    assert cal.fiscal_year_of(date(2025, 1, 31)) == 2025
    q1 = cal.period(PeriodKind.QUARTER, 2025, 1)
    assert (q1.start, q1.end, q1.key) == (date(2024, 2, 1), date(2024, 5, 1), "FY2025-Q1")


def test_calendar_year_when_fiscal_year_starts_in_january() -> None:
    cal = FiscalCalendar()
    assert cal.period_of(PeriodKind.QUARTER, date(2024, 8, 15)).key == "FY2024-Q3"
    assert cal.period_of(PeriodKind.MONTH, date(2024, 12, 31)).key == "FY2024-M12"


def test_period_keys_parse_back_and_bad_keys_say_how_to_write_them() -> None:
    cal = FiscalCalendar(4)
    assert cal.parse_key("fy2025-q3") == cal.period(PeriodKind.QUARTER, 2025, 3)
    assert cal.parse_key("FY2025") == cal.period(PeriodKind.YEAR, 2025)
    with pytest.raises(InvalidInput, match="FY2025-Q3"):
        cal.parse_key("2025Q3")
    with pytest.raises(InvalidInput, match=r"outside 1\.\.4"):
        cal.parse_key("FY2025-Q5")


def test_start_month_must_be_a_month() -> None:
    with pytest.raises(InvalidInput):
        FiscalCalendar(13)


@given(months, days, kinds)
def test_every_day_falls_in_the_period_found_for_it(start: int, day: date, kind: PeriodKind) -> None:
    cal = FiscalCalendar(start)
    period = cal.period_of(kind, day)
    assert period.contains(day)
    assert cal.parse_key(period.key) == period


@given(months, st.integers(min_value=1990, max_value=2090), kinds)
def test_periods_of_a_year_tile_it_without_gaps_or_overlaps(start: int, fy: int, kind: PeriodKind) -> None:
    cal = FiscalCalendar(start)
    periods = cal.periods(kind, fy)
    year = cal.period(PeriodKind.YEAR, fy)
    assert periods[0].start == year.start
    assert periods[-1].end == year.end
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))
    assert sum(p.days for p in periods) == year.days


@given(months, days, kinds)
def test_previous_and_same_period_last_year_are_adjacent_and_aligned(
    start: int, day: date, kind: PeriodKind
) -> None:
    cal = FiscalCalendar(start)
    period = cal.period_of(kind, day)
    assert cal.previous(period).end == period.start
    last_year = cal.same_period_last_year(period)
    assert last_year.number == period.number
    assert add_months(last_year.start, 12) == period.start
    assert cal.period_of(kind, period.last_day) == period
    assert cal.period_of(kind, period.last_day + timedelta(days=1)) != period
