"""A small company for run, close and statement tests: a manager, two reps, orders in FY2025 and a plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.setup import init_company
from attain.store import models as m
from attain.store.unit_of_work import SqlStore

AE_PLAN = """\
plan: ae
name: Account Executive
currency: USD
period: quarter
crediting:
  roles: [direct]
measures:
  bookings:
    sum: amount
    quota: {metric: revenue}
components:
  - commission: core
    measure: bookings
    rate: 5%
settlement:
  clawback: {within_days: 90, method: prorated}
"""

MANAGER_PLAN = """\
plan: mgr
name: Manager override
currency: USD
period: quarter
crediting:
  roles: [rollup]
  rollup_levels: 1
measures:
  team:
    sum: amount
components:
  - commission: override
    measure: team
    rate: 1%
"""


@dataclass
class PayCompany:
    store: SqlStore
    ids: dict[str, int]


def build_company(store: SqlStore) -> PayCompany:
    init_company(store, start_month=1, currency="USD", first_fy=2025, last_fy=2026)
    with store.transaction() as tx:
        s = tx.session
        people = {n: m.Person(external_id=n, name=n.title()) for n in ("boss", "ann", "ben")}
        s.add_all(people.values())
        s.flush()
        ids = {n: p.id for n, p in people.items()}
        team = m.Team(external_id="T1", name="Team One")
        s.add(team)
        s.flush()
        start = date(2024, 1, 1)
        s.add_all(
            [
                m.Assignment(person_id=ids["boss"], role="manager", team_id=team.id, valid_from=start),
                m.Assignment(
                    person_id=ids["ann"],
                    role="rep",
                    team_id=team.id,
                    manager_id=ids["boss"],
                    valid_from=start,
                ),
                m.Assignment(
                    person_id=ids["ben"],
                    role="rep",
                    team_id=team.id,
                    manager_id=ids["boss"],
                    valid_from=start,
                ),
            ]
        )
        periods = {p.key: p.id for p in s.scalars(select(m.Period))}
        for person in ("ann", "ben"):
            for q in ("FY2025-Q1", "FY2025-Q2", "FY2025-Q3"):
                s.add(
                    m.Goal(
                        metric="revenue",
                        scope_kind="person",
                        person_id=ids[person],
                        period_id=periods[q],
                        kind="quota",
                        target=Decimal(200_000),
                        currency="USD",
                    )
                )
        add_order(tx.session, ids, "O1", date(2025, 1, 10), 100_000_00, "ann")
        add_order(tx.session, ids, "O2", date(2025, 2, 10), 50_000_00, "ann")
        add_order(tx.session, ids, "O3", date(2025, 3, 5), 80_000_00, "ben")
        add_order(tx.session, ids, "O4", date(2025, 4, 15), 40_000_00, "ann")
        save_plan(tx, AE_PLAN, actor="test")
        save_plan(tx, MANAGER_PLAN, actor="test")
    assign_plan(store, "ae", [NewAssignment(p, "60000", date(2025, 1, 1)) for p in ("ann", "ben")])
    assign_plan(store, "mgr", [NewAssignment("boss", "40000", date(2025, 1, 1))])
    return PayCompany(store, ids)


def add_order(
    session: object,
    ids: dict[str, int],
    external_id: str,
    booked_on: date,
    amount: int,
    owner: str,
    *,
    kind: str = "new",
    original: str | None = None,
) -> None:
    from sqlalchemy.orm import Session  # noqa: PLC0415

    assert isinstance(session, Session)
    original_id = None
    if original is not None:
        original_id = session.scalar(select(m.Order.id).where(m.Order.external_id == original))
    session.add(
        m.Order(
            external_id=external_id,
            booked_on=booked_on,
            amount=amount,
            currency="USD",
            kind=kind,
            owner_id=ids[owner],
            original_id=original_id,
        )
    )
    session.flush()
