"""Recalculating only the people and periods a few changed orders reach gives the full recompute's rows."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import AttainError
from attain.engine.incremental import OrderChange, affected, recalculate
from attain.engine.inputs import CalculationInput, ManagerLink, OrderRow, TerritoryLink
from attain.engine.relational import FactTables, run_period
from attain.engine.results import PayeeResult
from tests.unit.engine.generated_plans import FY, PEOPLE, companies


def full(facts: FactTables, period: Period) -> list[PayeeResult]:
    run = run_period(facts, period)
    try:
        return run.results()
    finally:
        run.close()


@st.composite
def changed(draw: st.DrawFn) -> tuple[CalculationInput, CalculationInput, OrderChange, list[Period]]:
    inp, period = draw(companies())
    orders = list(inp.orders)
    before: list[OrderRow] = []
    after: list[OrderRow] = []
    removed: set[str] = set()
    for i in draw(st.sets(st.integers(0, max(len(orders) - 1, 0)), max_size=3)) if orders else ():
        old = orders[i]
        what = draw(st.sampled_from(["amount", "date", "owner", "remove"]))
        before.append(old)
        if what == "remove":
            removed.add(old.order_id)
            continue
        if what == "amount":
            new = dataclasses.replace(old, amount=draw(st.integers(-50_000, 2_000_000)))
        elif what == "date":
            new = dataclasses.replace(
                old, booked_on=old.booked_on + timedelta(days=draw(st.integers(-60, 60)))
            )
        else:
            new = dataclasses.replace(old, owner=draw(st.sampled_from(PEOPLE)))
        after.append(new)
        orders[i] = new
    if draw(st.booleans()):
        extra = OrderRow(
            "zz-new",
            date(FY, 1, 1) + timedelta(days=draw(st.integers(0, 364))),
            draw(st.integers(1, 2_000_000)),
            "USD",
            owner=draw(st.sampled_from(PEOPLE)),
        )
        after.append(extra)
        orders.append(extra)
    kept = tuple(o for o in orders if o.order_id not in removed)
    gone = tuple(s for s in inp.splits if s.order_id in removed)
    new_inp = dataclasses.replace(
        inp, orders=kept, splits=tuple(s for s in inp.splits if s.order_id not in removed)
    )
    touched = {o.order_id for o in (*before, *after)}
    change = OrderChange(
        tuple(before),
        tuple(after),
        splits_before=tuple(s for s in inp.splits if s.order_id in touched) + gone,
        splits_after=tuple(s for s in new_inp.splits if s.order_id in touched),
    )
    periods = [p for p in inp.calendar.periods(period.kind, FY) if p.start <= period.start]
    return inp, new_inp, change, periods


@settings(
    max_examples=20,
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


def test_a_changed_order_reaches_its_owner_their_managers_territory_holders_and_later_periods() -> None:
    cal = FiscalCalendar(1)
    inp = CalculationInput(
        cal,
        {},
        (),
        managers=(ManagerLink("ann", "mo", date(2024, 1, 1)), ManagerLink("mo", "vp", date(2024, 1, 1))),
        territories=(
            TerritoryLink("tia", "west", date(2024, 1, 1)),
            TerritoryLink("ed", "east", date(2024, 1, 1)),
        ),
    )
    order = OrderRow("o1", date(FY, 5, 10), 1_000, "USD", owner="ann", territory="west")
    quarters = cal.periods(PeriodKind.QUARTER, FY)
    reach = affected(inp, OrderChange(after=(order,)), quarters)
    assert reach.people == {"ann", "mo", "vp", "tia"}
    assert [p.key for p in reach.periods] == ["FY2025-Q2", "FY2025-Q3", "FY2025-Q4"]
