"""Leaderboard ranks with ties and percentiles, why-off-pace driver ranking, and the stage funnel."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from attain.analytics.definitions import Direction
from attain.analytics.drivers import DRIVERS, rank_drivers
from attain.analytics.facts import Facts
from attain.analytics.funnel import funnel, stage_order
from attain.analytics.leaderboard import rank_people
from attain.analytics.org import Dimension, Org
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.domain.calendar import FiscalCalendar
from tests.unit.analytics.sample_org import opportunity_frame, stage_frame


def board(values: list[float | None], prior: list[float | None], teams: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"person_id": list(range(1, len(values) + 1)), "team_id": teams, "value": values, "prior": prior},
        schema={"person_id": pl.Int64, "team_id": pl.Int64, "value": pl.Float64, "prior": pl.Float64},
    )


def test_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    out = rank_people(board([50, 80, 80, 20, None], [40, 90, 10, 20, 5], [1, 1, 2, 2, 2]), Direction.UP)
    assert out.select("person_id", "rank", "percentile", "team_rank", "team_percentile").rows() == [
        (2, 1, pytest.approx(2 / 3), 1, 1.0),
        (3, 1, pytest.approx(2 / 3), 1, 1.0),
        (1, 3, pytest.approx(1 / 3), 2, 0.0),
        (4, 4, 0.0, 2, 0.0),
        (5, None, None, None, None),
    ]


def test_most_improved_ranks_the_change_against_the_prior_period() -> None:
    out = rank_people(board([50, 80, 80, 20], [40, 90, 10, 20], [1, 1, 2, 2]), Direction.UP)
    got = {r["person_id"]: (r["change"], r["improvement_rank"]) for r in out.to_dicts()}
    assert got == {3: (70, 1), 1: (10, 2), 4: (0, 3), 2: (-10, 4)}


def test_lower_is_better_metrics_rank_the_smallest_first() -> None:
    out = rank_people(board([30, 10, 20], [None, None, None], [1, 1, 1]), Direction.DOWN)
    assert out.select("person_id", "rank").rows() == [(2, 1), (3, 2), (1, 3)]
    assert out["improvement_rank"].to_list() == [None, None, None]


def test_drivers_rank_what_lags_most_against_own_history_and_team() -> None:
    current = pl.DataFrame(
        {
            "person_id": [1, 2, 3],
            "team_id": [7, 7, 7],
            "win_rate": [0.2, 0.5, 0.6],
            "average_deal_size": [1000, 1000, 1000],
            "number_of_sales": [5, 10, 10],
            "sales_cycle_median_days": [90.0, 30.0, 30.0],
            "opportunities_created": [10, 10, 10],
            "open_pipeline_value": [5000, 5000, 5000],
        }
    )
    history = pl.DataFrame(
        {
            "person_id": [1, 1],
            "win_rate": [0.4, 0.4],
            "average_deal_size": [1000, 1000],
            "number_of_sales": [10, 10],
            "sales_cycle_median_days": [45.0, 45.0],
            "opportunities_created": [20, 20],
            "open_pipeline_value": [5000, 5000],
        }
    )
    out = rank_drivers(current, history, [1], elapsed=0.5)
    assert out["metric"].to_list()[:3] == ["sales_cycle_median_days", "win_rate", "number_of_sales"]
    cycle = out.row(0, named=True)
    assert (cycle["lag_vs_own"], cycle["lag_vs_team"], cycle["lag"]) == (1.0, 2.0, 1.5)
    sales = out.filter(pl.col("metric") == "number_of_sales").row(0, named=True)
    # 5 sales half-way through is a full-period pace of 10: on a par with history, behind the team's 20.
    assert (sales["current"], sales["lag_vs_own"], sales["lag_vs_team"]) == (10.0, 0.0, 0.5)
    assert set(out["metric"]) == set(DRIVERS)


def test_funnel_counts_reach_from_history_and_current_stage(org: Org) -> None:
    d = date
    opps = opportunity_frame(
        [
            (1, 10, "won", 10, d(2024, 1, 2), d(2024, 2, 1)),
            (2, 10, "lost", 10, d(2024, 1, 2), d(2024, 2, 1)),
            (3, 10, "open", 10, d(2024, 1, 3), None),
            (4, 10, "open", 10, d(2024, 1, 3), None),
        ]
    ).with_columns(stage=pl.Series(["Won", "Lost", "Engaging", "Prospecting"]))
    stages = stage_frame(
        [
            (1, "Prospecting", "2024-01-02T00:00:00"),
            (1, "Engaging", "2024-01-05T00:00:00"),
            (1, "Won", "2024-02-01T00:00:00"),
            (2, "Prospecting", "2024-01-02T00:00:00"),
            (2, "Lost", "2024-02-01T00:00:00"),
            (3, "Prospecting", "2024-01-03T00:00:00"),
            (4, "Prospecting", "2024-01-03T00:00:00"),
        ]
    )
    assert stage_order(stages) == ["Prospecting", "Engaging"]
    frame = TimeFrame(FiscalCalendar(1), d(2024, 1, 1), d(2025, 1, 1), d(2024, 12, 31))
    out = funnel(
        Facts.of(org, opportunities=opps, stages=stages), Query(("opportunities_created",), (), frame)
    )
    assert out.select("stage", "next_stage", "reached", "advanced", "conversion").rows() == [
        ("Prospecting", "Engaging", 4, 2, 0.5),
        ("Engaging", "won", 2, 1, 0.5),
    ]
    by_person = funnel(
        Facts.of(org, opportunities=opps, stages=stages),
        Query(("opportunities_created",), (Dimension.PERSON,), frame),
    )
    assert by_person["person_id"].unique().to_list() == [10]
