"""Revenue, rep-months, new customers, CAC, retention, growth, quota attainment and pipeline coverage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from attain.analytics.compute import TABLE_METRICS, measure, measure_all
from attain.analytics.facts import Facts
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import GoalRecord
from attain.analytics.rowsets import Query
from attain.analytics.timeframe import TimeFrame
from attain.domain.calendar import FiscalCalendar, PeriodKind
from tests.unit.analytics.conftest import Run
from tests.unit.analytics.sample_org import opportunity_frame, order_frame

D = date
ORDERS = [
    (6, 10, 502, D(2023, 6, 1), 100_00, "new"),  # last year: account 502's first purchase
    (5, 10, 502, D(2024, 1, 10), 70_00, "renewal"),
    (1, 10, 500, D(2024, 2, 1), 100_00, "new"),  # account 500's first purchase
    (2, 11, 501, D(2024, 5, 1), 300_00, "new"),  # account 501's first purchase (Bob, East)
    (3, 11, 501, D(2024, 8, 1), 201_00, "upsell"),  # Bob, West
    (4, 11, 501, D(2024, 8, 20), -50_00, "cancellation"),  # part of order 2 cancelled later
]
FIRST = pl.DataFrame(
    {"account_id": [500, 501, 502], "first_on": [D(2024, 2, 1), D(2024, 5, 1), D(2023, 6, 1)]}
)
COSTS = pl.DataFrame(
    {
        "id": [1, 2, 3],
        "external_id": ["c1", "c2", "c3"],
        "start_on": [D(2024, 1, 1), D(2024, 2, 1), D(2024, 4, 1)],
        "end_on": [D(2024, 2, 1), D(2024, 3, 1), D(2024, 7, 1)],
        "category": ["sales", "marketing", "sales"],
        "amount": [1000_00, 500_00, 900_00],
        "currency": ["USD"] * 3,
    }
)


@pytest.fixture
def facts(org: Org) -> Facts:
    return Facts.of(
        org,
        orders=order_frame(ORDERS),
        first_purchases=FIRST,
        costs=COSTS,
        opportunities=opportunity_frame([(5, 13, "open", 999_00, D(2024, 3, 1), D(2024, 12, 1))]),
    )


def quarters(rows: list[dict[str, object]], metric: str) -> dict[object, object]:
    return {r["period"]: r[metric] for r in rows}


def test_revenue_is_net_of_cancellations_on_their_own_date(run: Run, facts: Facts) -> None:
    rows = run(facts, ["revenue"], grain=PeriodKind.QUARTER)
    assert quarters(rows, "revenue") == {"FY2024-Q1": 170_00, "FY2024-Q2": 300_00, "FY2024-Q3": 151_00}


def test_no_orders_is_a_real_zero_revenue(run: Run, facts: Facts) -> None:
    rows = run(facts, ["revenue", "rep_months"], grain=PeriodKind.QUARTER)
    assert quarters(rows, "revenue")["FY2024-Q4"] == 0


def test_rep_months_count_part_year_reps_by_the_days_they_were_active(run: Run, facts: Facts) -> None:
    by_person = {r["person_id"]: r["rep_months"] for r in run(facts, ["rep_months"], [Dimension.PERSON])}
    assert by_person[10] == pytest.approx(12)
    assert by_person[11] == pytest.approx(12)
    assert by_person[13] == pytest.approx(15 / 29 + 10)  # hired 15 February 2024 (a 29-day February)
    assert 12 not in by_person  # the manager is not a rep
    by_team = {r["team_id"]: r["rep_months"] for r in run(facts, ["rep_months"], [Dimension.TEAM])}
    assert by_team[2] == pytest.approx(12 + 6)  # Ann, and Bob until June
    assert by_team[3] == pytest.approx(6 + 15 / 29 + 10)
    [early] = run(facts, ["rep_months"], as_of=D(2024, 3, 31))
    assert early["rep_months"] == pytest.approx(3 + 3 + 15 / 29 + 1)


def test_revenue_per_rep_month_divides_by_active_months(run: Run, facts: Facts) -> None:
    rows = {
        r["person_id"]: r["revenue_per_rep_month"]
        for r in run(facts, ["revenue_per_rep_month"], [Dimension.PERSON])
    }
    assert rows == {10: 1417, 11: 3758, 13: 0}  # 170.00 / 12 = 14.1666..., 451.00 / 12 = 37.5833...
    [product] = run(facts, ["revenue", "revenue_per_rep_month", "rep_months"], [Dimension.PRODUCT])
    assert (product["revenue"], product["revenue_per_rep_month"], product["rep_months"]) == (
        621_00,
        None,
        None,
    )


def test_new_customers_are_first_purchases_ever(run: Run, facts: Facts) -> None:
    rows = run(facts, ["new_customers", "revenue"], grain=PeriodKind.QUARTER)
    assert quarters(rows, "new_customers") == {"FY2024-Q1": 1, "FY2024-Q2": 1, "FY2024-Q3": 0}


def test_cac_divides_costs_inside_the_period_by_new_customers(run: Run, facts: Facts) -> None:
    by_quarter = quarters(run(facts, ["cac"], grain=PeriodKind.QUARTER), "cac")
    assert by_quarter == {"FY2024-Q1": 1500_00, "FY2024-Q2": 900_00}
    by_month = quarters(
        run(facts, ["cac", "new_customers"], grain=PeriodKind.MONTH, end=D(2024, 6, 1)), "cac"
    )
    # January has costs but no new customer; April and May lie inside a quarterly cost: both null;
    # March has neither costs nor customers, so no row.
    assert by_month == {"FY2024-M01": None, "FY2024-M02": 500_00, "FY2024-M04": None, "FY2024-M05": None}
    by_person = run(facts, ["cac", "revenue"], [Dimension.PERSON])
    assert [r["cac"] for r in by_person] == [None, None]  # costs are company-wide


def test_retention_and_churn_follow_each_cohort_into_the_next_period(run: Run, facts: Facts) -> None:
    rows = run(facts, ["retention_rate", "churn_rate"], grain=PeriodKind.QUARTER)
    assert [(r["period"], r["retention_rate"], r["churn_rate"]) for r in rows] == [
        ("FY2024-Q1", 0.0, 1.0),  # 500 and 502 bought in Q1, neither in Q2
        ("FY2024-Q2", 1.0, 0.0),  # 501 bought again in Q3
        ("FY2024-Q3", 0.0, 1.0),  # and not in Q4
    ]
    early = run(facts, ["retention_rate"], grain=PeriodKind.QUARTER, as_of=D(2024, 8, 15))
    assert quarters(early, "retention_rate") == {"FY2024-Q1": 0.0, "FY2024-Q2": None, "FY2024-Q3": None}


def test_growth_compares_finished_periods_with_the_previous_one_and_last_year(run: Run, facts: Facts) -> None:
    rows = run(facts, ["revenue_growth", "revenue_growth_yoy"], grain=PeriodKind.QUARTER)
    got = {r["period"]: (r["revenue_growth"], r["revenue_growth_yoy"]) for r in rows}
    assert got["FY2024-Q1"] == (None, None)  # nothing in 2023-Q4 or 2023-Q1
    assert got["FY2024-Q2"] == (pytest.approx(130 / 170), pytest.approx(2.0))
    assert got["FY2024-Q3"] == (pytest.approx(-149 / 300), None)
    assert got["FY2024-Q4"] == (-1.0, None)
    running = run(facts, ["revenue_growth"], grain=PeriodKind.QUARTER, as_of=D(2024, 11, 15))
    assert quarters(running, "revenue_growth")["FY2024-Q4"] is None


GOALS = [
    GoalRecord("revenue", "person", 11, "FY2024-Q3", "quota", Decimal("300.00"), "USD"),
    GoalRecord("revenue", "person", 10, "FY2024-Q3", "quota", Decimal("0"), "USD"),
    GoalRecord("revenue", "company", None, "FY2024-Q3", "goal", Decimal("1000.00"), "USD"),
    GoalRecord("revenue", "person", 11, "FY2024-Q2", "goal", Decimal("250.00"), "USD"),
]


def test_quota_attainment_needs_a_non_zero_quota(run: Run, facts: Facts) -> None:
    rows = run(facts, ["quota_attainment"], [Dimension.PERSON], grain=PeriodKind.QUARTER, goals=GOALS)
    got = {(r["person_id"], r["period"]): r["quota_attainment"] for r in rows}
    assert got == {(11, "FY2024-Q3"): pytest.approx(151 / 300), (10, "FY2024-Q3"): None}
    [company] = [
        r
        for r in run(facts, ["quota_attainment", "revenue"], grain=PeriodKind.QUARTER, goals=GOALS)
        if r["period"] == "FY2024-Q3"
    ]
    assert company["quota_attainment"] is None  # a goal, not a quota


def test_pipeline_coverage_divides_open_pipeline_by_the_remaining_goal(run: Run, facts: Facts) -> None:
    rows = run(facts, ["pipeline_coverage"], grain=PeriodKind.QUARTER, goals=GOALS)
    assert quarters(rows, "pipeline_coverage") == {"FY2024-Q3": pytest.approx(999_00 / (1000_00 - 151_00))}
    people = run(facts, ["pipeline_coverage"], [Dimension.PERSON], grain=PeriodKind.QUARTER, goals=GOALS)
    got = {(r["person_id"], r["period"]): r["pipeline_coverage"] for r in people}
    # Bob: nothing open at the end of Q3 against 149.00 to go; in Q2 he beat his goal, so nothing remains.
    assert got == {(11, "FY2024-Q3"): 0.0, (11, "FY2024-Q2"): None, (10, "FY2024-Q3"): None}


def test_measuring_several_groupings_at_once_gives_the_same_tables(facts: Facts) -> None:
    frame = TimeFrame(FiscalCalendar(1), D(2024, 1, 1), D(2025, 1, 1), D(2024, 12, 31), PeriodKind.QUARTER)
    queries = [Query(TABLE_METRICS, by, frame) for by in ((Dimension.PERSON,), (Dimension.TEAM,), ())]
    together = measure_all(facts, queries, GOALS)
    for query, table in zip(queries, together, strict=True):
        assert table.equals(measure(facts, query, GOALS)), query.by
