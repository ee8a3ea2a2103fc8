"""A small company for what-if tests: a manager over two reps, a tiered and gated AE plan, a manager override,
orders of FY2025-Q1, a EUR->USD rate and open opportunities (one in EUR, one already won)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.setup import init_company
from attain.store import models as m
from attain.store import pay_models as pm
from attain.store.unit_of_work import SqlStore

PERIOD = "FY2025-Q1"
# 5% to 100,000 of bookings, 8% above; nothing below half of the 200,000 quarterly quota.
AE_PLAN = """\
plan: ae
name: Account Executive
currency: USD
period: quarter
crediting:
  roles: [direct, overlay]
measures:
  bookings:
    sum: amount
    quota: {metric: revenue}
components:
  - commission: core
    measure: bookings
    tiers:
      method: marginal
      bands:
        - {upto: 100000, rate: 5%}
        - {rate: 8%}
    gate: {min_attainment: 50%}
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
# ann has 90,000 booked (45% of quota: gated), ben 120,000.
ORDERS = (
    ("O1", "ann", date(2025, 1, 10), 60_000_00),
    ("O2", "ann", date(2025, 2, 10), 30_000_00),
    ("O3", "ben", date(2025, 3, 5), 120_000_00),
)
# external id, owner, status, amount (minor units), currency, expected close
OPPORTUNITIES = (
    ("OPP-1", "ann", "open", 20_000_00, "USD", date(2025, 3, 15)),
    ("OPP-2", "ben", "open", 10_000_00, "EUR", date(2025, 3, 20)),
    ("OPP-3", "ann", "open", 40_000_00, "USD", date(2025, 2, 20)),
    ("OPP-WON", "ann", "won", 5_000_00, "USD", date(2025, 1, 5)),
    ("OPP-NEXT", "ben", "open", 7_000_00, "USD", date(2025, 5, 2)),
)
EUR_USD = Decimal("1.1")


@dataclass
class WhatIfCompany:
    store: SqlStore
    ids: dict[str, int]


def build_whatif_company(store: SqlStore) -> WhatIfCompany:
    init_company(store, start_month=1, currency="USD", first_fy=2025, last_fy=2025)
    with store.transaction() as tx:
        s = tx.session
        people = {n: m.Person(external_id=n, name=n.title()) for n in ("boss", "ann", "ben", "cal")}
        s.add_all(people.values())
        account = m.Account(external_id="A1", name="Acme", segment="SMB")
        product = m.Product(external_id="P1", name="Core", family="Platform")
        s.add_all([account, product])
        s.flush()
        ids = {n: p.id for n, p in people.items()}
        start = date(2024, 1, 1)
        s.add_all(
            [
                m.Assignment(person_id=ids["boss"], role="manager", valid_from=start),
                m.Assignment(person_id=ids["cal"], role="rep", valid_from=start),
                *(
                    m.Assignment(person_id=ids[p], role="rep", manager_id=ids["boss"], valid_from=start)
                    for p in ("ann", "ben")
                ),
            ]
        )
        periods = {p.key: p.id for p in s.scalars(select(m.Period))}
        for person in ("ann", "ben"):
            s.add(
                m.Goal(
                    metric="revenue",
                    scope_kind="person",
                    person_id=ids[person],
                    period_id=periods[PERIOD],
                    kind="quota",
                    target=Decimal(200_000),
                    currency="USD",
                )
            )
        for external_id, owner, day, amount in ORDERS:
            s.add(
                m.Order(
                    external_id=external_id,
                    booked_on=day,
                    amount=amount,
                    currency="USD",
                    kind="new",
                    owner_id=ids[owner],
                    account_id=account.id,
                    product_id=product.id,
                )
            )
        for external_id, owner, status, amount, currency, close_on in OPPORTUNITIES:
            s.add(
                m.Opportunity(
                    external_id=external_id,
                    name=f"Deal {external_id}",
                    owner_id=ids[owner],
                    account_id=account.id,
                    product_id=product.id,
                    stage="Won" if status == "won" else "Proposal",
                    status=status,
                    amount=amount,
                    currency=currency,
                    close_on=close_on,
                )
            )
        s.add(m.ExchangeRate(from_currency="EUR", to_currency="USD", valid_on=date(2025, 1, 1), rate=EUR_USD))
        save_plan(tx, AE_PLAN, actor="test")
        save_plan(tx, MANAGER_PLAN, actor="test")
    assign_plan(store, "ae", [NewAssignment(p, "60000", date(2025, 1, 1)) for p in ("ann", "ben")])
    assign_plan(store, "mgr", [NewAssignment("boss", "40000", date(2025, 1, 1))])
    return WhatIfCompany(store, ids)


def book_won(
    company: WhatIfCompany,
    order_id: str,
    owner: str,
    day: date,
    amount: int,
    currency: str = "USD",
    splits: tuple[tuple[str, Decimal, str], ...] = (),
) -> None:
    """Book the order a won deal's import would: its account and product, invoiced and paid that day."""
    with company.store.transaction() as tx:
        s = tx.session
        account = s.scalar(select(m.Account.id).where(m.Account.external_id == "A1"))
        product = s.scalar(select(m.Product.id).where(m.Product.external_id == "P1"))
        order = m.Order(
            external_id=order_id,
            booked_on=day,
            amount=amount,
            currency=currency,
            kind="new",
            owner_id=company.ids[owner],
            account_id=account,
            product_id=product,
            invoiced_on=day,
            paid_on=day,
        )
        s.add(order)
        s.flush()
        for i, (person, share, role) in enumerate(splits):
            s.add(
                pm.CreditSplit(
                    order_id=order.id, person_id=company.ids[person], share=share, role=role, sequence=i + 1
                )
            )
