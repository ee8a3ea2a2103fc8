"""Closing a period records each snapshotted method's error against the period's actual revenue, in the
same transaction, once: closing again adds no row."""

from __future__ import annotations

from datetime import UTC, datetime

from attain.app.forecasts.ports import Call
from attain.app.forecasts.snapshots import take_snapshot
from attain.app.forecasts.submissions import submit
from attain.app.runs.close import close_period
from attain.store.unit_of_work import SqlStore
from tests.web.conftest import build_org
from tests.web.pay_org import PERIOD, add_pay

AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_closing_a_period_records_each_methods_error_once(store: SqlStore) -> None:
    org = build_org(store)
    add_pay(org)  # orders of FY2025-Q1 (tests/web/pay_org.py), run and ready to close
    submit(
        store,
        person="ann",
        period=PERIOD,
        week=9,
        call=Call(12_000_00, 16_000_00, 20_000_00),
        currency="USD",
        note=None,
        actor="ann",
        at=AT,
    )
    take_snapshot(
        store,
        period=PERIOD,
        week=9,
        currency="USD",
        model_forecasts={("company", "statistical"): 25_000_00},
        actor="ops",
        at=AT,
    )
    done = close_period(store, PERIOD, actor="ops")
    assert not done.already_closed
    with store.transaction() as tx:
        rows = {(r.scope, r.method): (r.forecast, r.actual) for _, r in tx.forecasts.errors()}
        audit = [e for e in tx.audit.recent() if e["action"] == "close"]
    ann = f"person:{org.ids['ann']}"
    # Actuals are the period's orders: ann 15,000.00; the company 26,000.00 (ann, ben 8,000, cat 3,000).
    assert rows[(ann, "commit")] == (12_000_00, 15_000_00)
    assert rows[(ann, "best_case")] == (16_000_00, 15_000_00)
    assert rows[("company", "statistical")] == (25_000_00, 26_000_00)
    assert rows[("company", "commit")] == (12_000_00, 26_000_00)
    assert audit[0]["detail"]["forecast_errors"] == len(rows)
    again = close_period(store, PERIOD, actor="ops")
    assert again.already_closed
    with store.transaction() as tx:
        assert len(tx.forecasts.errors()) == len(rows)


def test_closing_without_snapshots_records_nothing(store: SqlStore) -> None:
    org = build_org(store)
    add_pay(org)
    close_period(store, PERIOD, actor="ops")
    with store.transaction() as tx:
        assert tx.forecasts.errors() == []
