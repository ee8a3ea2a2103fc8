"""The forecast pages render for the roles they serve, cut to the caller's reach, with their empty states;
the weekly call form submits with CSRF and a manager overrides a report's call with a note."""

from __future__ import annotations

import pytest

from attain.store.unit_of_work import SqlStore
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import add_pay

NOW = "FY2026-Q4"


@pytest.fixture
def paid(sqlite_store: SqlStore) -> Org:
    org = build_org(sqlite_store)
    add_pay(org)
    return org


def _csrf(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_the_forecast_page_shows_methods_accuracy_and_calibration(paid: Org) -> None:
    boss = signed_in(paid.store, "boss")
    page = boss.get("/forecasts", params={"period": NOW})
    assert page.status_code == 200
    html = page.text
    assert f"Forecast {NOW}" in html
    assert "Forecast against goal" in html
    assert "Backtest accuracy" in html
    assert "Cat" not in html  # another team's rep is out of the manager's reach
    assert 'href="/forecasts"' in html  # the navigation links the page
    csv = boss.get("/forecasts.csv", params={"period": NOW, "table": "outlook"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("Scope,Booked to date")
    assert signed_in(paid.store, "ann").get("/forecasts").status_code == 403


def test_a_rep_submits_a_call_and_a_manager_overrides_it(paid: Org) -> None:
    ann = signed_in(paid.store, "ann")
    page = ann.get("/forecasts/calls", params={"period": NOW, "week": 2})
    assert page.status_code == 200
    assert "You have not called this week yet" in page.text
    form = {"csrf": _csrf(page.text), "period": NOW, "week": "2", "commit": "100", "best_case": "200"}
    sent = ann.post("/forecasts/calls/submit", data={**form, "pipeline": "300"}, follow_redirects=False)
    assert sent.status_code == 303
    assert "Your current call: commit 100.00" in ann.get(sent.headers["location"]).text
    wrong = ann.post("/forecasts/calls/submit", data={**form, "pipeline": "50"})
    assert wrong.status_code == 422
    assert "commit &lt;= best case &lt;= pipeline" in wrong.text
    boss = signed_in(paid.store, "boss")
    page = boss.get("/forecasts/calls", params={"period": NOW, "week": 2})
    assert "Override a direct report" in page.text
    override = {
        "csrf": _csrf(page.text),
        "subject_id": str(paid.ids["ann"]),
        "period": NOW,
        "week": "2",
        "commit": "80",
        "best_case": "150",
        "pipeline": "300",
        "note": "slipping",
    }
    done = boss.post("/forecasts/calls/override", data=override, follow_redirects=False)
    assert done.status_code == 303
    assert "slipping" in boss.get(done.headers["location"]).text
    assert (
        ann.post("/forecasts/calls/override", data={**override, "csrf": _csrf(page.text)}).status_code == 403
    )


def test_the_history_page_says_how_to_take_a_snapshot(paid: Org) -> None:
    page = signed_in(paid.store, "admin").get("/forecasts/history", params={"period": NOW})
    assert page.status_code == 200
    assert "No week of this period was snapshotted yet" in page.text
