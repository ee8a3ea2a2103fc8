"""Company-wide facts read once for a span of dates and shared by every figure that needs a part of it.

A dashboard asks for the same opportunities and orders many times (this quarter's KPIs, the prior
quarter's, the leaderboard, goal progress, the drivers of the reps behind): `SharedFacts` reads each
source for its whole span on first use and answers every read inside it by filtering in memory, with
the predicates the store's reads apply, so the figures are the same as from separate reads. Money is
converted into the reporting currency once for the span (each row on its own day, as every read
does), so later conversions find nothing foreign. Reads scoped to owners, with row detail, or outside
the span go to the store as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date

import polars as pl

from attain.analytics.facts import RatesOnce, Source, in_currency
from attain.analytics.ports import (
    AnalyticsStore,
    AnalyticsTransaction,
    AuditLog,
    CalendarView,
    Detail,
    FactReader,
    FactScope,
    GoalRepository,
    MetricDefinitionRepository,
    SettingsRepository,
)
from attain.domain.errors import InvalidInput


def _opportunities_in(frame: pl.DataFrame, start: date | None, end: date | None) -> pl.DataFrame:
    """The store's opportunity read: created before `end` and not closed before `start` (SQL null logic:
    a row whose condition is unknown is left out, as Polars' filter does)."""
    keep = pl.lit(True)
    if end is not None:
        keep = keep & (pl.col("created_on").is_null() | (pl.col("created_on") < end))
    if start is not None:
        keep = keep & (
            pl.col("close_on").is_null() | (pl.col("status") == "open") | (pl.col("close_on") >= start)
        )
    return frame.filter(keep)


def _orders_in(frame: pl.DataFrame, start: date | None, end: date | None) -> pl.DataFrame:
    keep = pl.lit(True)
    if start is not None:
        keep = keep & (pl.col("booked_on") >= start)
    if end is not None:
        keep = keep & (pl.col("booked_on") < end)
    return frame.filter(keep)


class SharedFacts:
    """The opportunities and orders of [start, end) for everyone, each read at most once."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self._frames: dict[Source, pl.DataFrame] = {}
        self._lock = threading.Lock()

    def covers(self, scope: FactScope) -> bool:
        return (
            scope.owners is None
            and scope.detail is Detail.FIGURES
            and scope.start is not None
            and scope.end is not None
            and self.start <= scope.start
            and scope.end <= self.end
        )

    def frame(self, source: Source, reader: FactReader) -> pl.DataFrame:
        read: Callable[[FactScope], pl.DataFrame] = (
            reader.opportunities if source is Source.OPPORTUNITIES else reader.orders
        )
        with self._lock:
            if source not in self._frames:
                self._frames[source] = _in_reporting(read(FactScope(self.start, self.end)), source, reader)
            return self._frames[source]


def _in_reporting(frame: pl.DataFrame, source: Source, reader: FactReader) -> pl.DataFrame:
    """`frame` converted into the calendar's currency; as read when a row lacks a rate, so that each read
    converting its own rows reports the rows of its own dates (or none) as before."""
    calendar = reader.calendar()
    if calendar is None:
        return frame
    try:
        return in_currency(frame, source, calendar.currency, RatesOnce(reader))
    except InvalidInput:
        return frame


class SharedFactReader:
    """A FactReader answering covered opportunity and order reads from `shared`, the rest from `reader`."""

    def __init__(self, reader: FactReader, shared: SharedFacts) -> None:
        self._reader, self._shared = reader, shared

    def opportunities(self, scope: FactScope) -> pl.DataFrame:
        if not self._shared.covers(scope):
            return self._reader.opportunities(scope)
        whole = self._shared.frame(Source.OPPORTUNITIES, self._reader)
        return _opportunities_in(whole, scope.start, scope.end)

    def orders(self, scope: FactScope) -> pl.DataFrame:
        if not self._shared.covers(scope):
            return self._reader.orders(scope)
        whole = self._shared.frame(Source.ORDERS, self._reader)
        return _orders_in(whole, scope.start, scope.end)

    def calendar(self) -> CalendarView | None:
        return self._reader.calendar()

    def stage_history(self, scope: FactScope) -> pl.DataFrame:
        return self._reader.stage_history(scope)

    def costs(self, scope: FactScope) -> pl.DataFrame:
        return self._reader.costs(scope)

    def data_version(self) -> str:
        return self._reader.data_version()

    def daily_totals(self, source: str, scope: FactScope) -> pl.DataFrame:
        return self._reader.daily_totals(source, scope)

    def first_purchases(self) -> pl.DataFrame:
        return self._reader.first_purchases()

    def exchange_rates(self) -> pl.DataFrame:
        return self._reader.exchange_rates()

    def assignments(self) -> pl.DataFrame:
        return self._reader.assignments()

    def people(self) -> pl.DataFrame:
        return self._reader.people()

    def teams(self) -> pl.DataFrame:
        return self._reader.teams()

    def territories(self) -> pl.DataFrame:
        return self._reader.territories()

    def accounts(self) -> pl.DataFrame:
        return self._reader.accounts()

    def products(self) -> pl.DataFrame:
        return self._reader.products()


class _SharingTransaction:
    def __init__(self, tx: AnalyticsTransaction, shared: SharedFacts) -> None:
        self._tx, self._reader = tx, SharedFactReader(tx.fact_reader, shared)

    @property
    def fact_reader(self) -> FactReader:
        return self._reader

    @property
    def goals(self) -> GoalRepository:
        return self._tx.goals

    @property
    def settings(self) -> SettingsRepository:
        return self._tx.settings

    @property
    def metric_definitions(self) -> MetricDefinitionRepository:
        return self._tx.metric_definitions

    @property
    def audit(self) -> AuditLog:
        return self._tx.audit


class SharingStore:
    """An AnalyticsStore whose transactions read covered facts from `shared` (the rest from `store`)."""

    def __init__(self, store: AnalyticsStore, shared: SharedFacts) -> None:
        self._store, self._shared = store, shared

    def transaction(self) -> AbstractContextManager[AnalyticsTransaction]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[AnalyticsTransaction]:
        with self._store.transaction() as tx:
            yield _SharingTransaction(tx, self._shared)
