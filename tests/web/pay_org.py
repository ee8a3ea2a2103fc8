"""Pay on top of the web tests' org: a fiscal calendar, a flat 5% plan for the reps, orders, and a run of
FY2025-Q1, so statements, payouts and inquiries exist for ann, ben (boss's team) and cat (another team)."""

from __future__ import annotations

from datetime import date

from attain.app.runs.assignments import NewAssignment, assign_plan, save_plan
from attain.app.runs.calculate import run_period
from attain.app.runs.engines import EngineKind
from attain.app.setup import init_company
from attain.store import models as m
from tests.web.conftest import Org

PERIOD = "FY2025-Q1"
REP_PLAN = """\
plan: rep
name: Rep commission
currency: USD
period: quarter
crediting:
  roles: [direct]
measures:
  bookings:
    sum: amount
components:
  - commission: core
    measure: bookings
    rate: 5%
"""
ORDERS = (  # external id, owner, day, amount in cents: ann earns 750.00, ben 400.00, cat 150.00
    ("O1", "ann", date(2025, 1, 10), 10_000_00),
    ("O2", "ann", date(2025, 2, 10), 5_000_00),
    ("O3", "ben", date(2025, 3, 5), 8_000_00),
    ("O4", "cat", date(2025, 3, 20), 3_000_00),
)


def set_up_pay(org: Org) -> None:
    """Calendar, plan, assignments and orders, nothing run yet."""
    init_company(org.store, start_month=1, currency="USD", first_fy=2025, last_fy=2025)
    with org.store.transaction() as tx:
        for external_id, owner, day, amount in ORDERS:
            tx.session.add(
                m.Order(
                    external_id=external_id,
                    booked_on=day,
                    amount=amount,
                    currency="USD",
                    kind="new",
                    owner_id=org.ids[owner],
                )
            )
        save_plan(tx, REP_PLAN, actor="test")
    reps = [NewAssignment(p, "10000", date(2025, 1, 1)) for p in ("ann", "ben", "cat")]
    assign_plan(org.store, "rep", reps)


def add_pay(org: Org) -> int:
    """Pay set up and FY2025-Q1 run; the run id."""
    set_up_pay(org)
    return run_period(org.store, PERIOD, engine=EngineKind.REFERENCE, actor="test").run_id
