"""Fiscal bucketing and comparison windows; every definition has one implementation and the doc is in sync."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from attain.analytics.compute import TABLE_METRICS
from attain.analytics.definitions import DEFINITIONS, render_markdown
from attain.analytics.derived import DERIVED
from attain.analytics.measures import MEASURES
from attain.analytics.timeframe import Shift, TimeFrame, tag
from attain.domain.calendar import FiscalCalendar, PeriodKind

ROOT = Path(__file__).resolve().parents[3]


def test_buckets_follow_the_fiscal_calendar() -> None:
    frame = TimeFrame(
        FiscalCalendar(2), date(2024, 2, 1), date(2024, 8, 1), date(2024, 12, 31), PeriodKind.QUARTER
    )
    assert [(b.key, b.start, b.end) for b in frame.buckets()] == [
        ("FY2025-Q1", date(2024, 2, 1), date(2024, 5, 1)),
        ("FY2025-Q2", date(2024, 5, 1), date(2024, 8, 1)),
    ]
    assert [b.start for b in frame.shifted(Shift.YEAR_AGO)] == [date(2023, 2, 1), date(2023, 5, 1)]
    assert [b.start for b in frame.shifted(Shift.PREVIOUS)] == [date(2023, 11, 1), date(2024, 2, 1)]
    assert [b.end for b in frame.shifted(Shift.NEXT)] == [date(2024, 8, 1), date(2024, 11, 1)]


def test_a_date_range_is_one_bucket_compared_with_the_same_length_before() -> None:
    frame = TimeFrame(FiscalCalendar(1), date(2024, 3, 10), date(2024, 3, 20), date(2024, 12, 31))
    [bucket] = frame.buckets()
    assert bucket.key == "2024-03-10..2024-03-19"
    [before] = frame.shifted(Shift.PREVIOUS)
    assert (before.start, before.end) == (date(2024, 2, 29), date(2024, 3, 10))


def test_tag_drops_rows_outside_buckets_and_after_the_as_of_date() -> None:
    rows = pl.DataFrame(
        {"on": [date(2023, 12, 31), date(2024, 1, 1), date(2024, 4, 30), date(2024, 5, 2), None]}
    )
    frame = TimeFrame(
        FiscalCalendar(1), date(2024, 1, 1), date(2025, 1, 1), date(2024, 5, 1), PeriodKind.QUARTER
    )
    out = tag(rows, "on", frame.buckets(), frame.as_of)
    assert out.rows() == [(date(2024, 1, 1), "FY2024-Q1"), (date(2024, 4, 30), "FY2024-Q2")]


def test_every_definition_has_exactly_one_implementation() -> None:
    keys = [d.key for d in DEFINITIONS]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert (key in MEASURES) + (key in DERIVED) == (0 if key == "stage_conversion" else 1), key
    assert set(TABLE_METRICS) == set(MEASURES) | set(DERIVED)


def test_published_metrics_doc_matches_the_definitions() -> None:
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), "run `attain metric-definitions --write-doc docs/metrics.md`"
