"""The KPI API on a small generated company: every endpoint answers what the KPI layer computes, scoped
so a rep gets only their own figures and a manager their subtree (404 outside it)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI

from attain.analytics.dashboard import rep_dashboard
from attain.analytics.goal_setting import GoalSpec, set_goal
from attain.analytics.org import Dimension
from attain.analytics.progress import goal_progress, progress_rows
from attain.analytics.queries import Window, metric_rows
from attain.analytics.standings import leaderboard, why_off_pace
from attain.web.figures import FigureCache
from tests.dashboard_company import AS_OF, QUARTER, DemoCompany, build_demo_company, dashboard_app, sign_in


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("api") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture(scope="module")
def app(company: DemoCompany) -> FastAPI:
    return dashboard_app(company.store)


def _subtree(company: DemoCompany) -> set[str]:
    with company.store.transaction() as tx:
        ids = tx.people.subtree(company.manager.id, AS_OF)
        return {p["external_id"] for p in tx.people.listing(AS_OF, ids)}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def test_metrics_by_region_equal_the_kpi_layer(app: FastAPI, company: DemoCompany) -> None:
    with company.store.transaction() as tx:
        expected = metric_rows(
            tx.fact_reader,
            ["revenue", "win_rate"],
            [Dimension.REGION],
            Window(period=QUARTER),
            today=AS_OF,
            goal_reader=tx.goals,
        )
    got = sign_in(app, "admin").get(
        "/api/v1/metrics", params={"metric": ["revenue", "win_rate"], "by": "region", "period": QUARTER}
    )
    assert got.status_code == 200
    assert [r["group"]["region"] for r in got.json()] == [r["region"] for r in expected]
    assert [r["values"]["revenue"] for r in got.json()] == [str(r["revenue"]) for r in expected]
    assert [r["values"]["win_rate"] for r in got.json()] == [r["win_rate"] for r in expected]


def test_metrics_for_a_rep_are_only_their_own(app: FastAPI, company: DemoCompany) -> None:
    rep = sign_in(app, "rep")
    rows = rep.get("/api/v1/metrics", params={"period": QUARTER}).json()
    assert [r["group"]["person"] for r in rows] == [company.rep.external_id]
    assert rep.get("/api/v1/metrics", params={"by": "region"}).status_code == 403
    assert rep.get("/api/v1/metrics", params={"person": company.stranger.external_id}).status_code == 404
    assert rep.get("/api/v1/metrics", params={"by": "galaxy"}).status_code == 422


def test_metrics_for_a_manager_cover_their_subtree_only(app: FastAPI, company: DemoCompany) -> None:
    rows = sign_in(app, "manager").get("/api/v1/metrics", params={"by": "person,month"}).json()
    people = {r["group"]["person"] for r in rows}
    assert people
    assert people <= _subtree(company)
    assert company.stranger.external_id not in people


def test_goals_and_pace_of_a_rep_are_theirs_as_the_kpi_layer_computes(
    app: FastAPI, company: DemoCompany
) -> None:
    expected = progress_rows(
        goal_progress(company.store, QUARTER, today=AS_OF, person=company.rep.external_id), "USD"
    )
    got = sign_in(app, "rep").get("/api/v1/goals", params={"period": QUARTER}).json()
    assert [{k: g[k] for k in ("metric", "kind", "scope", "status")} for g in got] == [
        {k: e[k] for k in ("metric", "kind", "scope", "status")} for e in expected
    ]
    assert [g["actual"] for g in got] == [str(e["actual"]) for e in expected]
    assert [g["pace"] for g in got] == [e["pace"] for e in expected]


def test_company_goals_for_the_org_wide_roles(app: FastAPI, company: DemoCompany) -> None:
    expected = progress_rows(goal_progress(company.store, QUARTER, today=AS_OF, scope_kind="company"), "USD")
    got = sign_in(app, "viewer").get("/api/v1/goals", params={"scope_kind": "company"}).json()
    assert [(g["target"], g["actual"]) for g in got] == [
        (str(e["target"]), str(e["actual"])) for e in expected
    ]


def test_leaderboard_for_a_manager_keeps_company_ranks_of_their_people(
    app: FastAPI, company: DemoCompany
) -> None:
    board = leaderboard(company.store, "win_rate", Window(period=QUARTER, as_of=AS_OF), today=AS_OF)
    team = _subtree(company)
    got = sign_in(app, "manager").get("/api/v1/leaderboard", params={"metric": "win_rate"}).json()
    assert [(r["person"], r["rank"], r["value"]) for r in got] == [
        (r["person"], r["rank"], r["value"]) for r in board if r["person"] in team
    ]


def test_at_risk_lists_the_people_behind_with_lagging_drivers(app: FastAPI, company: DemoCompany) -> None:
    drivers = why_off_pace(company.store, QUARTER, today=AS_OF, as_of=AS_OF)
    got = sign_in(app, "admin").get("/api/v1/at-risk").json()
    assert {r["person"] for r in got} == {d["person"] for d in drivers}
    assert all(d["lag"] > 0 for r in got for d in r["drivers"])
    mine = sign_in(app, "rep").get("/api/v1/at-risk").json()
    assert {r["person"] for r in mine} <= {company.rep.external_id}


def test_drill_down_lists_the_orders_behind_a_figure_and_hides_others(
    app: FastAPI, company: DemoCompany
) -> None:
    rep = sign_in(app, "rep")
    rows = rep.get(
        "/api/v1/drill-down", params={"metric": "revenue", "person": company.rep.external_id}
    ).json()
    kpis = rep_dashboard(company.store, company.rep.external_id, today=AS_OF)["kpis"]
    assert sum(Decimal(r["amount"]) for r in rows) == kpis["revenue"]
    assert {r["row_set"] for r in rows} <= {"orders"}
    other = {"metric": "revenue", "person": company.stranger.external_id}
    assert rep.get("/api/v1/drill-down", params=other).status_code == 404
    assert rep.get("/api/v1/drill-down", params={"region": "EMEA"}).status_code == 403


def test_dashboard_in_one_call_and_404_outside_the_reach(app: FastAPI, company: DemoCompany) -> None:
    expected = rep_dashboard(company.store, company.rep.external_id, today=AS_OF)
    rep = sign_in(app, "rep")
    got = rep.get(f"/api/v1/people/{company.rep.id}/dashboard").json()
    assert got["period"] == expected["period"]
    assert got["kpis"] == {k: _plain(v) for k, v in expected["kpis"].items() if k != "period"}
    assert [g["attainment"] for g in got["goals"]] == [g["attainment"] for g in expected["goals"]]
    assert rep.get(f"/api/v1/people/{company.teammate.id}/dashboard").status_code == 404
    manager = sign_in(app, "manager")
    assert manager.get(f"/api/v1/people/{company.teammate.id}/dashboard").status_code == 200
    assert manager.get(f"/api/v1/people/{company.stranger.id}/dashboard").status_code == 404


def test_openapi_schema_describes_every_kpi_response(app: FastAPI) -> None:
    schema = sign_in(app, "admin").get("/api/v1/openapi.json").json()
    names = set(schema["components"]["schemas"])
    assert {"MetricRow", "GoalOut", "BoardRow", "AtRiskRow", "DrillRow", "Dashboard"} <= names
    for path in ("/api/v1/metrics", "/api/v1/goals", "/api/v1/leaderboard", "/api/v1/at-risk"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["type"] == "array"


def test_a_new_goal_shows_on_the_next_request(company: DemoCompany) -> None:
    app = dashboard_app(company.store)
    app.state.figures = FigureCache(company.store, stamp_seconds=0)
    admin = sign_in(app, "admin")
    before = admin.get("/api/v1/goals", params={"period": "FY2027-Q1", "metric": "number_of_sales"}).json()
    set_goal(
        company.store,
        GoalSpec("number_of_sales", "FY2027-Q1", target=Decimal(40)),
        actor="test",
        today=AS_OF,
    )
    after = admin.get("/api/v1/goals", params={"period": "FY2027-Q1", "metric": "number_of_sales"}).json()
    assert before == []
    assert [(g["scope_kind"], g["target"]) for g in after] == [("company", "40")]
