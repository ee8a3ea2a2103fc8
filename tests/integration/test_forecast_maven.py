"""On the Maven CRM data, cut off on 30 September 2017: the pipeline-weighted and the statistical forecasts
of Q4 2017 won revenue against what really closed, and the calibration of the learned win probabilities.

The bounds are regression bounds around the figures measured when this was written (in the comments),
with a few points of slack; they are not targets. docs/forecasting.md discusses the figures.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.pipeline import PipelineForecast, Valuation, pipeline_forecast
from attain.analytics.forecast.series import Grain, scope_series
from attain.analytics.forecast.statistical import forecast_hierarchy
from attain.analytics.forecast.winrates import calibration, calibration_error
from attain.domain.calendar import FiscalCalendar, PeriodKind
from tests.conftest import shared_dataset
from tests.integration.maven_frames import MavenFrames, maven_frames

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

CAL = FiscalCalendar(1)
AS_OF = date(2017, 9, 30)
Q4 = CAL.period(PeriodKind.QUARTER, 2017, 4)
Q1_NEXT = CAL.period(PeriodKind.QUARTER, 2018, 1)


@pytest.fixture(scope="module")
def maven() -> MavenFrames:
    return maven_frames(shared_dataset("maven-crm-sales-opportunities"))


@pytest.fixture(scope="module")
def pipeline(maven: MavenFrames) -> PipelineForecast:
    # Deals open on the cut-off have since closed, so their stored amounts are outcomes: value them
    # at their product's typical won amount, as a forecaster on 30 September would have had to.
    return pipeline_forecast(maven.opportunities, maven.stages, AS_OF, [Q4, Q1_NEXT], Valuation.TYPICAL)


def _won(maven: MavenFrames, created_after_cutoff: bool) -> int:
    o = maven.opportunities
    in_q4 = (
        (pl.col("status") == "won") & (pl.col("close_on") >= Q4.start) & (pl.col("close_on") <= Q4.last_day)
    )
    created = pl.col("created_on") > AS_OF if created_after_cutoff else pl.col("created_on") <= AS_OF
    return int(o.filter(in_q4 & created)["amount"].sum())


def _error(forecast: int, actual: int) -> float:
    return (forecast - actual) / actual


def test_actual_q4_revenue_is_the_sum_of_old_and_new_deals(maven: MavenFrames) -> None:
    actual = int(maven.orders.filter(pl.col("day").is_between(Q4.start, Q4.last_day))["amount"].sum())
    assert actual == 2_802_496_00
    assert _won(maven, created_after_cutoff=False) + _won(maven, created_after_cutoff=True) == actual


def test_pipeline_weighted_forecast_of_q4_against_what_closed(
    maven: MavenFrames, pipeline: PipelineForecast
) -> None:
    actual = 2_802_496_00
    total_error = _error(pipeline.total(Q4), actual)
    open_error = _error(pipeline.open_pipeline[Q4.key], _won(maven, created_after_cutoff=False))
    new_error = _error(pipeline.new_business[Q4.key], _won(maven, created_after_cutoff=True))
    # Measured with weekly hazards learned up to the cut-off: total +18.5 %; deals open on the cut-off
    # +47.5 % (they still converted less in Q4 than in the quarter before); deals created later -5.0 %.
    # (The earlier "won within H days" model, trained a quarter back: +27.4 %, +67.6 %.)
    assert abs(total_error) < 0.22
    assert abs(open_error) < 0.52
    assert abs(new_error) < 0.10
    # Slippage: what today's open deals are expected to bring after Q4. Measured 414,613.49.
    assert 0 < pipeline.slippage < pipeline.open_pipeline[Q4.key]


def test_statistical_forecast_of_q4_against_what_closed(maven: MavenFrames) -> None:
    series = scope_series(
        maven.orders,
        assignments=maven.assignments,
        teams=maven.teams,
        people=maven.people,
        calendar=CAL,
        grain=Grain.MONTH,
        start=date(2016, 1, 1),
        end=date(2017, 10, 1),
        as_of=AS_OF,
    )
    assert series.periods[0].key == "FY2017-M03"  # orders start in March 2017
    fc = forecast_hierarchy(series, 3, 12, Method.AUTO)
    company = int(fc.frame.filter(pl.col("scope") == "company")["forecast"].sum())
    reps = int(fc.frame.filter(pl.col("scope").str.starts_with("person:"))["forecast"].sum())
    assert company == reps  # the hierarchy adds up exactly, in cents
    # Measured: +13.7 % (the combination on seven months of history); better than the pipeline here.
    assert abs(_error(company, 2_802_496_00)) < 0.19


def test_win_probabilities_are_reported_by_decile(maven: MavenFrames, pipeline: PipelineForecast) -> None:
    deals = pipeline.deals.join(maven.opportunities.select("id", "status", "close_on"), on="id")
    won = ((deals["status"] == "won") & (deals["close_on"] <= Q4.last_day)).to_numpy().astype(float)
    predicted = deals[f"p_{Q4.key}"].to_numpy()
    table = calibration(predicted, won)
    assert table.height == 10
    assert table["deals"].sum() == deals.height == 2_409
    # Measured: predicted 0.334 on average against 0.232 observed; expected calibration error 0.116
    # (0.380 and 0.181 before the weekly hazards). The two lowest deciles (stale deals) are right, the
    # middle ones close, the top two still over-confident (0.51-0.58 against 0.21-0.24).
    assert calibration_error(table) < 0.14
    assert table["observed"][0] == 0.0
    assert float(predicted.mean()) - float(won.mean()) < 0.13
