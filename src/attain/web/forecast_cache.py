"""The forecasts' memory: the costly model fits behind the forecast API and pages, computed company-wide once
per data version and cut to each caller's reach per request.

Fitting the statistical models and the win and loss hazards takes seconds; the figures they give change only
when the data does. So the fitted outlook (per period, as-of day, grain, method and reconciliation), the
backtest, the calibration and the open deals' win chances live in the app's `FigureCache` called
"forecasts": the dashboards' cache, keyed by the data version (the newest audit entry id; every import,
goal, plan, assignment, run, close and call is audited), with its LRU bound, expiry and one computation per
missing key at a time. Every entry holds the whole organisation's figures and nothing about who asked:
callers filter them with their `ScopeView` or person id after the lookup, so no cut is ever shared
between users. Goals, calls and recorded errors are read per request (`blended_outlook`), so a new call
shows at once even while the stamp of the data version is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from fastapi import Request

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
from attain.store.unit_of_work import SqlStore
from attain.web.figures import FigureCache, cache_of

# Entries of the "forecasts" cache. Each holds one company-wide computation: an outlook has a row per scope
# (people, teams, company) plus the pipeline's open deals; a backtest a row per scope, method and fold; deal
# chances a row per open deal. So an entry grows with the organisation, not with its orders, and 64 entries
# hold a handful of periods and as-of days with their backtests and calibrations (sizes: docs/forecasting.md).
FORECAST_ENTRIES = 64


def forecast_cache(request: Request) -> FigureCache:
    """The app's "forecasts" cache, apart from the dashboards' figures so neither pushes the other out."""
    return cache_of(request, "forecasts", FORECAST_ENTRIES)


@dataclass(frozen=True)
class Forecasts:
    """The forecast figures of one store, each fitted once per data version for the whole organisation."""

    store: SqlStore
    cache: FigureCache

    @classmethod
    def of(cls, request: Request) -> Forecasts:
        return cls(request.app.state.store, forecast_cache(request))

    def outlook(self, request: ForecastRequest, *, fresh: bool = False) -> Outlook:
        """Every scope's outlook: the fit from memory, goals, calls and the blend read now. `fresh` reads the
        data version now instead of trusting it for a moment (a write that records the figures wants it)."""
        if fresh:
            self.cache.refresh_stamp()
        fitted = self.cache.get(("outlook", request), lambda: period_outlook(self.store, request))
        return blended_outlook(self.store, self.store, fitted)

    def backtest(
        self, *, as_of: date, grain: Grain, horizon: int, folds: int, methods: tuple[Method, ...]
    ) -> HierarchyBacktest:
        """Every scope's rolling-origin backtest of `methods`."""
        return self.cache.get(
            ("backtest", as_of, grain, horizon, folds, methods),
            lambda: backtest(
                self.store, as_of=as_of, grain=grain, horizon=horizon, folds=folds, methods=methods
            ),
        )

    def calibration(self, as_of: date, horizon_days: int = 91) -> Calibration:
        """The company's win-probability calibration (it names no person or scope)."""
        return self.cache.get(
            ("calibration", as_of, horizon_days), lambda: win_calibration(self.store, as_of, horizon_days)
        )

    def deal_chances(self, period: str, as_of: date) -> pl.DataFrame:
        """Every open deal's chance to be won in `period`: the hazard fit behind expected earnings."""
        return self.cache.get(
            ("deal_chances", period.strip().upper(), as_of),
            lambda: open_deal_chances(self.store, period, as_of),
        )

    def earnings(self, person_id: int, period: str, as_of: date, scenarios: int) -> RepEarnings:
        """`person_id`'s expected earnings: their own deals cut from the company's chances, their plan now."""
        chances = self.deal_chances(period, as_of)
        return rep_expected_earnings(
            self.store, person_id, period, as_of, scenarios=scenarios, chances=chances
        )

    def view(self, people: PeopleScope, day: date) -> ScopeView:
        """Which scopes `people` may see on `day`; the team memberships come from memory."""
        if people.everyone:
            return ScopeView(people, {})
        return ScopeView(people, self.cache.get(("members", day), lambda: scope_members(self.store, day)))


def forecasts_of(request: Request) -> Forecasts:
    """FastAPI dependency: the app's forecast figures."""
    return Forecasts.of(request)
