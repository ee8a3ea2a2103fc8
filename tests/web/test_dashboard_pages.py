"""Dashboard pages on a small generated company: each role lands on its page, sees the figures the KPI
layer computes and nothing outside its reach; tables sort, filter and export; figures drill down."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi import FastAPI

from attain.analytics.dashboard import rep_dashboard
from attain.analytics.drilldown import drill_down
from attain.analytics.org import Dimension
from attain.analytics.queries import Window, metric_rows
from attain.analytics.standings import leaderboard
from tests.dashboard_company import AS_OF, QUARTER, DemoCompany, build_demo_company, dashboard_app, sign_in


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("dash") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture(scope="module")
def app(company: DemoCompany) -> FastAPI:
    return dashboard_app(company.store)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_each_role_lands_on_its_main_page(app: FastAPI) -> None:
    assert sign_in(app, "rep").get("/").url.path == "/me"
    assert sign_in(app, "manager").get("/").url.path == "/team"
    assert sign_in(app, "admin").get("/").url.path == "/company"
    assert sign_in(app, "viewer").get("/").url.path == "/company"


def test_nav_shows_only_the_pages_a_role_allows(app: FastAPI) -> None:
    def links(username: str) -> set[str]:
        page = sign_in(app, username).get("/").text
        nav = page.split('<nav aria-label="Pages">', 1)[1].split("</nav>", 1)[0]
        return set(re.findall(r'href="([^"]+)"', nav)) & {"/me", "/team", "/company"}

    assert links("rep") == {"/me"}
    assert links("manager") == {"/me", "/team"}
    assert links("admin") == {"/team", "/company"}


def test_rep_sees_their_own_attainment_as_the_kpi_layer_computes_it(
    app: FastAPI, company: DemoCompany
) -> None:
    expected = rep_dashboard(company.store, company.rep.external_id, today=AS_OF)
    quota = next(g for g in expected["goals"] if g["metric"] == "revenue" and g["kind"] == "quota")
    page = sign_in(app, "rep").get("/me")
    assert page.status_code == 200
    gauge = page.text.split('data-testid="attainment"', 1)[1]
    shown = re.search(r'class="gauge-text">([^<]+)<', gauge)
    assert shown is not None
    assert shown[1] == f"{quota['attainment'] * 100:.1f}%"
    assert f">{_money(quota['actual'])}</a>" in gauge
    assert f"of {_money(quota['target'])} USD quota" in gauge


def test_rep_gets_404_for_another_reps_page_csv_and_drill_down(app: FastAPI, company: DemoCompany) -> None:
    rep = sign_in(app, "rep")
    for person in (company.teammate, company.stranger):
        assert rep.get(f"/people/{person.id}").status_code == 404
        assert rep.get(f"/people/{person.id}.csv?table=goals").status_code == 404
        assert rep.get(f"/drill?metric=revenue&person={person.external_id}").status_code == 404
    assert rep.get(f"/people/{company.rep.id}").status_code == 200
    assert rep.get("/team").status_code == 403
    assert rep.get("/company").status_code == 403


def test_manager_leaderboard_ranks_exactly_their_reps(app: FastAPI, company: DemoCompany) -> None:
    with company.store.transaction() as tx:
        subtree = tx.people.subtree(company.manager.id, AS_OF)
    board = leaderboard(company.store, "revenue", Window(period=QUARTER, as_of=AS_OF), today=AS_OF)
    mine = [r for r in board if r["person"] in _externals(company, subtree - {company.manager.id})]
    exported = _csv(sign_in(app, "manager").get("/team.csv?table=leaderboard").text)
    assert [r["Rep"] for r in exported] == [r["person_name"] for r in mine]
    assert [Decimal(r["Revenue (net bookings)"]) for r in exported] == [r["value"] for r in mine]
    assert [r["Company rank"] for r in exported] == [str(r["rank"]) for r in mine]


def _externals(company: DemoCompany, ids: set[int]) -> set[str]:
    with company.store.transaction() as tx:
        return {p["external_id"] for p in tx.people.listing(AS_OF, ids)}


def test_manager_switches_the_leaderboard_metric(app: FastAPI) -> None:
    page = sign_in(app, "manager").get("/team?metric=win_rate").text
    assert "Leaderboard: Win rate" in page
    assert sign_in(app, "manager").get("/team?metric=bogus").status_code == 422


def test_manager_drills_down_from_a_rep_figure_to_its_orders(app: FastAPI, company: DemoCompany) -> None:
    client = sign_in(app, "manager")
    page = client.get("/team").text
    board = page.split('id="t-leaderboard"', 1)[1].split("</section>", 1)[0]
    link = re.search(r'<a href="(/drill\?metric=revenue&amp;period=[^"]+&amp;person=([^"]+))"', board)
    assert link is not None
    drill = client.get(link[1].replace("&amp;", "&"))
    assert drill.status_code == 200
    rows = _csv(client.get(link[1].replace("&amp;", "&").replace("/drill?", "/drill.csv?")).text)
    with company.store.transaction() as tx:
        expected = drill_down(
            tx.fact_reader, "revenue", Window(period=QUARTER), {Dimension.PERSON: link[2]}, today=AS_OF
        )
    assert [r["Id"] for r in rows] == [str(r["external_id"]) for r in expected]
    assert sum(Decimal(r["Amount"]) for r in rows) == sum(r["amount"] for r in expected)


def test_tables_sort_and_filter_on_the_server(app: FastAPI) -> None:
    client = sign_in(app, "manager")
    ascending = _csv(client.get("/team.csv?table=kpis&kpis.sort=revenue&kpis.dir=asc").text)
    values = [Decimal(r["Revenue (net bookings)"]) for r in ascending if r["Revenue (net bookings)"]]
    assert values == sorted(values)
    descending = _csv(client.get("/team.csv?table=kpis&kpis.sort=revenue&kpis.dir=desc").text)
    top = next(r["Rep"] for r in descending if r["Revenue (net bookings)"])
    assert top == ascending[len(values) - 1]["Rep"]
    name = ascending[0]["Rep"]
    only = _csv(client.get(f"/team.csv?table=kpis&kpis.q={name.split()[0]}").text)
    assert name in [r["Rep"] for r in only]
    assert all(name.split()[0].lower() in " ".join(r.values()).lower() for r in only)
    assert client.get("/team.csv?table=nope").status_code == 404


def test_company_page_shows_company_goals_and_kpis_by_region(app: FastAPI, company: DemoCompany) -> None:
    with company.store.transaction() as tx:
        expected = metric_rows(
            tx.fact_reader, ["revenue"], [Dimension.REGION], Window(period=QUARTER), today=AS_OF
        )
    client = sign_in(app, "admin")
    page = client.get("/company?by=region")
    assert page.status_code == 200
    goals = _csv(client.get("/company.csv?table=goals").text)
    assert {r["Metric"] for r in goals} == {"revenue"}
    regions = _csv(client.get("/company.csv?table=kpis&by=region").text)
    assert sorted((r["Region"], Decimal(r["Revenue (net bookings)"])) for r in regions) == sorted(
        (r["region"], r["revenue"]) for r in expected
    )
    assert 'data-chart="' in page.text
    assert sign_in(app, "manager").get("/company").status_code == 403


def test_empty_states_say_what_to_do(app: FastAPI) -> None:
    page = sign_in(app, "rep").get("/me?period=FY2027-Q4").text
    assert "No goals for this period yet: a comp admin sets them" in page
    unlinked = sign_in(app, "admin").get("/me")
    assert unlinked.status_code == 404
    assert "ask an admin to link it to a person" in unlinked.text


def test_a_bad_period_is_a_clear_error_page(app: FastAPI) -> None:
    page = sign_in(app, "manager").get("/team?period=Q9")
    assert page.status_code == 422
    assert 'role="alert"' in page.text


def test_every_form_control_has_a_label(app: FastAPI) -> None:
    for username, path in (("rep", "/me"), ("manager", "/team"), ("admin", "/company")):
        page = sign_in(app, username).get(path).text
        ids = set(re.findall(r'<(?:select|input)[^>]*\bid="([^"]+)"', page))
        labelled = set(re.findall(r'<label for="([^"]+)"', page))
        visible = re.findall(r"<(?:select|input)(?![^>]*type=\"hidden\")[^>]*>", page)
        assert ids <= labelled, (path, ids - labelled)
        assert len(visible) == len(ids), path
