"""The backtest fits each node's single models once per origin for all its methods: backtesting the
combination with its members gives each method exactly the figures it gets when backtested alone."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from attain.analytics.forecast.backtest import backtest_hierarchy
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.series import Grain, ScopeSeries, scope_series
from attain.domain.calendar import FiscalCalendar
from tests.unit.forecast.test_methods import _org


def _series() -> ScopeSeries:
    rng = np.random.default_rng(3)
    owners, days, amounts = [], [], []
    for year in (2023, 2024):
        for month in range(1, 13):
            for owner, scale in ((10, 900), (11, 400), (12, 250)):
                days.append(date(year, month, 15))
                owners.append(owner)
                amounts.append(int(scale * 100 * (1 + 0.3 * np.sin(month)) + rng.integers(0, 10_000)))
    org = _org()
    return scope_series(
        pl.DataFrame({"owner_id": owners, "day": days, "amount": amounts}),
        assignments=org["assignments"],
        teams=org["teams"],
        people=org["people"],
        calendar=FiscalCalendar(1),
        grain=Grain.MONTH,
        start=date(2023, 1, 1),
        end=date(2025, 1, 1),
        as_of=date(2024, 12, 31),
    )


def test_methods_backtested_together_score_as_each_backtested_alone() -> None:
    series = _series()
    methods = (Method.COMBINATION, Method.ETS, Method.THETA, Method.SEASONAL_NAIVE)
    together = backtest_hierarchy(series, 3, methods, folds=2, min_train=6)
    assert set(together.errors["method"]) == {m.value for m in methods}
    for method in methods:
        alone = backtest_hierarchy(series, 3, (method,), folds=2, min_train=6)
        assert_frame_equal(together.errors.filter(pl.col("method") == method.value), alone.errors)
        assert_frame_equal(together.summary.filter(pl.col("method") == method.value), alone.summary)
