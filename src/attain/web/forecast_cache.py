"""The forecasts' memory: the costly model fits behind the forecast API and pages, computed company-wide once
per facts version, served stale while they are refitted, and cut to each caller's reach per request.

Fitting the statistical models, the backtest and the win and loss hazards takes tens of seconds of CPU on a
company of 60 reps; the figures they give change only when the facts do. So the fitted outlook (per
period, as-of day, grain, method and reconciliation), the backtest, the calibration and the open deals'
win chances live in the app's `ForecastFits`, keyed by the facts version (`freshness.facts_version`: the
newest audited write that changes facts, goals or the calendar; a weekly call, a coaching note or an
inquiry does not count). When the facts move on, requests get the last fit at once, marked stale, while
one background worker refits (forecast_fits.py). Every entry holds the whole organisation's figures and
nothing about who asked: callers filter them with their `ScopeView` or person id after the lookup, so no
cut is ever shared between users. Goals, calls and recorded errors are read per request
(`blended_outlook`), so a new call or goal shows at once even on a stale fit. Who is in which team, which
decides the team scopes a manager may see, is never served stale.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from fastapi import FastAPI, Request

from attain.analytics.forecast.backtest import HierarchyBacktest
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.outlook import ForecastRequest, backtest, period_outlook
from attain.analytics.forecast.series import Grain
from attain.app.access import PeopleScope
from attain.app.forecasts.earnings import RepEarnings, open_deal_chances, rep_expected_earnings
from attain.app.forecasts.outlook import (
    Calibration,
    Outlook,
    ScopeView,
    blended_outlook,
    scope_members,
    win_calibration,
)
from attain.domain.calendar import PeriodKind
from attain.domain.errors import AttainError
from attain.store.unit_of_work import SqlStore
from attain.web.forecast_fits import Fit, ForecastFits
from attain.web.freshness import FactsVersion

log = logging.getLogger(__name__)

# Entries of the forecast fits. Each holds one company-wide computation: an outlook has a row per scope
# (people, teams, company) plus the pipeline's open deals; a backtest a row per scope, method and fold; deal
# chances a row per open deal. So an entry grows with the organisation, not with its orders, and 64 entries
# hold a handful of periods and as-of days with their backtests and calibrations (sizes: docs/forecasting.md).
FORECAST_ENTRIES = 64
# The accuracy table stays cheap enough for a page: the default combination, its members and the baseline.
ACCURACY_METHODS: tuple[Method, ...] = (Method.COMBINATION, Method.ETS, Method.THETA, Method.SEASONAL_NAIVE)
PAGE_HORIZON, PAGE_FOLDS = 3, 3  # the forecast page's backtest: 3 months ahead at 3 origins
CALIBRATION_DAYS = 91
Key = tuple[Any, ...]


_MAKING = threading.Lock()  # two first requests of an app make one ForecastFits


def fits_of(app: FastAPI) -> ForecastFits:
    """The app's forecast fits, made on first use; `app.state.forecast_executor`, when set, runs the refits
    (tests pass one they run by hand), else one worker thread of the app does."""
    state = app.state
    fits = getattr(state, "forecast_fits", None)
    if not isinstance(fits, ForecastFits):
        with _MAKING:
            fits = getattr(state, "forecast_fits", None)
            if not isinstance(fits, ForecastFits):
                fits = state.forecast_fits = ForecastFits(
                    FactsVersion(state.store),
                    executor=getattr(state, "forecast_executor", None),
                    size=FORECAST_ENTRIES,
                )
    return fits


@dataclass(frozen=True, slots=True)
class Freshness:
    """How current the figures of one answer are: the oldest fit it used, and whether any was stale."""

    computed_at: datetime | None
    version: int | None
    stale: bool


Compute = Callable[[], Any]


@dataclass(frozen=True)
class Forecasts:
    """The forecast figures of one store, each fitted once per facts version for the whole organisation.
    One per request: it remembers the fits it served, so the answer can say how current it is."""

    store: SqlStore
    fits: ForecastFits
    served: list[Fit[Any]] = field(default_factory=list)

    @classmethod
    def of(cls, request: Request) -> Forecasts:
        return cls(request.app.state.store, fits_of(request.app))

    def _get(self, found: tuple[Key, Compute], *, current: bool = False) -> Any:
        key, compute = found
        fit = self.fits.current(key, compute, read_now=True) if current else self.fits.get(key, compute)
        self.served.append(fit)
        return fit.value

    def freshness(self) -> Freshness:
        if not self.served:
            return Freshness(None, None, False)
        oldest = min(self.served, key=lambda f: f.computed_at)
        return Freshness(oldest.computed_at, oldest.version, any(f.stale for f in self.served))

    # What each figure is keyed by and how it is fitted: shared by the lookups and the warm-up.

    def _outlook(self, request: ForecastRequest) -> tuple[Key, Compute]:
        return ("outlook", request), lambda: period_outlook(self.store, request)

    def _backtest(
        self, as_of: date, grain: Grain, horizon: int, folds: int, methods: tuple[Method, ...]
    ) -> tuple[Key, Compute]:
        return ("backtest", as_of, grain, horizon, folds, methods), lambda: backtest(
            self.store, as_of=as_of, grain=grain, horizon=horizon, folds=folds, methods=methods
        )

    def _calibration(self, as_of: date, horizon_days: int) -> tuple[Key, Compute]:
        return ("calibration", as_of, horizon_days), lambda: win_calibration(self.store, as_of, horizon_days)

    def outlook(self, request: ForecastRequest, *, fresh: bool = False) -> Outlook:
        """Every scope's outlook: the fit from memory, goals, calls and the blend read now. `fresh` fits the
        current facts if need be instead of serving a stale one (what a write records must be current)."""
        fitted = self._get(self._outlook(request), current=fresh)
        return blended_outlook(self.store, self.store, fitted)

    def backtest(
        self, *, as_of: date, grain: Grain, horizon: int, folds: int, methods: tuple[Method, ...]
    ) -> HierarchyBacktest:
        """Every scope's rolling-origin backtest of `methods`."""
        result: HierarchyBacktest = self._get(self._backtest(as_of, grain, horizon, folds, methods))
        return result

    def calibration(self, as_of: date, horizon_days: int = CALIBRATION_DAYS) -> Calibration:
        """The company's win-probability calibration (it names no person or scope)."""
        found: Calibration = self._get(self._calibration(as_of, horizon_days))
        return found

    def deal_chances(self, period: str, as_of: date) -> pl.DataFrame:
        """Every open deal's chance to be won in `period`: the hazard fit behind expected earnings."""
        key = ("deal_chances", period.strip().upper(), as_of)
        found: pl.DataFrame = self._get((key, lambda: open_deal_chances(self.store, period, as_of)))
        return found

    def earnings(self, person_id: int, period: str, as_of: date, scenarios: int) -> RepEarnings:
        """`person_id`'s expected earnings: their own deals cut from the company's chances, their plan now."""
        chances = self.deal_chances(period, as_of)
        return rep_expected_earnings(
            self.store, person_id, period, as_of, scenarios=scenarios, chances=chances
        )

    def view(self, people: PeopleScope, day: date) -> ScopeView:
        """Which scopes `people` may see on `day`. The team memberships are cheap to read and decide what a
        manager may see, so they are never served stale."""
        if people.everyone:
            return ScopeView(people, {})
        members = self.fits.current(("members", day), lambda: scope_members(self.store, day)).value
        return ScopeView(people, members)

    def warm_page(self, today: date) -> None:
        """Queue the fits of the forecast page's default view on the refit worker: this quarter's outlook as
        of `today`, its backtest and calibration."""
        with self.store.transaction() as tx:
            cal = tx.calendars.default()
        if cal is None:
            return  # no calendar yet: nothing to fit
        period = cal.fiscal.period_of(PeriodKind.QUARTER, today).key
        for key, compute in (
            self._outlook(ForecastRequest(period, today)),
            self._backtest(today, Grain.MONTH, PAGE_HORIZON, PAGE_FOLDS, ACCURACY_METHODS),
            self._calibration(today, CALIBRATION_DAYS),
        ):
            self.fits.warm(key, compute)


def forecasts_of(request: Request) -> Forecasts:
    """FastAPI dependency: the app's forecast figures."""
    return Forecasts.of(request)


def warm_up_forecasts(app: FastAPI, today: date) -> None:
    """Fit the forecast page's default view on the refit worker, so the first visitors of a freshly started
    server do not fit it in their request (`attain serve` calls it; tests do not)."""
    try:
        Forecasts(app.state.store, fits_of(app)).warm_page(today)
    except AttainError:
        log.warning("forecasts not warmed up: the calendar cannot be read")
