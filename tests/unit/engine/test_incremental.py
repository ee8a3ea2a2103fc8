"""Recalculating only the people and periods a few changed orders reach gives the full recompute's rows."""

from __future__ import annotations

import dataclasses
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import AttainError, InvalidInput
from attain.domain.plans.model import CreditRole
from attain.engine.incremental import OrderChange, affected, recalculate, slice_facts
from attain.engine.inputs import (
    CalculationInput,
    CreditSplit,
    ManagerLink,
    OrderRow,
    PlanAssignmentRow,
    TerritoryLink,
)
from attain.engine.plan_source import compile_text
from attain.engine.relational import FactTables, run_period
from attain.engine.relational.facts import load, orders_table, splits_table
from attain.engine.results import PayeeResult
from tests.unit.engine.generated_plans import FY, PEOPLE, companies


def full(facts: FactTables, period: Period) -> list[PayeeResult]:
    run = run_period(facts, period)
    try:
        return run.results()
    finally:
        run.close()


CHAIN = (
    ManagerLink("ann", "bob", date(FY - 1, 1, 1)),
    ManagerLink("bob", "cy", date(FY - 1, 1, 1)),
    ManagerLink("cy", "dee", date(FY - 1, 1, 1)),
    ManagerLink("dee", "eve", date(FY - 1, 1, 1)),
)


@st.composite
def deeper(draw: st.DrawFn) -> CalculationInput:
    """A generated company, often with a four-link chain of managers and roll-ups of up to three levels."""
    inp, _ = draw(companies())
    plans = {}
    for key, plan in inp.plans.items():
        levels = draw(st.integers(1, 3))
        plans[key] = dataclasses.replace(
            plan, crediting=dataclasses.replace(plan.crediting, rollup_levels=levels)
        )
    managers = CHAIN if draw(st.booleans()) else inp.managers
    return dataclasses.replace(inp, plans=plans, managers=managers)


@st.composite
def edited(draw: st.DrawFn, old: OrderRow) -> OrderRow | None:
    """`old` changed one way (None: removed); a date may move it into another period."""
    what = draw(st.sampled_from(["amount", "date", "owner", "family", "cancel", "remove"]))
    if what == "remove":
        return None
    if what == "amount":
        return dataclasses.replace(old, amount=draw(st.integers(-50_000, 2_000_000)))
    if what == "date":
        days = draw(st.integers(-150, 150))
        return dataclasses.replace(old, booked_on=min(old.booked_on + timedelta(days=days), date(FY, 12, 31)))
    if what == "family":
        return dataclasses.replace(old, product_family=draw(st.sampled_from(["HW", "SW", None])))
    if what == "cancel":
        return dataclasses.replace(old, kind="cancellation", original=old.order_id)
    return dataclasses.replace(old, owner=draw(st.sampled_from(PEOPLE)))


@st.composite
def new_splits(draw: st.DrawFn, order_id: str) -> list[CreditSplit]:
    """Direct splits of an order between two people (or none: the owner alone), sometimes an overlay."""
    out = []
    if draw(st.booleans()):
        first, second = draw(st.lists(st.sampled_from(PEOPLE), min_size=2, max_size=2, unique=True))
        cut = Decimal(draw(st.integers(1, 99))) / 100
        out += [
            CreditSplit(order_id, first, cut, sequence=1),
            CreditSplit(order_id, second, 1 - cut, sequence=2),
        ]
    if draw(st.booleans()):
        share = Decimal(draw(st.integers(1, 100))) / 100
        out.append(CreditSplit(order_id, draw(st.sampled_from(PEOPLE)), share, CreditRole.OVERLAY, 9))
    return out


@st.composite
def changed(draw: st.DrawFn) -> tuple[CalculationInput, CalculationInput, OrderChange, list[Period]]:
    inp = draw(deeper())
    kind = next(iter(inp.plans.values())).period
    orders: list[OrderRow | None] = list(inp.orders)
    splits = {o.order_id: [s for s in inp.splits if s.order_id == o.order_id] for o in inp.orders}
    before: list[OrderRow] = []
    after: list[OrderRow] = []
    for i in sorted(draw(st.sets(st.integers(0, max(len(orders) - 1, 0)), max_size=3)) if orders else ()):
        old = inp.orders[i]
        before.append(old)
        new = draw(edited(old))
        if new is not None:
            after.append(new)
            if draw(st.integers(0, 2)) == 0:
                splits[old.order_id] = draw(new_splits(old.order_id))
        else:
            del splits[old.order_id]
        orders[i] = new
    if draw(st.booleans()):
        extra = OrderRow(
            "zz-new",
            date(FY, 1, 1) + timedelta(days=draw(st.integers(0, 364))),
            draw(st.integers(1, 2_000_000)),
            "USD",
            owner=draw(st.sampled_from(PEOPLE)),
            product_family=draw(st.sampled_from(["HW", "SW"])),
        )
        after.append(extra)
        orders.append(extra)
        splits[extra.order_id] = draw(new_splits(extra.order_id))
    kept = tuple(o for o in orders if o is not None)
    new_inp = dataclasses.replace(inp, orders=kept, splits=tuple(s for o in kept for s in splits[o.order_id]))
    touched = {o.order_id for o in (*before, *after)}
    change = OrderChange(
        tuple(before),
        tuple(after),
        splits_before=tuple(s for s in inp.splits if s.order_id in touched),
        splits_after=tuple(s for s in new_inp.splits if s.order_id in touched),
    )
    every = inp.calendar.periods(kind, FY)
    first = draw(st.integers(0, len(every) - 1))
    return inp, new_inp, change, list(every[first : first + 4])


@settings(
    max_examples=int(os.environ.get("ATTAIN_INCREMENTAL_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(changed())
def test_incremental_recalculation_equals_the_full_recompute(
    case: tuple[CalculationInput, CalculationInput, OrderChange, list[Period]],
) -> None:
    old, new, change, periods = case
    try:
        previous = {p.key: full(FactTables.from_input(old), p) for p in periods}
        expected = {p.key: full(FactTables.from_input(new), p) for p in periods}
    except AttainError:
        assume(False)
        return
    actual = recalculate(previous, FactTables.from_input(new), change, periods, full)
    assert actual == expected


MANAGER = """\
plan: manager
currency: USD
period: quarter
crediting: {roles: [rollup], rollup_levels: 2}
measures:
  team: {sum: amount}
components:
  - commission: override
    measure: team
    rate: 1%
"""
REP = """\
plan: rep
currency: USD
period: quarter
crediting: {roles: [direct, territory]}
measures:
  bookings: {sum: amount}
components:
  - commission: core
    measure: bookings
    rate: 5%
  - spiff: hardware
    from: 2025-05-01
    to: 2025-05-31
    where: product_family == "HW"
    extra_rate: 2%
"""
YEARLY = REP.replace("bookings: {sum: amount}", "bookings: {sum: amount, accumulate: year}")


def company(rep_plan: str) -> CalculationInput:
    """ann reports to mo, mo to dir, dir to vp; every manager has a two-level roll-up plan."""
    start = date(FY, 1, 1)
    managers = ("mo", "dir", "vp")
    return CalculationInput(
        FiscalCalendar(1),
        {"rep": compile_text(rep_plan), "manager": compile_text(MANAGER)},
        (
            PlanAssignmentRow("ann", "rep", 1_000_000, start),
            PlanAssignmentRow("tia", "rep", 1_000_000, start),
            *(PlanAssignmentRow(m, "manager", 1_000_000, start) for m in managers),
        ),
        managers=(
            ManagerLink("ann", "mo", date(2024, 1, 1)),
            ManagerLink("mo", "dir", date(2024, 1, 1)),
            ManagerLink("dir", "vp", date(2024, 1, 1)),
        ),
        territories=(
            TerritoryLink("tia", "west", date(2024, 1, 1)),
            TerritoryLink("ed", "east", date(2024, 1, 1)),
        ),
    )


def test_a_changed_order_reaches_managers_only_as_far_as_their_roll_up_climbs() -> None:
    inp = company(REP)
    order = OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann", territory="west")
    quarters = inp.calendar.periods(PeriodKind.QUARTER, FY)
    reach = affected(inp, OrderChange(after=(order,)), quarters)
    assert reach.people == {"ann", "mo", "dir", "tia"}  # vp is three levels up; the plan climbs two
    assert [p.key for p in reach.periods] == ["FY2025-Q2"]


def test_an_order_moved_between_periods_reaches_both_and_no_other() -> None:
    inp = company(REP)
    was = OrderRow("o1", date(FY, 2, 10), 1_000, "USD", owner="ann")
    now = dataclasses.replace(was, booked_on=date(FY, 8, 1))
    reach = affected(inp, OrderChange((was,), (now,)), inp.calendar.periods(PeriodKind.QUARTER, FY))
    assert [p.key for p in reach.periods] == ["FY2025-Q1", "FY2025-Q3"]


def test_a_year_to_date_plan_reaches_the_later_periods_of_the_year() -> None:
    inp = company(YEARLY)
    order = OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann")
    reach = affected(inp, OrderChange(after=(order,)), inp.calendar.periods(PeriodKind.QUARTER, FY))
    assert [p.key for p in reach.periods] == ["FY2025-Q2", "FY2025-Q3", "FY2025-Q4"]


def test_a_moved_split_reaches_the_old_and_the_new_partner() -> None:
    inp = company(REP)
    order = OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann")
    was = (
        CreditSplit("o1", "ann", Decimal("0.5"), sequence=1),
        CreditSplit("o1", "ed", Decimal("0.5"), sequence=2),
    )
    now = (
        CreditSplit("o1", "ann", Decimal("0.5"), sequence=1),
        CreditSplit("o1", "tia", Decimal("0.5"), sequence=2),
    )
    reach = affected(
        inp, OrderChange((order,), (order,), was, now), inp.calendar.periods(PeriodKind.QUARTER, FY)
    )
    assert reach.people == {"ann", "ed", "tia", "mo", "dir"}


def test_the_slice_keeps_only_orders_that_roll_up_to_the_reached_people() -> None:
    inp = company(REP)
    orders = (
        OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann"),
        OrderRow("o2", date(FY, 5, 11), 2_000, "USD", owner="tia"),
        OrderRow("o3", date(FY, 5, 12), 3_000, "USD", owner="ed", territory="west"),
    )
    facts = FactTables.from_input(dataclasses.replace(inp, orders=orders))
    assert loaded_orders(slice_facts(facts, frozenset({"mo"}))) == ["o1"]
    assert loaded_orders(slice_facts(facts, frozenset({"tia"}))) == ["o2", "o3"]


def loaded_orders(facts: FactTables) -> list[str]:
    """The ids of the orders a run of `facts` loads, in their numbers' order."""
    con = duckdb.connect()
    try:
        load(con, facts, 2)
        return [r[0] for r in con.execute("SELECT order_id FROM orders_src ORDER BY ono").fetchall()]
    finally:
        con.close()


def test_the_slice_of_a_parquet_file_keeps_split_orders_and_checks_their_order(tmp_path: Path) -> None:
    inp = company(REP)
    orders = (
        OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ed"),
        OrderRow("o2", date(FY, 5, 11), 2_000, "USD", owner="ed"),
        OrderRow("o3", date(FY, 5, 12), 3_000, "USD", owner="ann"),
    )
    splits = (
        CreditSplit("o2", "ed", Decimal("0.5"), sequence=1),
        CreditSplit("o2", "ann", Decimal("0.5"), sequence=2),
    )
    pq.write_table(orders_table(orders), tmp_path / "orders.parquet")
    pq.write_table(splits_table(splits), tmp_path / "splits.parquet")
    facts = FactTables(inp, tmp_path / "orders.parquet", tmp_path / "splits.parquet")
    assert loaded_orders(slice_facts(facts, frozenset({"ann"}))) == ["o2", "o3"]
    # Out of order among the reached orders: refused, as for a whole file.
    pq.write_table(orders_table((orders[2], orders[1], orders[0])), tmp_path / "orders.parquet")
    with pytest.raises(InvalidInput, match="orders are not sorted by order_id"):
        loaded_orders(slice_facts(facts, frozenset({"ann"})))
