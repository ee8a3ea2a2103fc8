"""What to generate: the seed, the as-of date, the size knobs, and the fiscal window they imply.

Pure values; nothing here reads the clock (the caller passes the as-of date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from attain.domain.calendar import FiscalCalendar
from attain.domain.errors import InvalidInput

MIN_REPS = 10  # a rep per segment team in three regions, two in the team a rep transfers into
HISTORY_YEARS = 3  # two closed fiscal years and the current one in progress
PIPELINE_HORIZON_DAYS = 240  # deals planned to close this far past the as-of date may already be open


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """The knobs of `attain demo`: the same spec always gives byte-identical frames."""

    as_of: date
    seed: int = 7
    reps: int = 60
    orders: int | None = None  # target number of order lines; None keeps the natural volume
    fiscal_start_month: int = 1

    def __post_init__(self) -> None:
        if self.reps < MIN_REPS:
            raise InvalidInput(f"--reps {self.reps} is too small", hint=f"use at least {MIN_REPS}")
        if self.orders is not None and self.orders < 1:
            raise InvalidInput(
                f"--orders {self.orders} must be positive", hint="omit it for the natural volume"
            )
        if self.seed < 0:
            raise InvalidInput(f"--seed {self.seed} must be zero or positive")
        FiscalCalendar(self.fiscal_start_month)

    @property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_start_month)

    @property
    def current_fy(self) -> int:
        return self.calendar.fiscal_year_of(self.as_of)

    @property
    def first_fy(self) -> int:
        return self.current_fy - (HISTORY_YEARS - 1)

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fy, self.current_fy + 1))

    @property
    def history_start(self) -> date:
        return self.calendar.year_start(self.first_fy)

    @property
    def horizon_end(self) -> date:
        """The last planned close date of a deal that may be open on the as-of date."""
        return self.as_of + timedelta(days=PIPELINE_HORIZON_DAYS)


def day_number(day: date) -> int:
    """Days since 1970-01-01: the integer form the vectorised code works in (Polars' Date)."""
    return (day - date(1970, 1, 1)).days


def from_day_number(days: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(days))
