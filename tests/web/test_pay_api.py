"""The pay API: periods, runs, close, adjustments, payouts, exports, statements and inquiries, with their
scoping (a rep sees their own, a manager their team, comp admins and finance everyone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import PERIOD, add_pay


@dataclass
class Pay:
    org: Org
    run_id: int

    def id(self, name: str) -> int:
        return self.org.ids[name]


@pytest.fixture
def pay(sqlite_store: SqlStore) -> Pay:
    org = build_org(sqlite_store)
    return Pay(org, add_pay(org))


def test_periods_list_every_period_with_its_status_and_current_run(pay: Pay) -> None:
    periods = signed_in(pay.org.store, "ann").get("/api/v1/periods").json()
    assert [(p["key"], p["status"], p["runs"], p["current_run"]) for p in periods[:3]] == [
        ("FY2025", "open", 0, None),
        ("FY2025-Q1", "open", 1, pay.run_id),
        ("FY2025-M01", "open", 0, None),
    ]


def test_a_comp_admin_runs_a_period_and_compares_it_with_the_previous_run(pay: Pay) -> None:
    client = signed_in(pay.org.store, "compadmin")
    started = client.post("/api/v1/runs", json={"period": "fy2025-q1", "engine": "reference"})
    assert started.status_code == 201
    run = started.json()
    assert (run["period"], run["status"], run["payees"], run["total"], run["actor"]) == (
        PERIOD,
        "succeeded",
        3,
        130_000,
        "compadmin",
    )
    listed = client.get("/api/v1/runs", params={"period": PERIOD}).json()
    assert [r["id"] for r in listed] == [pay.run_id, run["id"]]
    assert client.get(f"/api/v1/runs/{run['id']}").json()["results_hash"] == listed[0]["results_hash"]
    payees = client.get(f"/api/v1/runs/{run['id']}/payees").json()
    assert [(p["person"], p["earnings"], p["payout"], p["lines"]) for p in payees] == [
        ("ann", 75_000, 75_000, 3),
        ("ben", 40_000, 40_000, 2),
        ("cat", 15_000, 15_000, 2),
    ]
    compared = client.get(f"/api/v1/runs/{run['id']}/compare").json()
    assert (compared["run_a"], compared["same_results"], compared["changed_inputs"]) == (
        pay.run_id,
        True,
        [],
    )
    assert [(r["person"], r["delta"]) for r in compared["rows"]] == [
        ("ann", "0.00"),
        ("ben", "0.00"),
        ("cat", "0.00"),
    ]


def test_the_first_run_has_nothing_to_compare_with(pay: Pay) -> None:
    response = signed_in(pay.org.store, "admin").get(f"/api/v1/runs/{pay.run_id}/compare")
    assert response.status_code == 404
    assert (
        response.json()["detail"]["message"] == f"run {pay.run_id} has no earlier successful run of {PERIOD}"
    )


def test_running_an_unknown_period_says_so(pay: Pay) -> None:
    response = signed_in(pay.org.store, "compadmin").post("/api/v1/runs", json={"period": "FY1999-Q1"})
    assert response.status_code == 404
    assert "FY1999-Q1" in response.json()["detail"]["message"]


def test_close_refuses_when_the_facts_changed_since_the_run_then_closes_after_a_rerun(pay: Pay) -> None:
    client = signed_in(pay.org.store, "compadmin")
    with pay.org.store.transaction() as tx:
        tx.session.add(
            m.Order(
                external_id="O9",
                booked_on=date(2025, 3, 30),
                amount=1_000_00,
                currency="USD",
                kind="new",
                owner_id=pay.id("ben"),
            )
        )
    refused = client.post(f"/api/v1/periods/{PERIOD}/close")
    assert refused.status_code == 409
    assert refused.json()["detail"]["message"] == f"the facts of {PERIOD} changed since run {pay.run_id}"
    client.post("/api/v1/runs", json={"period": PERIOD, "engine": "reference"})
    closed = client.post(f"/api/v1/periods/{PERIOD}/close").json()
    # An earning and a payout entry per payee; ben's payout now includes O9.
    assert (closed["already_closed"], closed["entries"], closed["payout"]) == (False, 6, 135_000)
    again = client.post(f"/api/v1/periods/{PERIOD}/close").json()
    assert again["already_closed"] is True
    rerun = client.post("/api/v1/runs", json={"period": PERIOD})
    assert (rerun.status_code, rerun.json()["detail"]["kind"]) == (409, "period_closed")


def test_adjustments_need_an_open_period_and_are_listed_with_reason_and_approver(pay: Pay) -> None:
    client = signed_in(pay.org.store, "compadmin")
    body = {
        "person_id": pay.id("ann"),
        "period": PERIOD,
        "amount": "-12.50",
        "reason": "dup",
        "approver": "boss",
    }
    added = client.post("/api/v1/adjustments", json=body)
    assert added.status_code == 201
    entry = added.json()
    assert (entry["person"], entry["amount"], entry["currency"], entry["reason"], entry["approver"]) == (
        "ann",
        -1_250,
        "USD",
        "dup",
        "boss",
    )
    bad = client.post("/api/v1/adjustments", json={**body, "amount": "12.505"})
    assert bad.status_code == 422
    assert [e["id"] for e in client.get("/api/v1/adjustments", params={"period": PERIOD}).json()] == [
        entry["id"]
    ]
    unpaid = client.post(f"/api/v1/periods/{PERIOD}/close")
    assert (unpaid.status_code, unpaid.json()["detail"]["hint"]) == (
        409,
        f"run `attain run {PERIOD}` again so the payouts include them, then close",
    )
    client.post("/api/v1/runs", json={"period": PERIOD, "engine": "reference"})
    assert client.post(f"/api/v1/periods/{PERIOD}/close").json()["payout"] == 130_000 - 1_250
    closed = client.post("/api/v1/adjustments", json=body)
    assert (closed.status_code, closed.json()["detail"]["message"]) == (409, f"{PERIOD} is closed")


def test_finance_reads_payouts_accruals_and_the_payroll_export(pay: Pay) -> None:
    client = signed_in(pay.org.store, "finance")
    payouts = client.get(f"/api/v1/periods/{PERIOD}/payouts").json()
    assert [(p["person"], p["payout"], p["currency"]) for p in payouts] == [
        ("ann", 75_000, "USD"),
        ("ben", 40_000, "USD"),
        ("cat", 15_000, "USD"),
    ]
    accruals = client.get(f"/api/v1/periods/{PERIOD}/accruals").json()
    assert [(a["person"], a["earned"], a["paid"], a["accrued"]) for a in accruals] == [
        ("ann", "750.00", "750.00", "0.00"),
        ("ben", "400.00", "400.00", "0.00"),
        ("cat", "150.00", "150.00", "0.00"),
    ]
    payroll = client.get(f"/api/v1/periods/{PERIOD}/payroll.csv")
    assert payroll.headers["x-attain-final"] == "false"
    assert payroll.text.splitlines() == [
        "person_id,period,amount,currency,cost_centre",
        "ann,FY2025-Q1,750.00,USD,",
        "ben,FY2025-Q1,400.00,USD,",
        "cat,FY2025-Q1,150.00,USD,",
    ]
    accrual_csv = client.get(f"/api/v1/periods/{PERIOD}/accruals.csv").text.splitlines()
    assert accrual_csv[0] == "person,name,plan,period,currency,earned,paid,held_back,draw_balance,accrued"
    assert accrual_csv[3] == "cat,Cat,rep,FY2025-Q1,USD,150.00,150.00,0.00,0.00,0.00"


def test_ids_beyond_the_stored_range_are_refused_before_any_query(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "admin")
    assert admin.get("/api/v1/runs/3000000000").status_code == 422
    assert admin.get("/api/v1/inquiries/3000000000").status_code == 422


def test_a_comp_admin_is_not_finance_and_finance_cannot_run(pay: Pay) -> None:
    assert signed_in(pay.org.store, "compadmin").get(f"/api/v1/periods/{PERIOD}/payouts").status_code == 403
    assert (
        signed_in(pay.org.store, "finance").post("/api/v1/runs", json={"period": PERIOD}).status_code == 403
    )


def test_a_rep_reads_their_statement_with_every_line_explained_and_its_pdf(pay: Pay) -> None:
    client = signed_in(pay.org.store, "ann")
    ann = pay.id("ann")
    assert client.get(f"/api/v1/people/{ann}/statements").json() == [
        {"period": PERIOD, "final": False, "payout": {"USD": 75_000}}
    ]
    s = client.get(f"/api/v1/people/{ann}/statements/{PERIOD}").json()
    plan = s["plans"][0]
    assert (s["person_id"], s["person"], s["final"], s["totals"]) == (
        ann,
        "ann",
        False,
        {"USD": {"earnings": 75_000, "payout": 75_000}},
    )
    assert [(x["seq"], x["order"], x["amount"]) for x in plan["earnings"]] == [
        (1, "O1", 50_000),
        (2, "O2", 25_000),
    ]
    assert plan["earnings"][0]["text"] == (
        "order O1, booked 2025-01-10, 10,000.00 USD; credit direct share 100% on 2025-01-10; "
        "on 10,000.00; rate 5.00%"
    )
    pdf = client.get(f"/api/v1/people/{ann}/statements/{PERIOD}/pdf")
    assert (pdf.headers["content-type"], pdf.content[:5]) == ("application/pdf", b"%PDF-")


def test_a_rep_gets_404_on_another_reps_statement_and_a_manager_sees_only_their_team(pay: Pay) -> None:
    rep = signed_in(pay.org.store, "ann")
    for url in (
        f"/api/v1/people/{pay.id('ben')}/statements/{PERIOD}",
        f"/api/v1/people/{pay.id('cat')}/statements",
    ):
        assert rep.get(url).status_code == 404
    boss = signed_in(pay.org.store, "boss")
    assert boss.get(f"/api/v1/people/{pay.id('ben')}/statements/{PERIOD}").status_code == 200
    assert boss.get(f"/api/v1/people/{pay.id('cat')}/statements/{PERIOD}/pdf").status_code == 404


def test_a_statement_of_a_period_without_results_says_what_to_do(pay: Pay) -> None:
    response = signed_in(pay.org.store, "ann").get(f"/api/v1/people/{pay.id('ann')}/statements/FY2025-Q2")
    assert response.status_code == 404
    assert response.json()["detail"]["hint"] == "run `attain run FY2025-Q2`, or check ann's plan assignments"


def test_inquiries_are_raised_on_a_line_answered_and_resolved_with_an_adjustment(pay: Pay) -> None:
    ann, admin = signed_in(pay.org.store, "ann"), signed_in(pay.org.store, "compadmin")
    raised = ann.post(
        f"/api/v1/people/{pay.id('ann')}/inquiries",
        json={"period": PERIOD, "line": 2, "question": "Renewal?"},
    )
    assert raised.status_code == 201
    inquiry = raised.json()
    assert (inquiry["status"], inquiry["line"]["seq"], inquiry["line"]["amount"], inquiry["raised_by"]) == (
        "open",
        2,
        25_000,
        "ann",
    )
    answered = admin.post(f"/api/v1/inquiries/{inquiry['id']}/answer", json={"text": "Checking"}).json()
    assert answered["status"] == "answered"
    body = {"text": "Goodwill", "adjustment": "30", "approver": "boss"}
    resolved = admin.post(f"/api/v1/inquiries/{inquiry['id']}/resolve", json=body).json()
    assert (resolved["status"], [h["action"] for h in resolved["history"]]) == (
        "resolved",
        ["raised", "answered", "resolved"],
    )
    assert resolved["adjustment_entry"] is not None
    seen = ann.get(f"/api/v1/inquiries/{inquiry['id']}").json()
    assert seen["history"][-1]["text"] == f"Goodwill (adjustment entry {resolved['adjustment_entry']})"
    again = admin.post(f"/api/v1/inquiries/{inquiry['id']}/answer", json={"text": "more"})
    assert again.status_code == 409


def test_inquiries_are_scoped_like_statements(pay: Pay) -> None:
    cat_inquiry = signed_in(pay.org.store, "admin").post(
        f"/api/v1/people/{pay.id('cat')}/inquiries", json={"period": PERIOD, "question": "For Cat"}
    )
    ann = signed_in(pay.org.store, "ann")
    mine = ann.post(f"/api/v1/people/{pay.id('ann')}/inquiries", json={"period": PERIOD, "question": "Mine"})
    assert [q["question"] for q in ann.get("/api/v1/inquiries").json()] == ["Mine"]
    assert ann.get(f"/api/v1/inquiries/{cat_inquiry.json()['id']}").status_code == 404
    assert (
        ann.post(
            f"/api/v1/people/{pay.id('cat')}/inquiries", json={"period": PERIOD, "question": "x"}
        ).status_code
        == 404
    )
    boss = signed_in(pay.org.store, "boss")
    assert [q["id"] for q in boss.get(f"/api/v1/people/{pay.id('ann')}/inquiries").json()] == [
        mine.json()["id"]
    ]
    assert len(signed_in(pay.org.store, "compadmin").get("/api/v1/inquiries?status=open").json()) == 2
    assert ann.get("/api/v1/inquiries?status=closed").status_code == 422
    assert (
        signed_in(pay.org.store, "viewer")
        .post(f"/api/v1/people/{pay.id('ann')}/inquiries", json={"period": PERIOD, "question": "x"})
        .status_code
        == 403
    )
    assert ann.post(f"/api/v1/inquiries/{mine.json()['id']}/answer", json={"text": "self"}).status_code == 403
