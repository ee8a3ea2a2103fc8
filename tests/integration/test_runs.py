"""Runs, close, the ledger and prior-period adjustments end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import delete, func, select

from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.app.runs.calculate import run_period
from attain.app.runs.close import adjust, close_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.statements import explain_text, lines_add_up, statement
from attain.domain.errors import Conflict, InvalidInput, PeriodClosed
from attain.store import models as m
from attain.store import pay_models as pm
from attain.store.unit_of_work import SqlStore
from tests.integration.pay_company import add_order, build_company

REF = EngineKind.REFERENCE


def _ledger(store: SqlStore) -> list[tuple[str, str, str | None, int]]:
    with store.transaction() as tx:
        return [(e.period_key, e.kind, e.component, e.amount) for e in tx.ledger.entries()]


def _payouts(store: SqlStore, period: str) -> dict[tuple[str, str], tuple[int, int]]:
    with store.transaction() as tx:
        ids = [p.id for p in tx.calendars.periods(1) if p.period.key == period]
        return {(p.person, p.plan_key): (p.earnings, p.payout) for p in tx.runs.payees(period_ids=ids)}


def _import_order(store: SqlStore, external_id: str, booked_on: date, amount: str, owner: str) -> None:
    frame = pl.DataFrame(
        {
            "external_id": [external_id],
            "booked_on": [booked_on],
            "amount": [int(Decimal(amount) * 100)],
            "currency": ["USD"],
            "kind": ["new"],
            "owner": [owner],
        }
    )
    batch = Batch(source="test")
    batch.add("order", frame)
    assert load_batch(store, batch, actor="test").committed


def test_run_pays_each_rep_five_percent_and_the_manager_one_percent_of_the_team(store: SqlStore) -> None:
    build_company(store)
    summary = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    assert summary.payees == 3
    assert _payouts(store, "FY2025-Q1") == {
        ("ann", "ae"): (750_000, 750_000),  # 5% of 100,000 + 50,000
        ("ben", "ae"): (400_000, 400_000),  # 5% of 80,000
        ("boss", "mgr"): (230_000, 230_000),  # 1% of 230,000
    }
    s = statement(store, "ann", "FY2025-Q1")
    assert lines_add_up(s)
    assert [(x.kind, x.amount, x.order_ref) for x in s.plans[0].earning_lines] == [
        ("commission", 500_000, "O1"),
        ("commission", 250_000, "O2"),
    ]
    assert "order O1, booked 2025-01-10" in explain_text(s)


def test_rerunning_an_unchanged_period_changes_nothing(store: SqlStore) -> None:
    build_company(store)
    first = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    before = _payouts(store, "FY2025-Q1")
    second = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    assert second.run_id != first.run_id
    assert second.results_hash == first.results_hash
    assert second.fingerprint == first.fingerprint
    assert _payouts(store, "FY2025-Q1") == before
    assert _ledger(store) == []


def test_a_failed_run_leaves_the_previous_results_current(store: SqlStore) -> None:
    build_company(store)
    good = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    with store.transaction() as tx:
        tx.session.execute(delete(m.Goal).where(m.Goal.person_id == tx.pay_inputs.person_ids()["ann"]))
    with pytest.raises(InvalidInput, match="no 'revenue' quota for ann"):
        run_period(store, "FY2025-Q1", engine=REF, actor="test")
    with store.transaction() as tx:
        runs = tx.runs.listing()
        current = {p.run_id for p in tx.runs.payees(period_ids=[runs[0].period_id])}
    assert [r.status for r in runs] == ["succeeded", "failed"]
    assert "no 'revenue' quota for ann" in (runs[1].error or "")
    assert current == {good.run_id}


def test_closing_is_idempotent_and_a_closed_period_refuses_runs(store: SqlStore) -> None:
    build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    first = close_period(store, "FY2025-Q1", actor="test")
    ledger = _ledger(store)
    again = close_period(store, "FY2025-Q1", actor="test")
    assert (first.already_closed, again.already_closed) == (False, True)
    assert _ledger(store) == ledger
    assert sorted(x for x in ledger if x[1] == "payout") == [
        ("FY2025-Q1", "payout", None, 230_000),
        ("FY2025-Q1", "payout", None, 400_000),
        ("FY2025-Q1", "payout", None, 750_000),
    ]
    with store.transaction() as tx:
        closes = [a for a in tx.audit.recent(100) if a["action"] == "close"]
    assert len(closes) == 1
    with pytest.raises(PeriodClosed):
        run_period(store, "FY2025-Q1", engine=REF, actor="test")


def test_close_refuses_when_facts_changed_since_the_run(store: SqlStore) -> None:
    company = build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    with store.transaction() as tx:
        add_order(tx.session, company.ids, "O9", date(2025, 3, 30), 1_000_00, "ben")
    with pytest.raises(Conflict, match="changed since run 1"):
        close_period(store, "FY2025-Q1", actor="test")


def test_an_import_into_a_closed_period_leaves_it_unchanged_and_lands_as_a_delta_next_period(
    store: SqlStore,
) -> None:
    build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    close_period(store, "FY2025-Q1", actor="test")
    closed_statement = explain_text(statement(store, "ann", "FY2025-Q1"))
    # O1 is corrected from 100,000 to 120,000 and a late order of ben's dated in Q1 arrives.
    _import_order(store, "O1", date(2025, 1, 10), "120000", "ann")
    _import_order(store, "O8", date(2025, 3, 20), "10000", "ben")
    assert explain_text(statement(store, "ann", "FY2025-Q1")) == closed_statement
    summary = run_period(store, "FY2025-Q2", engine=REF, actor="test")
    assert summary.prior_period_lines == 3
    s = statement(store, "ann", "FY2025-Q2")
    prior = [
        (x.component, x.amount, x.explanation["refers_period"])
        for x in s.plans[0].earning_lines
        if x.kind == "prior_period"
    ]
    assert prior == [("core", 100_000, "FY2025-Q1")]  # 5% of the 20,000 added
    assert _payouts(store, "FY2025-Q2") == {
        ("ann", "ae"): (300_000, 300_000),  # 5% of Q2's 40,000 plus the 1,000 delta
        ("ben", "ae"): (50_000, 50_000),  # the delta on the late 10,000
        ("boss", "mgr"): (70_000, 70_000),  # 400 on Q2 plus 1% of 30,000
    }
    # Once Q2 is closed with the deltas, Q3 does not pay them again.
    close_period(store, "FY2025-Q2", actor="test")
    assert run_period(store, "FY2025-Q3", engine=REF, actor="test").prior_period_lines == 0


@pytest.mark.parametrize(("cancelled_on", "kept"), [(date(2025, 4, 11), 166_667), (date(2025, 6, 1), 0)])
def test_a_clawback_plus_its_original_nets_to_the_prorated_amount_in_the_ledger(
    store: SqlStore, cancelled_on: date, kept: int
) -> None:
    company = build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    close_period(store, "FY2025-Q1", actor="test")
    with store.transaction() as tx:
        add_order(
            tx.session, company.ids, "C2", cancelled_on, -50_000_00, "ann", kind="cancellation", original="O2"
        )
    run_period(store, "FY2025-Q2", engine=REF, actor="test")
    close_period(store, "FY2025-Q2", actor="test")
    with store.transaction() as tx:
        clawbacks = tx.ledger.entries(kinds=["clawback"])
    original = 250_000  # 5% of O2's 50,000, posted with Q1
    if kept == 0:  # cancelled 111 days after booking: outside the 90-day window, nothing is clawed back
        assert clawbacks == []
        return
    assert [(c.period_key, c.detail["cancelled_by"]) for c in clawbacks] == [("FY2025-Q2", "C2")]
    assert original + clawbacks[0].amount == kept  # 2,500 x 60 / 90 = 1,666.67 kept


def test_a_run_for_some_people_replaces_only_their_results(store: SqlStore) -> None:
    build_company(store)
    first = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    second = run_period(store, "FY2025-Q1", people=["ann"], engine=REF, actor="test")
    with store.transaction() as tx:
        pid = tx.runs.listing()[0].period_id
        current = {(p.person, p.run_id) for p in tx.runs.payees(period_ids=[pid])}
    assert current == {("ann", second.run_id), ("ben", first.run_id), ("boss", first.run_id)}


def test_an_adjustment_is_paid_by_the_next_run_and_refused_in_a_closed_period(store: SqlStore) -> None:
    build_company(store)
    adjust(store, "ben", "FY2025-Q1", "-150.50", reason="duplicate credit", approver="vp", actor="test")
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    s = statement(store, "ben", "FY2025-Q1")
    assert s.plans[0].payout == 400_000 - 15_050
    assert [x.explanation for x in s.plans[0].payout_lines if x.kind == "adjustment"] == [
        {"reason": "duplicate credit", "approver": "vp"}
    ]
    close_period(store, "FY2025-Q1", actor="test")
    with pytest.raises(PeriodClosed):
        adjust(store, "ben", "FY2025-Q1", "10", reason="late", approver="vp", actor="test")
    assert [x for x in _ledger(store) if x[1] == "adjustment"] == [("FY2025-Q1", "adjustment", None, -15_050)]


def test_a_run_stores_each_payee_with_its_earning_and_payout_lines(store: SqlStore) -> None:
    build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    with store.transaction() as tx:
        lines = tx.session.scalar(select(func.count()).select_from(pm.RunLine))
        payees = tx.session.scalar(select(func.count()).select_from(pm.RunPayee))
    assert (payees, lines) == (3, 2 + 1 + 3 + 3)  # earning lines 2+1+3, one payout line each


def test_plan_diff_and_backtest_give_the_per_person_delta_of_a_higher_rate(store: SqlStore) -> None:
    from attain.app.runs.plan_tools import PlanText, backtest, diff_plans  # noqa: PLC0415
    from tests.integration.pay_company import AE_PLAN  # noqa: PLC0415

    build_company(store)
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    six = PlanText("six", AE_PLAN.replace("rate: 5%", "rate: 6%"))
    rows = diff_plans(store, PlanText("five", AE_PLAN), six, "FY2025-Q1", REF)
    assert [(r["person_id"], r["five"], r["six"], r["delta"]) for r in rows] == [
        ("ann", "7,500.00", "9,000.00", "1,500.00"),
        ("ben", "4,000.00", "4,800.00", "800.00"),
    ]
    replay = backtest(store, six, "FY2025-Q1", "FY2025-Q1", REF)
    assert [(r["person_id"], r["on_record"], r["delta"]) for r in replay] == [
        ("ann", "7,500.00", "1,500.00"),
        ("ben", "4,000.00", "800.00"),
    ]
