"""In a real browser on a generated company: a rep signs in, sees their own attainment and gets a 404 on
another rep's page; a manager sees the team leaderboard, switches its metric and drills down to deals."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from attain.analytics.dashboard import rep_dashboard
from tests.dashboard_company import AS_OF, PASSWORD, DemoCompany, build_demo_company, dashboard_app
from tests.e2e.conftest import serving


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("e2e-dash") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture(scope="module")
def base_url(company: DemoCompany) -> Iterator[str]:
    with serving(dashboard_app(company.store)) as url:
        yield url


def _sign_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_rep_sees_own_attainment_and_gets_404_on_another_reps_page(
    page, base_url: str, company: DemoCompany
) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, base_url, "rep")
    page.wait_for_url(base_url + "/me")
    quota = next(
        g
        for g in rep_dashboard(company.store, company.rep.external_id, today=AS_OF)["goals"]
        if g["metric"] == "revenue" and g["kind"] == "quota"
    )
    assert page.locator("h1").inner_text() == "My figures"
    assert page.locator(".gauge-text").text_content() == f"{quota['attainment'] * 100:.1f}%"
    assert page.locator("canvas.chart").get_attribute("data-drawn") == "1"  # Chart.js ran under the CSP
    response = page.goto(f"{base_url}/people/{company.teammate.id}")
    assert response is not None
    assert response.status == 404
    assert page.locator("[role=alert]").inner_text() == f"person {company.teammate.id} not found"


def test_manager_sees_the_leaderboard_and_drills_down_to_deals(
    page, base_url: str, company: DemoCompany
) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, base_url, "manager")
    page.wait_for_url(base_url + "/team")
    board = page.locator("#t-leaderboard")
    assert board.locator("h2").inner_text() == "Leaderboard: Revenue (net bookings)"
    names = board.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert company.rep.name in names
    assert company.stranger.name not in names
    page.get_by_label("Rank the leaderboard by").select_option("win_rate")
    page.wait_for_url(re.compile(r".*metric=win_rate.*"))
    assert page.locator("#t-leaderboard h2").inner_text() == "Leaderboard: Win rate"
    page.get_by_label("Rank the leaderboard by").select_option("revenue")
    page.wait_for_url(re.compile(r".*metric=revenue.*"))
    row = page.locator("#t-leaderboard tbody tr", has_text=company.rep.name)
    row.locator("td:nth-child(3) a").click()
    page.wait_for_url(re.compile(r".*/drill\?metric=revenue.*"))
    assert page.locator("h1").inner_text() == "Rows behind the figure"
    ids = page.locator("#t-rows tbody tr td:nth-child(2)").all_inner_texts()
    assert ids
    assert all(i.startswith("SO-") for i in ids)


def test_tables_sort_with_the_keyboard(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, base_url, "manager")
    page.wait_for_url(base_url + "/team")
    header = page.locator("#t-kpis th", has_text="Revenue (net bookings)").locator("a")
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*kpis\.sort=revenue.*"))
    assert page.locator("#t-kpis th[aria-sort=descending]").inner_text().startswith("Revenue (net bookings)")


def test_tables_page_with_the_keyboard_keeping_their_sort(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, base_url, "admin")
    page.goto(f"{base_url}/drill?metric=revenue&period=FY2026-Q4&rows.sort=external_id&rows.dir=desc")
    table = page.locator("#t-rows")
    per_page = table.get_by_role("navigation", name=re.compile("^Rows per page"))
    per_page.get_by_role("link", name="Show 25 rows per page").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*rows\.size=25.*"))
    first = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert len(first) == 25
    assert first == sorted(first, reverse=True)
    table.get_by_role("link", name=re.compile("^Next page of Rows behind")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*rows\.page=2.*"))
    assert "rows.sort=external_id" in page.url
    assert "rows.size=25" in page.url
    assert re.match(r"26–50 of [\d,]+", table.locator(".pager p").inner_text())
    second = page.locator("#t-rows tbody tr td:nth-child(2)").all_inner_texts()
    assert second[0] < first[-1]  # the next rows of the same descending order
    assert second == sorted(second, reverse=True)
