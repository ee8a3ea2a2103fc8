"""The what-if in the API and on the rep page: figures, scoping (a rep themself, a manager their team, the
org-wide roles everyone; the deal's owner must be in reach too), errors, HTMX and no-JavaScript forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import update

from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import PERIOD, add_pay
from tests.web.whatif_org import add_open_deals


@pytest.fixture
def org(sqlite_store: SqlStore) -> Org:
    built = build_org(sqlite_store)
    add_pay(built)
    add_open_deals(built)
    return built


def _whatif(org: Org, login: str, person: str, **params: str | list[str]) -> tuple[int, dict[str, Any]]:
    response = signed_in(org.store, login).get(f"/api/v1/people/{org.ids[person]}/whatif", params=params)
    return response.status_code, response.json()


def test_a_rep_asks_what_an_open_deal_pays_them(org: Org) -> None:
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-M1")
    assert status == 200
    assert (body["period"], body["booked_on"], body["plans"]) == (PERIOD, "2025-03-25", ["rep@1"])
    assert (body["before"], body["after"], body["delta"], body["plan_currency"]) == (
        75_000,
        85_000,
        10_000,
        "USD",
    )
    [line] = body["lines"]
    assert (line["kind"], line["order"], line["delta"], line["explanation"]["rate"]) == (
        "commission",
        "OPP-M1",
        10_000,
        "0.05",
    )
    assert "order OPP-M1" in line["text"]
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-M1", amount="3000.50")
    assert (status, body["amount"], body["delta"]) == (200, 3_000_50, 15_002)  # 5% of 3,000.50, half even


def test_a_rep_cannot_ask_about_another_person_or_another_reps_deal(org: Org) -> None:
    assert _whatif(org, "ann", "cat", opportunity="OPP-CAT")[0] == 404
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-CAT")
    assert (status, body["detail"]["message"]) == (404, "opportunity OPP-CAT not found")


def test_a_manager_asks_about_their_team_and_admins_about_anyone(org: Org) -> None:
    assert _whatif(org, "boss", "ann", opportunity="OPP-M2")[1]["delta"] == 20_000
    assert _whatif(org, "boss", "cat", opportunity="OPP-CAT")[0] == 404
    status, body = _whatif(org, "boss", "boss", opportunity="OPP-M1")
    assert (status, body["detail"]["kind"]) == (404, "not_found")
    assert "boss has no plan" in body["detail"]["message"]
    status, body = _whatif(org, "compadmin", "cat", opportunity="OPP-CAT")
    assert (status, body["delta"], body["before"]) == (200, 5_000, 15_000)
    status, body = _whatif(org, "admin", "cat", opportunity="OPP-M1")
    assert (status, body["delta"], body["lines"]) == (200, 0, [])  # ann's deal does not credit cat


def test_errors_map_to_statuses_that_say_what_is_wrong(org: Org) -> None:
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-DONE")
    assert (status, body["detail"]["kind"]) == (409, "conflict")
    assert body["detail"]["message"] == "opportunity OPP-DONE is won already (stage Won)"
    assert _whatif(org, "ann", "ann", opportunity="OPP-M1", amount="0")[0] == 422
    assert _whatif(org, "ann", "ann", opportunity="OPP-M1", amount="12.345")[0] == 422
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-M1", split="ann:0.5")
    assert (status, body["detail"]["message"]) == (
        422,
        "the direct splits of opportunity OPP-M1 add up to 0.5, not 1",
    )
    assert _whatif(org, "ann", "ann", opportunity="OPP-M1", period="FY2025-Q9")[0] == 422
    with org.store.transaction() as tx:
        tx.session.execute(update(m.Period).where(m.Period.key == PERIOD).values(status="closed"))
    status, body = _whatif(org, "ann", "ann", opportunity="OPP-M1", period=PERIOD)
    assert (status, body["detail"]["kind"]) == (409, "period_closed")


def test_a_split_moves_credit_to_the_person_given_the_share(org: Org) -> None:
    status, body = _whatif(org, "admin", "ben", opportunity="OPP-M1", split=["ann:40%", "ben:60%"])
    assert (status, body["delta"], [s["share"] for s in body["splits"]]) == (200, 6_000, ["0.4", "0.6"])


def test_the_open_opportunities_of_a_person_are_listed_for_the_what_if(org: Org) -> None:
    response = signed_in(org.store, "ann").get(f"/api/v1/people/{org.ids['ann']}/open-opportunities")
    assert [(o["id"], o["amount"], o["close_on"]) for o in response.json()] == [
        ("OPP-M2", 4_000_00, "2025-02-14"),
        ("OPP-M1", 2_000_00, "2025-03-25"),
    ]


def test_the_rep_page_lists_open_deals_with_a_labelled_what_if_form(org: Org) -> None:
    page = signed_in(org.store, "ann").get("/me").text
    section = page.split('id="h-whatif"', 1)[1].split("</section>", 1)[0]
    assert "What if I close a deal?" in page
    assert [m_.group(1) for m_ in re.finditer(r'name="opportunity" value="([^"]+)"', section)] == [
        "OPP-M2",
        "OPP-M1",
    ]
    assert '<label for="whatif-1-amount">Closes at (USD)</label>' in section
    assert 'id="whatif-1-amount" name="amount"' in section
    assert 'value="4000.00"' in section
    assert f'action="/people/{org.ids["ann"]}/whatif"' in section
    assert f'hx-get="/people/{org.ids["ann"]}/whatif" hx-target="#whatif-1"' in section
    assert "not offered" not in section


def test_the_form_answers_a_fragment_with_htmx_and_a_page_without(org: Org) -> None:
    client = signed_in(org.store, "ann")
    url = f"/people/{org.ids['ann']}/whatif"
    asked = {"opportunity": "OPP-M1", "amount": "3000"}
    fragment = client.get(url, params=asked, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    totals = dict(re.findall(r'data-total="(\w+)">(?:<strong>)?([^<]+)<', fragment.text))
    assert totals == {"before": "750.00", "after": "900.00", "delta": "+150.00"}
    assert 'data-line="deal"' in fragment.text
    assert "rate 5.00%" in fragment.text
    full = client.get(url, params=asked)
    assert full.status_code == 200
    assert "<html" in full.text
    assert 'data-total="delta"><strong>+150.00' in full.text
    assert 'name="amount" type="number"' in full.text
    assert 'value="3000"' in full.text
    assert 'href="/me#h-whatif"' in full.text
    chosen = client.get(url, params={**asked, "period": PERIOD})
    assert f'<input type="hidden" name="period" value="{PERIOD}">' in chosen.text  # kept for the next ask


def test_form_errors_show_where_the_answer_goes(org: Org) -> None:
    client = signed_in(org.store, "ann")
    url = f"/people/{org.ids['ann']}/whatif"
    won = client.get(url, params={"opportunity": "OPP-DONE"}, headers={"HX-Request": "true"})
    assert won.status_code == 200  # HTMX swaps only successful answers
    assert 'role="alert"' in won.text
    assert "OPP-DONE is won already" in won.text
    bad = client.get(url, params={"opportunity": "OPP-M1", "amount": "lots"})
    assert bad.status_code == 422
    assert "amount: &#39;lots&#39; is not an amount" in bad.text
    assert (
        client.get(f"/people/{org.ids['cat']}/whatif", params={"opportunity": "OPP-CAT"}).status_code == 404
    )
    assert client.get(url, params={"opportunity": "OPP-CAT"}).status_code == 404


def test_a_manager_uses_the_what_if_on_a_reps_page(org: Org) -> None:
    client = signed_in(org.store, "boss")
    page = client.get(f"/people/{org.ids['ann']}").text
    assert "What if Ann closes a deal?" in page
    assert 'value="OPP-M1"' in page
    answer = client.get(
        f"/people/{org.ids['ann']}/whatif", params={"opportunity": "OPP-M1"}, headers={"HX-Request": "true"}
    )
    assert "Ann earns in FY2025-Q1" in answer.text
    assert "+100.00" in answer.text
