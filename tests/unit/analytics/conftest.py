"""Fixtures for the analytics unit tests: the hand-built org of sample_org and a metric runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest

from attain.analytics.compute import measure
from attain.analytics.facts import Facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import GoalRecord
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.domain.calendar import FiscalCalendar, PeriodKind
from tests.unit.analytics.sample_org import org_frame

Run = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def org() -> Org:
    return org_frame()


@pytest.fixture
def run() -> Run:
    """run(facts, metrics, by=(), start=2024-01-01, end=2025-01-01, as_of=2024-12-31, grain=None) -> rows."""

    def go(
        facts: Facts,
        metrics: Sequence[str],
        by: Sequence[Dimension] = (),
        *,
        start: date = date(2024, 1, 1),
        end: date = date(2025, 1, 1),
        as_of: date = date(2024, 12, 31),
        grain: PeriodKind | None = None,
        filters: tuple[tuple[Dimension, int | str], ...] = (),
        goals: Sequence[GoalRecord] = (),
    ) -> list[dict[str, Any]]:
        frame = TimeFrame(FiscalCalendar(1), start, end, as_of, grain)
        return measure(facts, Query(tuple(metrics), tuple(by), frame, filters), goals).to_dicts()

    return go
