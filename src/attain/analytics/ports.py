"""What analytics needs from storage, as Protocols; `attain.store` implements them.

Reads return Polars frames shaped as `frames` declares, pushed down to the date range and owners of
a `FactScope` so a single rep's dashboard reads only that rep's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import polars as pl


class Detail(StrEnum):
    """How much of each fact a read returns."""

    FIGURES = "figures"  # what the metrics compute from: external ids and stage names come back null
    ROWS = "rows"  # everything, for drill-down and the funnel


@dataclass(frozen=True, slots=True)
class FactScope:
    """Which facts a read needs: dates in [start, end) (None: unbounded) and, if given, only these owners."""

    start: date | None = None
    end: date | None = None
    owners: tuple[int, ...] | None = None
    detail: Detail = Detail.FIGURES


class CalendarView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def start_month(self) -> int: ...
    @property
    def currency(self) -> str: ...


class FactReader(Protocol):
    def calendar(self) -> CalendarView | None: ...

    def opportunities(self, scope: FactScope) -> pl.DataFrame:
        """Opportunities that touch [start, end): created before `end` and not closed before `start`."""
        ...

    def orders(self, scope: FactScope) -> pl.DataFrame:
        """Orders booked in [start, end)."""
        ...

    def stage_history(self, scope: FactScope) -> pl.DataFrame:
        """Stage entries of the opportunities created in [start, end)."""
        ...

    def costs(self, scope: FactScope) -> pl.DataFrame:
        """Costs whose period overlaps [start, end)."""
        ...

    def data_version(self) -> str:
        """Names this database and the state of its facts; it changes whenever an import commits."""
        ...

    def daily_totals(self, source: str, scope: FactScope) -> pl.DataFrame:
        """Per day and currency, the summed amount and count of `source`: 'orders' (by booked_on) or
        'won' (won opportunities by close_on), aggregated where the data lives."""
        ...

    def first_purchases(self) -> pl.DataFrame:
        """Each account's first positive order date (over all history)."""
        ...

    def exchange_rates(self) -> pl.DataFrame:
        """Every dated rate; `rate` as exact decimal text."""
        ...

    def assignments(self) -> pl.DataFrame: ...
    def people(self) -> pl.DataFrame: ...
    def teams(self) -> pl.DataFrame: ...
    def territories(self) -> pl.DataFrame: ...
    def accounts(self) -> pl.DataFrame: ...
    def products(self) -> pl.DataFrame: ...


@dataclass(frozen=True, slots=True)
class GoalRecord:
    """A goal as stored: the scope is the row id of the person, team or territory (None for company)."""

    metric: str
    scope_kind: str
    scope_id: int | None
    period: str
    kind: str
    target: Decimal
    currency: str | None


@dataclass(frozen=True, slots=True)
class SavedGoals:
    created: int
    updated: int


class GoalRepository(Protocol):
    def save(self, goals: Sequence[GoalRecord]) -> SavedGoals:
        """Insert or update goals on (metric, scope, period, kind)."""
        ...

    def find(
        self,
        *,
        periods: Sequence[str] | None = None,
        metric: str | None = None,
        scope_kind: str | None = None,
        scope_ids: Sequence[int] | None = None,
    ) -> list[GoalRecord]: ...


class SettingsRepository(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, value: dict[str, Any], *, actor: str, at: datetime) -> None: ...


class MetricDefinitionRepository(Protocol):
    def publish(self, rows: Sequence[dict[str, str]]) -> int:
        """Make the stored definitions equal to `rows` (keyed by `key`); returns how many changed."""
        ...


class AuditLog(Protocol):
    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...


class AnalyticsTransaction(Protocol):
    @property
    def fact_reader(self) -> FactReader: ...
    @property
    def goals(self) -> GoalRepository: ...
    @property
    def settings(self) -> SettingsRepository: ...
    @property
    def metric_definitions(self) -> MetricDefinitionRepository: ...
    @property
    def audit(self) -> AuditLog: ...


class AnalyticsStore(Protocol):
    def transaction(self) -> AbstractContextManager[AnalyticsTransaction]: ...
