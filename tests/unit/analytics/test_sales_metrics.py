"""Deal metrics on a hand-built year: counts, sums, win rate, deal sizes, cycle, created and open pipeline."""

from __future__ import annotations

from datetime import date

import pytest

from attain.analytics.facts import Facts
from attain.analytics.org import Dimension, Org
from attain.domain.calendar import PeriodKind
from tests.unit.analytics.conftest import Run
from tests.unit.analytics.sample_org import opportunity_frame

D = date
DEALS = [
    (1, 10, "won", 100_00, D(2024, 1, 5), D(2024, 2, 1)),  # Ann, 27 days
    (2, 10, "lost", 50_00, D(2024, 1, 5), D(2024, 2, 10)),
    (3, 11, "won", 300_00, D(2024, 3, 1), D(2024, 5, 1)),  # Bob in East, 61 days
    (4, 11, "won", 201_00, D(2024, 6, 1), D(2024, 8, 1)),  # Bob in West after his transfer, 61 days
    (5, 13, "open", 999_00, D(2024, 3, 1), D(2024, 12, 1)),
    (6, 10, "won", None, None, D(2024, 3, 3)),  # a won deal without amount or creation date
]


@pytest.fixture
def facts(org: Org) -> Facts:
    return Facts.of(org, opportunities=opportunity_frame(DEALS))


def test_won_deal_metrics_over_a_year(run: Run, facts: Facts) -> None:
    [row] = run(
        facts,
        [
            "number_of_sales",
            "won_revenue",
            "win_rate",
            "average_deal_size",
            "median_deal_size",
            "sales_cycle_mean_days",
            "sales_cycle_median_days",
            "opportunities_created",
        ],
    )
    assert row == {
        "period": "2024-01-01..2024-12-31",
        "number_of_sales": 4,
        "won_revenue": 601_00,
        "win_rate": 0.8,
        "average_deal_size": 20033,  # 60100 / 3 = 20033.33 cents, rounded half-even
        "median_deal_size": 201_00,
        "sales_cycle_mean_days": pytest.approx((27 + 61 + 61) / 3),
        "sales_cycle_median_days": 61.0,
        "opportunities_created": 5,
    }


def test_periods_without_closed_deals_have_zero_sales_and_null_rates(run: Run, facts: Facts) -> None:
    rows = {
        r["period"]: r
        for r in run(
            facts,
            [
                "number_of_sales",
                "won_revenue",
                "win_rate",
                "average_deal_size",
                "median_deal_size",
                "sales_cycle_median_days",
                "opportunities_created",
            ],
            grain=PeriodKind.QUARTER,
        )
    }
    assert rows["FY2024-Q1"]["number_of_sales"] == 2
    assert rows["FY2024-Q1"]["win_rate"] == pytest.approx(2 / 3)
    # Q2: opp 3 closes on 1 May; opp 4 is created in June.
    assert rows["FY2024-Q2"] == {
        "period": "FY2024-Q2",
        "number_of_sales": 1,
        "won_revenue": 300_00,
        "win_rate": 1.0,
        "average_deal_size": 300_00,
        "median_deal_size": 300_00,
        "sales_cycle_median_days": 61.0,
        "opportunities_created": 1,
    }
    assert "FY2024-Q4" not in rows  # nothing at all happened: no group, rather than a row of zeros


def test_no_closed_deal_gives_null_win_rate_and_zero_count(run: Run, org: Org) -> None:
    facts = Facts.of(org, opportunities=opportunity_frame([(1, 10, "open", 5_00, D(2024, 3, 1), None)]))
    [row] = run(
        facts,
        [
            "win_rate",
            "number_of_sales",
            "won_revenue",
            "average_deal_size",
            "sales_cycle_mean_days",
            "opportunities_created",
        ],
    )
    assert row == {
        "period": "2024-01-01..2024-12-31",
        "win_rate": None,
        "number_of_sales": 0,
        "won_revenue": 0,
        "average_deal_size": None,
        "sales_cycle_mean_days": None,
        "opportunities_created": 1,
    }


@pytest.mark.parametrize(
    ("amounts", "median", "mean"),
    [
        ([101, 102], 102, 102),  # 101.5 -> 102 (to even); mean 101.5 -> 102
        ([101, 104], 102, 102),  # 102.5 -> 102 (to even)
        ([1, 2], 2, 2),  # 1.5 -> 2
        ([5, 0], 2, 2),  # 2.5 -> 2
        ([7], 7, 7),
    ],
)
def test_deal_size_rounds_half_cents_to_even(
    run: Run, org: Org, amounts: list[int], median: int, mean: int
) -> None:
    deals = [(i, 10, "won", a, D(2024, 1, 1), D(2024, 1, 2)) for i, a in enumerate(amounts)]
    [row] = run(
        Facts.of(org, opportunities=opportunity_frame(deals)), ["median_deal_size", "average_deal_size"]
    )
    assert (row["median_deal_size"], row["average_deal_size"]) == (median, mean)


def test_as_of_date_leaves_out_later_closes(run: Run, facts: Facts) -> None:
    [row] = run(facts, ["win_rate", "number_of_sales"], as_of=D(2024, 2, 5))
    assert (row["win_rate"], row["number_of_sales"]) == (1.0, 1)


def test_open_pipeline_is_a_snapshot_at_the_period_end_or_the_as_of_date(run: Run, facts: Facts) -> None:
    rows = run(
        facts, ["open_pipeline_value", "open_pipeline_count"], grain=PeriodKind.QUARTER, as_of=D(2024, 4, 15)
    )
    # Q1 ends 31 March: opp 3 (closes 1 May) and opp 5 are open; Q2 is cut at 15 April: the same two.
    assert rows == [
        {"period": "FY2024-Q1", "open_pipeline_value": 1299_00, "open_pipeline_count": 2},
        {"period": "FY2024-Q2", "open_pipeline_value": 1299_00, "open_pipeline_count": 2},
    ]
    year_end = run(facts, ["open_pipeline_value"], grain=PeriodKind.QUARTER)
    assert [r["open_pipeline_value"] for r in year_end] == [1299_00, 999_00 + 201_00, 999_00, 999_00]


def test_open_pipeline_is_null_for_a_period_after_the_as_of_date(run: Run, facts: Facts) -> None:
    rows = run(
        facts,
        ["opportunities_created", "open_pipeline_value"],
        grain=PeriodKind.MONTH,
        start=D(2024, 3, 1),
        end=D(2024, 5, 1),
        as_of=D(2024, 3, 20),
    )
    assert rows == [{"period": "FY2024-M03", "opportunities_created": 2, "open_pipeline_value": 1299_00}]


def test_mid_year_transfer_credits_old_team_before_and_new_team_after(run: Run, facts: Facts) -> None:
    by_team = {r["team_id"]: r["won_revenue"] for r in run(facts, ["won_revenue"], [Dimension.TEAM])}
    # East: Ann's 100 + Bob's 300 (closed 1 May, still East); West: Bob's 201 (closed 1 Aug, West).
    assert by_team == {1: 601_00, 2: 400_00, 3: 201_00}
    by_region = {r["region"]: r["won_revenue"] for r in run(facts, ["won_revenue"], [Dimension.REGION])}
    assert by_region == {"East": 400_00, "West": 201_00}
    by_quarter = {
        (r["team_id"], r["period"]): r["won_revenue"]
        for r in run(facts, ["won_revenue"], [Dimension.TEAM], grain=PeriodKind.QUARTER)
        if r["won_revenue"]
    }
    assert by_quarter[(2, "FY2024-Q2")] == 300_00
    assert by_quarter[(3, "FY2024-Q3")] == 201_00
    assert (3, "FY2024-Q2") not in by_quarter


def test_team_filter_keeps_only_the_subtree_and_person_filter_one_person(run: Run, facts: Facts) -> None:
    [west] = run(facts, ["won_revenue", "number_of_sales"], filters=((Dimension.TEAM, 3),))
    assert (west["won_revenue"], west["number_of_sales"]) == (201_00, 1)
    [ann] = run(facts, ["number_of_sales"], filters=((Dimension.PERSON, 10),))
    assert ann["number_of_sales"] == 2


def test_product_family_and_segment_dimensions(run: Run, facts: Facts) -> None:
    [row] = run(facts, ["won_revenue"], [Dimension.PRODUCT_FAMILY, Dimension.SEGMENT])
    assert row == {
        "product_family": "Hardware",
        "segment": "SMB",
        "period": "2024-01-01..2024-12-31",
        "won_revenue": 601_00,
    }
