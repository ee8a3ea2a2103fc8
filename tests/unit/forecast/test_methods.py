"""Methods, per-series selection and the statistical forecast of a hierarchy on hand-built series."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from attain.analytics.forecast.methods import Method, forecast_methods, forecast_single
from attain.analytics.forecast.selection import (
    Origin,
    Score,
    backtest_series,
    rolling_origins,
    select_forecast,
)
from attain.analytics.forecast.series import Grain, scope_series
from attain.analytics.forecast.statistical import forecast_hierarchy
from attain.domain.calendar import FiscalCalendar

SEASONAL = np.tile([10.0, 20.0, 30.0, 40.0], 6)  # a pure quarterly pattern, six years


def test_a_short_history_falls_back_to_the_naive_forecast_and_says_why() -> None:
    fc = forecast_single(np.array([5.0, 7.0, 6.0]), 2, 12, Method.ETS)
    assert fc.mean.tolist() == [6.0, 6.0]
    assert fc.fallback == "fewer than 6 points of history"


def test_a_constant_history_is_forecast_flat_with_no_spread() -> None:
    fc = forecast_single(np.full(10, 4.0), 3, 12, Method.ARIMA, levels=(80,))
    assert fc.mean.tolist() == [4.0, 4.0, 4.0]
    assert fc.lower[80].tolist() == fc.upper[80].tolist() == [4.0, 4.0, 4.0]


def test_the_combination_leaves_out_members_that_fell_back() -> None:
    y = np.array([3.0, 5.0, 4.0, 6.0, 5.0, 7.0, 6.0, 8.0])  # 8 points: CES needs 12
    fits = forecast_methods(y, 2, 1, [Method.COMBINATION, Method.ETS, Method.THETA, Method.CES])
    assert fits[Method.CES].fallback is not None
    expected = np.mean([fits[m].mean for m in (Method.ETS, Method.THETA)], axis=0)
    assert np.allclose(fits[Method.COMBINATION].mean, expected)


def test_rolling_origins_end_at_the_last_full_horizon() -> None:
    assert rolling_origins(20, 4, 3, min_train=8, step=4) == [Origin(8, 4), Origin(12, 4), Origin(16, 4)]
    assert rolling_origins(10, 4, 3, min_train=8) == []


def test_seasonal_naive_wins_the_backtest_on_a_pure_seasonal_pattern() -> None:
    # MASE is undefined here (the in-sample seasonal naive error is 0), so score by WAPE.
    bt = backtest_series(SEASONAL, 4, 4, (Method.SEASONAL_NAIVE, Method.THETA), folds=2, score=Score.WAPE)
    assert bt.errors[Method.SEASONAL_NAIVE] == [0.0, 0.0]
    picked = select_forecast(
        SEASONAL, 4, 4, levels=(), candidates=(Method.THETA, Method.SEASONAL_NAIVE), score=Score.WAPE
    )
    assert picked.chosen is Method.SEASONAL_NAIVE
    assert picked.forecast.mean.tolist() == [10.0, 20.0, 30.0, 40.0]


def _org() -> dict[str, pl.DataFrame]:
    teams = pl.DataFrame(
        {"id": [1, 2], "name": ["East", "West"], "parent_id": [None, None]},
        schema={"id": pl.Int64, "name": pl.Utf8, "parent_id": pl.Int64},
    )
    people = pl.DataFrame({"id": [10, 11, 12], "name": ["Ann", "Bob", "Cy"]})
    assignments = pl.DataFrame(
        {"person_id": [10, 11, 12], "team_id": [1, 1, 2], "valid_from": [date(2023, 1, 1)] * 3},
    )
    return {"teams": teams, "people": people, "assignments": assignments}


def test_a_statistical_forecast_of_the_hierarchy_adds_up_exactly_in_cents() -> None:
    rng = np.random.default_rng(3)
    days, owners, amounts = [], [], []
    for month in range(1, 13):
        for year in (2023, 2024):
            for owner, scale in ((10, 1000), (11, 700), (12, 1500)):
                days.append(date(year, month, 15))
                owners.append(owner)
                amounts.append(int(scale * 100 * (1 + 0.3 * np.sin(month)) + rng.integers(0, 10_000)))
    facts = pl.DataFrame({"owner_id": owners, "day": days, "amount": amounts})
    org = _org()
    series = scope_series(
        facts,
        assignments=org["assignments"],
        teams=org["teams"],
        people=org["people"],
        calendar=FiscalCalendar(1),
        grain=Grain.MONTH,
        start=date(2023, 1, 1),
        end=date(2025, 1, 1),
        as_of=date(2024, 12, 31),
    )
    assert series.hierarchy.nodes == ("company", "team:1", "team:2", "person:10", "person:11", "person:12")
    assert series.of("company").sum() == sum(amounts)
    fc = forecast_hierarchy(series, 3, 12, Method.AUTO)
    assert [p.key for p in fc.periods] == ["FY2025-M01", "FY2025-M02", "FY2025-M03"]
    wide = fc.frame.pivot(on="scope", index="period", values="forecast")
    assert (wide["company"] == wide["team:1"] + wide["team:2"]).all()
    assert (wide["team:1"] == wide["person:10"] + wide["person:11"]).all()
    assert (wide["team:2"] == wide["person:12"]).all()
    assert (fc.frame["lo_80"] <= fc.frame["hi_80"]).all()


@pytest.mark.parametrize("method", [Method.SEASONAL_NAIVE, Method.SELECTED])
def test_every_method_gives_a_coherent_hierarchy(method: Method) -> None:
    facts = pl.DataFrame(
        {
            "owner_id": [10, 11, 12] * 8,
            "day": [date(2024, m, 1) for m in range(1, 9) for _ in range(3)],
            "amount": [100 * (i % 7 + 1) for i in range(24)],
        }
    )
    org = _org()
    series = scope_series(
        facts,
        assignments=org["assignments"],
        teams=org["teams"],
        people=org["people"],
        calendar=FiscalCalendar(1),
        grain=Grain.MONTH,
        start=date(2024, 1, 1),
        end=date(2024, 9, 1),
        as_of=date(2024, 8, 31),
    )
    wide = forecast_hierarchy(series, 2, 12, method).frame.pivot(
        on="scope", index="period", values="forecast"
    )
    assert (wide["company"] == wide["person:10"] + wide["person:11"] + wide["person:12"]).all()
