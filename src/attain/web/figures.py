"""The KPI figures behind the dashboards and the API, computed company-wide once and cached per data version.

Every page filters the same company-wide tables to what its caller may see, so fifty managers share one
computation. An entry is keyed by what it computes, the day and the newest audit entry id (every write
is audited), so an import, a goal or a run makes the next request recompute; entries also expire.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from fastapi import Request

from attain.analytics.dashboard import REP_METRICS
from attain.analytics.org import Dimension
from attain.analytics.ports import FactReader
from attain.analytics.progress import GoalProgress, goal_progress, progress_rows
from attain.analytics.queries import EVERYONE, Scope, Window, metric_rows, require_calendar
from attain.analytics.shared_facts import SharedFactReader, SharedFacts, SharingStore
from attain.analytics.standings import leaderboard, why_off_pace
from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import AttainError
from attain.store.unit_of_work import SqlStore

T = TypeVar("T")
STAMP_SECONDS = 2.0  # how long a read of the audit version is trusted before asking the database again
TTL_SECONDS = 600.0
ENTRIES = 256

# The KPI table of a team: the rep dashboard's metrics, which the team median also uses.
TEAM_METRICS = REP_METRICS
TREND_QUARTERS = 6
# The quarters whose facts a period's figures share (one read each of opportunities and orders): the
# rep trend's six, which include the four past quarters the drivers of reps behind compare with.
SHARED_QUARTERS = TREND_QUARTERS


def today_of(request: Request) -> date:
    """The organisation's local day; `app.state.today` pins it (tests, demos), as the coaching pages do."""
    pinned = getattr(request.app.state, "today", None)
    return pinned if isinstance(pinned, date) else date.today()  # noqa: DTZ011


class FigureCache:
    """A small LRU of computed figures; concurrent requests for a missing entry compute it once."""

    def __init__(
        self,
        store: SqlStore,
        *,
        ttl: float = TTL_SECONDS,
        size: int = ENTRIES,
        stamp_seconds: float = STAMP_SECONDS,
    ) -> None:
        self._store, self._ttl, self._size, self._stamp_seconds = store, ttl, size, stamp_seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._stamp: tuple[float, int] = (0.0, -1)

    @property
    def stamp_seconds(self) -> float:
        return self._stamp_seconds

    def stamp(self) -> int:
        seen_at, value = self._stamp
        if time.monotonic() - seen_at >= self._stamp_seconds:
            return self.refresh_stamp()
        return value

    def refresh_stamp(self) -> int:
        """Read the data version now."""
        now = time.monotonic()
        with self._store.transaction() as tx:
            value = tx.audit.latest_id()
        self._stamp = (now, value)
        return value

    def fresh_stamp(self) -> int | None:
        """The data version if it was read within `stamp_seconds`, else None; never reads the database."""
        seen_at, value = self._stamp
        return value if time.monotonic() - seen_at < self._stamp_seconds else None

    def peek(self, key: Hashable) -> tuple[Any] | None:
        """The entry for `key` as `(value,)` if present under a fresh data version, else None; never reads
        the database, so it is safe on the event loop."""
        seen_at, value = self._stamp
        if time.monotonic() - seen_at >= self._stamp_seconds:
            return None
        return self._lookup((key, value))

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stamp = (0.0, -1)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        full = (key, self.stamp())
        hit = self._lookup(full)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        with self._lock:
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            hit = self._lookup(full)
            if hit is not None:
                return hit[0]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                self._entries[full] = (time.monotonic(), value)
                self._entries.move_to_end(full)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
                self._computing.pop(full, None)
        return value

    def _lookup(self, key: Hashable) -> tuple[Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            at, value = found
            if time.monotonic() - at > self._ttl:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return (value,)


def cache_of(request: Request, name: str = "figures", size: int = ENTRIES) -> FigureCache:
    """The app's cache called `name`: "figures" for computed figures, "pages" for rendered page bodies
    (kept apart so thousands of rep pages never push the company-wide figures out)."""
    cache = getattr(request.app.state, name, None)
    if not isinstance(cache, FigureCache):
        cache = FigureCache(request.app.state.store, size=size)
        setattr(request.app.state, name, cache)
    return cache


@dataclass(frozen=True, slots=True)
class Calendar:
    currency: str
    fiscal: FiscalCalendar


@dataclass
class Figures:
    """Company-wide figures for one day, each computed once per data version."""

    store: SqlStore
    cache: FigureCache
    today: date

    @classmethod
    def of(cls, request: Request) -> Figures:
        return cls(request.app.state.store, cache_of(request), today_of(request))

    def _get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        return self.cache.get((*key, self.today), compute)

    def calendar(self) -> Calendar:
        def read() -> Calendar:
            with self.store.transaction() as tx:
                info, fiscal = require_calendar(tx.fact_reader)
                return Calendar(info.currency, fiscal)

        return self._get(("calendar",), read)

    def quarter(self, key: str | None) -> Period:
        """The quarter (or any period) named by `key`, else the current quarter."""
        fiscal = self.calendar().fiscal
        return fiscal.parse_key(key) if key else fiscal.period_of(PeriodKind.QUARTER, self.today)

    def quarters_around(self, period: Period, back: int = 7) -> list[Period]:
        """The current quarter and `back` before it: the choices of a period selector, newest first."""
        fiscal = self.calendar().fiscal
        out = [fiscal.period_of(PeriodKind.QUARTER, self.today)]
        for _ in range(back):
            out.append(fiscal.previous(out[-1]))
        if period not in out:
            out.append(period)
        return out

    def previous(self, period: Period) -> Period:
        return self.calendar().fiscal.previous(period)

    def people(self) -> list[dict[str, Any]]:
        """Everyone with their assignment today (id, external_id, name, role, team, manager_id)."""

        def read() -> list[dict[str, Any]]:
            with self.store.transaction() as tx:
                return tx.people.listing(self.today, None)

        return self._get(("people",), read)

    def shared(self, period: Period) -> SharedFacts:
        """The company's opportunities and orders of the SHARED_QUARTERS up to `period`'s end, read once
        per data version for all the figures of that period."""

        def make() -> SharedFacts:
            first = period
            for _ in range(SHARED_QUARTERS - 1):
                first = self.previous(first)
            return SharedFacts(first.start, period.end)

        return self._get(("shared", period.key), make)

    def analytics(self, period: Period) -> SharingStore:
        """The store as the figures of `period` read it: covered facts from `shared(period)`."""
        return SharingStore(self.store, self.shared(period))

    def metrics(
        self,
        metrics: Sequence[str],
        by: Sequence[Dimension],
        window: Window,
        scope: Scope = EVERYONE,
        *,
        within: Period | None = None,
    ) -> list[dict[str, Any]]:
        """Metric rows; with `within`, facts inside its shared span come from memory."""

        def read() -> list[dict[str, Any]]:
            with self.store.transaction() as tx:
                reader: FactReader = tx.fact_reader
                if within is not None:
                    reader = SharedFactReader(reader, self.shared(within))
                return metric_rows(reader, metrics, by, window, scope, today=self.today, goal_reader=tx.goals)

        return self._get(("metrics", tuple(metrics), tuple(by), window, scope), read)

    def kpis_by_person(self, period: Period) -> list[dict[str, Any]]:
        return self.metrics(TEAM_METRICS, (Dimension.PERSON,), self._window(period), within=period)

    def kpis_by(self, dimension: Dimension, period: Period) -> list[dict[str, Any]]:
        return self.metrics(TEAM_METRICS, (dimension,), self._window(period), within=period)

    def kpis_before(self, dimension: Dimension, period: Period) -> list[dict[str, Any]]:
        """The same KPIs for the previous period up to the same day of it: what trend arrows compare with."""
        before = self.previous(period)
        reached = self.as_of(period) - period.start
        window = Window(period=before.key, as_of=min(before.last_day, before.start + reached))
        return self.metrics(TEAM_METRICS, (dimension,), window, within=period)

    def goal_progress(self, period: Period) -> list[GoalProgress]:
        """Every goal of the period with its actual, projection, pace and status, as computed."""
        return self._get(
            ("goal_progress", period.key),
            lambda: goal_progress(
                self.analytics(period), period.key, today=self.today, as_of=self.as_of(period)
            ),
        )

    def progress(self, period: Period) -> list[dict[str, Any]]:
        """Every goal of the period with its actual, projection, pace and status, as JSON-ready rows."""
        return self._get(
            ("progress", period.key),
            lambda: progress_rows(self.goal_progress(period), self.calendar().currency),
        )

    def board(self, metric: str, period: Period) -> list[dict[str, Any]]:
        return self._get(
            ("board", metric, period.key),
            lambda: leaderboard(self.analytics(period), metric, self._window(period), today=self.today),
        )

    def at_risk(self, period: Period) -> list[dict[str, Any]]:
        return self._get(
            ("at_risk", period.key),
            lambda: why_off_pace(
                self.analytics(period),
                period.key,
                today=self.today,
                as_of=self.as_of(period),
                progress=self.goal_progress(period),
            ),
        )

    def trend_by_person(self, period: Period) -> list[dict[str, Any]]:
        """Revenue and quota attainment per person and quarter, for the quarters up to `period`."""
        first = period
        for _ in range(TREND_QUARTERS - 1):
            first = self.previous(first)
        window = Window(
            start=first.start, last_day=period.last_day, grain=PeriodKind.QUARTER, as_of=self.as_of(period)
        )
        return self.metrics(("revenue", "quota_attainment"), (Dimension.PERSON,), window, within=period)

    def company_trend(self, period: Period) -> list[dict[str, Any]]:
        """Monthly company revenue, deals won and win rate over the two years up to `period`."""
        fiscal = self.calendar().fiscal
        first = fiscal.year_start(fiscal.fiscal_year_of(period.start) - 1)
        window = Window(
            start=first, last_day=period.last_day, grain=PeriodKind.MONTH, as_of=self.as_of(period)
        )
        return self.metrics(("revenue", "number_of_sales", "win_rate"), (), window, within=period)

    def as_of(self, period: Period) -> date:
        return min(self.today, period.last_day)

    def _window(self, period: Period) -> Window:
        return Window(period=period.key, as_of=self.as_of(period))


def first_of(rows: Sequence[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((r for r in rows if all(r.get(k) == v for k, v in match.items())), None)


def elapsed_share(period: Period, day: date) -> float:
    """The share of the period's days gone by the end of `day`."""
    done = min(max((day - period.start).days + 1, 0), period.days)
    return done / period.days


def warm_up(app: Any) -> threading.Thread:
    """Compute the current quarter's company-wide figures in a background thread, so the first visitors
    of a freshly started server do not wait for them (`attain serve` calls it; tests do not)."""
    cache = getattr(app.state, "figures", None)
    if not isinstance(cache, FigureCache):
        cache = app.state.figures = FigureCache(app.state.store)
    figures = Figures(app.state.store, cache, date.today())  # noqa: DTZ011 (the org's local day)

    def run() -> None:
        try:
            period = figures.quarter(None)
        except AttainError:
            return  # no calendar yet: nothing to warm
        for compute in (
            figures.people,
            lambda: figures.kpis_by_person(period),
            lambda: figures.kpis_before(Dimension.PERSON, period),
            lambda: figures.board("revenue", period),
            lambda: figures.progress(period),
            lambda: figures.at_risk(period),
            lambda: figures.trend_by_person(period),
            lambda: figures.company_trend(period),
            lambda: figures.kpis_by(Dimension.TEAM, period),
            lambda: figures.kpis_before(Dimension.TEAM, period),
        ):
            compute()

    thread = threading.Thread(target=run, name="attain-warm-up", daemon=True)
    thread.start()
    return thread
