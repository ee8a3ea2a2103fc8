"""The sample plans for the Maven CRM data: every quarter runs, and every statement adds up to its lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from attain.app.imports.load import load_batch
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.runs.calculate import run_period
from attain.app.runs.engines import EngineKind
from attain.app.runs.statements import lines_add_up, period_statements
from attain.app.setup import init_company
from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from tests.conftest import ROOT, shared_dataset

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
QUOTA = Decimal(150_000)  # per agent and quarter: the sample's flat quota, in USD


def test_every_maven_quarter_runs_and_each_statement_equals_the_sum_of_its_lines(
    sqlite_store: SqlStore,
) -> None:
    store = sqlite_store
    assert load_batch(
        store, read_maven_crm(shared_dataset("maven-crm-sales-opportunities")), actor="t"
    ).committed
    init_company(store, start_month=1, currency="USD", first_fy=2016, last_fy=2018)
    with store.transaction() as tx:
        s = tx.session
        days = s.execute(select(m.Order.booked_on)).scalars().all()
        first, last = min(days), max(days)
        quarters = [
            p
            for p in s.scalars(select(m.Period).where(m.Period.kind == "quarter"))
            if p.end_on > first and p.start_on <= last
        ]
        agents = s.execute(
            select(m.Person.id, m.Person.external_id, m.Assignment.role).join(
                m.Assignment, m.Assignment.person_id == m.Person.id
            )
        ).all()
        for pid, _, role in agents:
            if role == "rep":
                s.add_all(
                    m.Goal(
                        metric="revenue",
                        scope_kind="person",
                        person_id=pid,
                        period_id=q.id,
                        kind="quota",
                        target=QUOTA,
                    )
                    for q in quarters
                )
        for name in ("maven_agent", "maven_manager"):
            save_plan(
                tx, (ROOT / "docs" / "examples" / f"{name}.yaml").read_text(encoding="utf-8"), actor="t"
            )
    start = date(first.year, 1, 1)
    for plan, role in (("maven_agent", "rep"), ("maven_manager", "manager")):
        people = sorted({ext for _, ext, r in agents if r == role})
        assign_plan(store, plan, [NewAssignment(p, "40000", start) for p in people])
    payees = 0
    for q in sorted(quarters, key=lambda q: q.start_on):
        summary = run_period(store, q.key, engine=EngineKind.REFERENCE, actor="t")
        statements = period_statements(store, q.key)
        payees += summary.payees
        assert statements
        assert all(lines_add_up(s) for s in statements)
        assert sum(p.earnings for s in statements for p in s.plans) == summary.earnings
    assert payees > 0
