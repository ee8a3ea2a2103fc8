"""KPIs, goals, pace, leaderboards and drill-down read from a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from typer.testing import CliRunner

from attain.analytics.allocation import AllocationMethod, Level
from attain.analytics.dashboard import rep_dashboard
from attain.analytics.definitions import DEFINITIONS, as_rows
from attain.analytics.drilldown import drill_down
from attain.analytics.goal_setting import GoalSpec, set_goal
from attain.analytics.org import Dimension, Org
from attain.analytics.pace import Thresholds
from attain.analytics.ports import Detail, FactScope
from attain.analytics.progress import goal_progress, set_thresholds
from attain.analytics.queries import Scope, Window, metric_rows
from attain.analytics.standings import leaderboard, why_off_pace
from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.cli.main import _register, app
from attain.domain.calendar import PeriodKind
from attain.store.unit_of_work import SqlStore
from tests.integration.kpi_company import load_company

TODAY = date(2025, 6, 1)
Q3 = "FY2024-Q3"


@pytest.fixture
def company(store: SqlStore) -> SqlStore:
    load_company(store)
    return store


def test_metrics_from_the_store_match_the_hand_computed_values(company: SqlStore) -> None:
    with company.transaction() as tx:
        teams = metric_rows(
            tx.fact_reader,
            ["won_revenue", "number_of_sales", "win_rate"],
            [Dimension.TEAM],
            Window(period="FY2024"),
            today=TODAY,
        )
        quarters = metric_rows(
            tx.fact_reader,
            ["revenue", "cac", "new_customers", "revenue_growth_yoy"],
            [],
            Window(period="FY2024", grain=PeriodKind.QUARTER),
            today=TODAY,
        )
    assert [(r["team"], r["won_revenue"], r["number_of_sales"], r["win_rate"]) for r in teams] == [
        ("sales", Decimal("601.00"), 3, 0.75),
        ("east", Decimal("400.00"), 2, pytest.approx(2 / 3)),
        ("west", Decimal("201.00"), 1, 1.0),
    ]
    assert [(r["period"], r["revenue"], r["cac"], r["new_customers"]) for r in quarters] == [
        ("FY2024-Q1", Decimal("100.00"), Decimal("1500.00"), 1),
        ("FY2024-Q2", Decimal("300.00"), None, 0),
        ("FY2024-Q3", Decimal("151.00"), None, 0),
    ]
    assert quarters[2]["revenue_growth_yoy"] == pytest.approx((151 - 600) / 600)


def test_reads_are_pushed_down_to_owner_and_dates(company: SqlStore) -> None:
    with company.transaction() as tx:
        org = Org.read(tx.fact_reader)
        bob = int(org.people.filter(org.people["external_id"] == "bob")["id"][0])
        deals = tx.fact_reader.opportunities(
            FactScope(date(2024, 1, 1), date(2025, 1, 1), (bob,), Detail.ROWS)
        )
        orders = tx.fact_reader.orders(FactScope(date(2024, 1, 1), date(2024, 8, 10), (bob,), Detail.ROWS))
        figures = tx.fact_reader.orders(FactScope(date(2024, 1, 1), date(2024, 8, 10), (bob,)))
        firsts = tx.fact_reader.first_purchases()
    assert sorted(deals["external_id"].to_list()) == ["o3", "o4"]
    assert sorted(orders["external_id"].to_list()) == ["s2", "s3"]
    assert figures["external_id"].to_list() == [None, None]  # figures leave identifiers behind
    assert sorted(figures["amount"].to_list()) == [201_00, 300_00]
    assert sorted(firsts["first_on"].to_list()) == [date(2023, 8, 1), date(2023, 9, 1), date(2024, 2, 1)]


def test_growth_goal_is_allocated_to_teams_and_people_summing_exactly(company: SqlStore) -> None:
    spec = GoalSpec(
        "revenue",
        Q3,
        growth=Decimal("0.10"),
        allocate=AllocationMethod.LAST_YEAR_SHARE,
        levels=(Level.TEAM, Level.PERSON),
    )
    out = set_goal(company, spec, actor="test", today=TODAY)
    targets = {s.label: s.goal.target for s in out}
    # Q3 2023 revenue was 600.00 (Ann 400 + Bob 200, both in East then): +10% is 660.00.
    assert targets == {
        "company": Decimal("660.00"),
        "team sales": Decimal("660.00"),
        "team east": Decimal("660.00"),
        "team west": Decimal("0.00"),
        "person ann": Decimal("660.00"),
        "person bob": Decimal("0.00"),
        "person dee": Decimal("0.00"),
    }
    with company.transaction() as tx:
        stored = tx.goals.find(periods=[Q3], metric="revenue")
    assert len(stored) == 7
    again = set_goal(company, spec, actor="test", today=TODAY)
    assert [g.goal for g in again] == [g.goal for g in out]


def test_pace_and_status_of_a_goal_with_seasonal_history(company: SqlStore) -> None:
    set_goal(company, GoalSpec("revenue", Q3, target=Decimal("660.00")), actor="test", today=TODAY)
    [p] = goal_progress(company, Q3, today=TODAY, as_of=date(2024, 8, 15))
    assert p.actual == 201_00
    assert p.elapsed == pytest.approx(46 / 92)
    assert p.linear == pytest.approx(402_00)
    assert p.seasonal == pytest.approx(201_00 / (400 / 600))  # last year 400 of 600 were in by 15 August
    assert p.pace == pytest.approx(301_50 / 660_00)
    assert p.status == "off_track"
    set_thresholds(company, Thresholds(Decimal("0.45"), Decimal("0.3")), actor="test", at=datetime.now(UTC))
    [again] = goal_progress(company, Q3, today=TODAY, as_of=date(2024, 8, 15))
    assert again.status == "on_track"


def test_why_off_pace_ranks_the_drivers_of_people_behind(company: SqlStore) -> None:
    set_goal(
        company,
        GoalSpec(
            "revenue", Q3, target=Decimal("660.00"), allocate=AllocationMethod.EQUAL, levels=(Level.PERSON,)
        ),
        actor="test",
        today=TODAY,
    )
    rows = why_off_pace(company, Q3, today=TODAY, as_of=date(2024, 8, 15))
    assert {r["person"] for r in rows} == {"ann", "dee"}  # Bob's 201.00 is ahead of his 220.00 pace
    ann = [r for r in rows if r["person"] == "ann"]
    # No sale yet this quarter: the counts lag her history (and the team); the rates cannot be computed.
    assert [(r["metric"], r["rank"], r["lag"]) for r in ann][:2] == [
        ("number_of_sales", 1, 1.0),
        ("opportunities_created", 2, 1.0),
    ]  # ties keep the driver order
    assert [r["rank"] for r in ann][2:] == [None] * 4
    assert {r["status"] for r in rows} == {"off_track"}


def test_leaderboard_and_drill_down(company: SqlStore) -> None:
    board = leaderboard(company, "revenue", Window(period="FY2024"), today=TODAY)
    assert [(r["person"], r["rank"], r["value"]) for r in board] == [
        ("bob", 1, Decimal("451.00")),
        ("ann", 2, Decimal("100.00")),
        ("dee", 3, Decimal("0.00")),
    ]
    with company.transaction() as tx:
        rows = drill_down(
            tx.fact_reader, "win_rate", Window(period="FY2024"), {Dimension.PERSON: "ann"}, today=TODAY
        )
    assert sorted((r["external_id"], r["status"]) for r in rows) == [("o1", "won"), ("o2", "lost")]
    with company.transaction() as tx:
        behind_cac = drill_down(tx.fact_reader, "cac", Window(period="FY2024-Q1"), {}, today=TODAY)
    assert sorted((r["row_set"], r["external_id"], r["amount"]) for r in behind_cac) == [
        ("costs", "c1", Decimal("1000.00")),
        ("costs", "c2", Decimal("500.00")),
        ("new_customers", "s1", Decimal("100.00")),
    ]


def test_rep_dashboard_shows_quarter_figures_and_goal_pace(company: SqlStore) -> None:
    set_goal(
        company,
        GoalSpec("revenue", Q3, "person", "bob", "quota", Decimal("300.00")),
        actor="test",
        today=TODAY,
    )
    board = rep_dashboard(company, "bob", today=TODAY, as_of=date(2024, 8, 15))
    assert board["period"] == Q3
    assert (board["kpis"]["revenue"], board["kpis"]["number_of_sales"]) == (Decimal("201.00"), 1)
    assert board["kpis"]["quota_attainment"] == pytest.approx(201 / 300)
    [goal] = board["goals"]
    assert (goal["scope"], goal["target"], goal["actual"]) == ("bob", Decimal("300.00"), Decimal("201.00"))
    # Company seasonality: by 15 August last year 400.00 of Q3's 600.00 had been booked.
    assert goal["projected_seasonal"] == pytest.approx(301.50)
    assert goal["status"] == "on_track"


def test_team_scope_reads_only_the_subtree(company: SqlStore) -> None:
    with company.transaction() as tx:
        [west] = metric_rows(
            tx.fact_reader, ["won_revenue"], [], Window(period="FY2024"), Scope(team="west"), today=TODAY
        )
    assert west["won_revenue"] == Decimal("201.00")


def test_org_read_again_after_an_import_sees_the_new_rows(company: SqlStore) -> None:
    with company.transaction() as tx:
        before = Org.read(tx.fact_reader)
    batch = Batch("late hire")
    batch.add("person", pl.DataFrame({"external_id": ["eve"], "name": ["Eve"]}))
    assert load_batch(company, batch, actor="test").committed
    with company.transaction() as tx:
        after = Org.read(tx.fact_reader)
        assert after.accounts.height == 3  # read lazily through this transaction
    assert (before.people.height, after.people.height) == (4, 5)


def test_definitions_are_published_to_the_table(company: SqlStore) -> None:
    with company.transaction() as tx:
        assert tx.metric_definitions.publish(as_rows()) == len(DEFINITIONS)
    with company.transaction() as tx:
        assert tx.metric_definitions.publish(as_rows()) == 0


def test_metrics_command_prints_json_rows(sqlite_store: SqlStore) -> None:
    load_company(sqlite_store)
    _register()
    url = sqlite_store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app,
        [
            "--db",
            url,
            "--format",
            "json",
            "metrics",
            "won_revenue",
            "--by",
            "region,quarter",
            "--period",
            "FY2024",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"region": "East", "period": "FY2024-Q1", "won_revenue": "100.00"},
        {"region": "East", "period": "FY2024-Q2", "won_revenue": "300.00"},
        {"region": "West", "period": "FY2024-Q3", "won_revenue": "201.00"},
    ]
    goals = CliRunner().invoke(
        app,
        [
            "--db",
            url,
            "--format",
            "json",
            "goals",
            "set",
            "revenue",
            "--period",
            Q3,
            "--growth",
            "10%",
            "--allocate",
            "last-year-share",
        ],
    )
    assert goals.exit_code == 0, goals.output
    assert json.loads(goals.stdout)[0]["target"] == "660.00"
