"""Why a period cannot be closed yet, as close says it and as the periods page shows it beforehand."""

from __future__ import annotations

from datetime import date

import pytest

from attain.app.runs.calculate import run_period
from attain.app.runs.close import close_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.periods import period_state, stale_since
from attain.domain.errors import Conflict
from attain.store.unit_of_work import SqlStore
from tests.integration.pay_company import add_order, build_company

REF = EngineKind.REFERENCE


def test_a_run_as_of_a_day_before_later_facts_cannot_be_closed(store: SqlStore) -> None:
    build_company(store)
    run = run_period(store, "FY2025-Q1", engine=REF, as_of=date(2025, 2, 1), actor="test")
    reason = f"run {run.run_id} counted the facts up to 2025-02-01 only: run the whole period before closing"
    assert stale_since(store, period_state(store, "FY2025-Q1")) == reason
    with pytest.raises(Conflict) as refused:
        close_period(store, "FY2025-Q1", actor="test")
    assert refused.value.message == (
        f"run {run.run_id} of FY2025-Q1 counted the facts up to 2025-02-01 only, "
        "and the period has later ones"
    )
    run_period(store, "FY2025-Q1", engine=REF, actor="test")
    assert stale_since(store, period_state(store, "FY2025-Q1")) is None
    assert close_period(store, "FY2025-Q1", actor="test").payout == 750_000 + 400_000 + 230_000


def test_a_fact_changed_after_the_run_shows_before_closing(store: SqlStore) -> None:
    company = build_company(store)
    run = run_period(store, "FY2025-Q1", engine=REF, actor="test")
    assert stale_since(store, period_state(store, "FY2025-Q1")) is None
    with store.transaction() as tx:
        add_order(tx.session, company.ids, "O9", date(2025, 3, 30), 1_000_00, "ben")
    state = period_state(store, "FY2025-Q1")
    assert stale_since(store, state) == f"facts changed since run {run.run_id}: run again before closing"
    assert (state.key, state.closed, [r.id for r in state.runs]) == ("FY2025-Q1", False, [run.run_id])
