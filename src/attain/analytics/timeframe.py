"""Time for metrics: the window, the grain (fiscal month, quarter, year or none) and the as-of date.

A TimeFrame cuts its window into non-overlapping Buckets; `tag` puts each fact in its bucket by a
date column with one sorted search, and shifted bucket lists (previous period, a year ago, next
period) keep the current bucket's key so comparisons join on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

import polars as pl

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind, add_months
from attain.domain.errors import InvalidInput


class Shift(StrEnum):
    PREVIOUS = "previous"  # the period just before, of the same length
    YEAR_AGO = "year_ago"  # the same period of the previous fiscal year
    NEXT = "next"  # the period just after, of the same length


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    start: date
    end: date  # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TimeFrame:
    """Facts dated in [start, end) and on or before `as_of`, grouped by `grain` (None: one bucket)."""

    calendar: FiscalCalendar
    start: date
    end: date
    as_of: date
    grain: PeriodKind | None = None
    label: str | None = None  # the whole window's name when it is a period, e.g. FY2025-Q1

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise InvalidInput(
                f"the date range {self.start}..{self.end} is empty",
                hint="give a start date before the end date",
            )

    @classmethod
    def for_period(
        cls, calendar: FiscalCalendar, period: Period, as_of: date, grain: PeriodKind | None = None
    ) -> TimeFrame:
        return cls(calendar, period.start, period.end, as_of, grain, period.key)

    def buckets(self) -> list[Bucket]:
        if self.grain is None:
            name = self.label or f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"
            return [Bucket(name, self.start, self.end)]
        out: list[Bucket] = []
        period = self.calendar.period_of(self.grain, self.start)
        while period.start < self.end:
            out.append(Bucket(period.key, max(period.start, self.start), min(period.end, self.end)))
            period = self.calendar.period_of(self.grain, period.end)
        return out

    def shifted(self, shift: Shift) -> list[Bucket]:
        """Each bucket's comparison range, keyed by the bucket it is compared for."""
        return [Bucket(b.key, *_shift_range(b, shift)) for b in self.buckets()]

    def load_range(self, shifts: set[Shift]) -> tuple[date, date]:
        """The dates whose facts this frame (and its shifted comparisons) need."""
        ranges = [(self.start, self.end)] + [(b.start, b.end) for s in shifts for b in self.shifted(s)]
        return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _months_between(start: date, end: date) -> int | None:
    """Whole months from start to end when both are firsts of months, else None."""
    if start.day != 1 or end.day != 1:
        return None
    return (end.year - start.year) * 12 + end.month - start.month


def _shift_range(bucket: Bucket, shift: Shift) -> tuple[date, date]:
    months = _months_between(bucket.start, bucket.end)
    if shift is Shift.YEAR_AGO:
        if months is not None:
            return add_months(bucket.start, -12), add_months(bucket.end, -12)
        return _minus_year(bucket.start), _minus_year(bucket.end)
    step = 1 if shift is Shift.NEXT else -1
    if months is not None:
        return add_months(bucket.start, step * months), add_months(bucket.end, step * months)
    days = (bucket.end - bucket.start).days
    return bucket.start + timedelta(days=step * days), bucket.end + timedelta(days=step * days)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def bucket_frame(buckets: list[Bucket]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_b": list(range(len(buckets))),
            "period": [b.key for b in buckets],
            "_b_start": [b.start for b in buckets],
            "_b_end": [b.end for b in buckets],
        },
        schema={"_b": pl.UInt32, "period": pl.Utf8, "_b_start": pl.Date, "_b_end": pl.Date},
    )


def period_type(buckets: list[Bucket]) -> pl.Enum:
    """The `period` column's type: an enum of the bucket keys in time order (sorts by time, groups fast)."""
    return pl.Enum(list(dict.fromkeys(b.key for b in buckets)))


def tag(frame: pl.DataFrame, date_col: str, buckets: list[Bucket], as_of: date | None) -> pl.DataFrame:
    """Rows of `frame` whose `date_col` lies in a bucket (and on or before `as_of`), with its key as `period`.

    Buckets must be sorted and must not overlap; rows in gaps between them are dropped.
    """
    if not buckets:
        return frame.head(0).with_columns(period=pl.lit(None, pl.Utf8))
    day = pl.col(date_col)
    keep = day.is_not_null() & (day >= buckets[0].start) & (day < buckets[-1].end)
    if as_of is not None:
        keep = keep & (day <= as_of)
    rows = frame.filter(keep)
    starts = pl.Series([b.start for b in buckets], dtype=pl.Date)
    index = starts.search_sorted(rows.get_column(date_col), side="right") - 1
    keys = pl.Series("period", [b.key for b in buckets], dtype=period_type(buckets)).gather(index)
    rows = rows.with_columns(keys)
    contiguous = all(a.end == b.start for a, b in pairwise(buckets))
    if not contiguous:
        ends = pl.Series([b.end for b in buckets], dtype=pl.Date).gather(index)
        rows = rows.filter(day < ends)
    return rows
