"""A what-if estimate gives exactly what re-running the person's slice with the extra order and comparing
every explained line with the run without it gives: the order's own lines, and each other line whose amount
changes, appears or goes, with the same explanation and in the same order (generated plans and data, and
two hand-made cases: lines moving between tiers, and two credits of one order alike)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import AttainError
from attain.domain.plans.model import CompiledPlan, CreditRole
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow, PlanAssignmentRow, TerritoryLink
from attain.engine.plan_source import compile_text
from attain.engine.relational import FactTables, WhatIf, run_period
from attain.engine.relational.facts import orders_table, splits_table
from attain.engine.relational.whatif import Estimate
from attain.engine.results import EarningLine, PayeeResult, plain
from tests.unit.engine.generated_plans import FY, PEOPLE, amounts, caps, companies, percents

Line = tuple[str, EarningLine, int, int]  # plan, line, amount without the order, with it
Splits = tuple[CreditSplit, ...]
Case = tuple[CalculationInput, Period, str, OrderRow, Splits]


@st.composite
def tiered(draw: st.DrawFn, period: PeriodKind) -> CompiledPlan:
    """A plan paying a commission in tiers of the running total, with edges near what a few orders add up
    to: an order dated before others moves their slices to other tiers (marginal) or changes every line's
    rate (retroactive), which is what an estimate must find among the other lines."""
    edges = sorted(set(draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))))
    bands = "".join(f"        - {{upto: {e * 500}, rate: {draw(percents(1500))}}}\n" for e in edges)
    bands += f"        - {{rate: {draw(percents(1500))}}}\n"
    accumulate = draw(st.sampled_from(["period", "year"]))
    text = (
        f"plan: t\ncurrency: USD\nperiod: {period.value}\ncrediting:\n  roles: [direct, overlay, territory]\n"
        f"measures:\n  bookings:\n    sum: amount\n    accumulate: {accumulate}\n"
        "components:\n  - commission: c\n    measure: bookings\n    tiers:\n"
        f"      method: {draw(st.sampled_from(['marginal', 'retroactive']))}\n      on: amount\n"
        f"      bands:\n{bands}"
    )
    if draw(st.booleans()):
        text += f"    per_order: {{min: 0, max: {draw(st.integers(0, 2000))}}}\n"
    if draw(st.booleans()):
        text += f"    cap: {draw(caps())}\n"
    return compile_text(text)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A company, a person on a plan in the period (often one of tiers on the running total) with a few
    more orders of their own there, and the order
    to estimate for them: an id sorting before, among or after the others (so later orders' numbers
    shift), mostly dated in the period (an early one moves later orders' tiers), owned by the person or
    another, sometimes split or with an overlay. Orders are invoiced and paid the day they are booked, so
    plans paying on invoice or payment count them too."""
    inp, period = draw(companies())
    on_plan = sorted(
        {
            a.person_id
            for a in inp.assignments
            if a.valid_from < period.end and (a.valid_to is None or a.valid_to >= period.start)
        }
    )
    person = draw(st.sampled_from(on_plan or list(PEOPLE)))
    tiers = draw(st.integers(0, 2)) < 2  # hypothesis leans to small draws: make those the likely case
    if tiers:  # on the plan all year
        assignments = tuple(
            replace(a, plan_key="t", valid_from=date(FY, 1, 1), valid_to=None) if a.person_id == person else a
            for a in inp.assignments
        )
        inp = replace(inp, plans={**inp.plans, "t": draw(tiered(period.kind))}, assignments=assignments)
    amount = st.integers(10_000, 1_500_000) if tiers else amounts

    def day() -> date:
        if draw(st.integers(0, 3)) < 3:
            return period.start + timedelta(days=draw(st.integers(0, period.days - 1)))
        return date(FY, 1, 1) + timedelta(days=draw(st.integers(0, 364)))

    mine = tuple(
        OrderRow(f"p{i:02d}", d, draw(amount), "USD", owner=person, invoiced_on=d, paid_on=d)
        for i, d in enumerate(day() for _ in range(draw(st.integers(2, 8))))
    )
    inp = replace(inp, orders=inp.orders + mine)
    order_id = draw(st.sampled_from(["a-deal", "o00~whatif", "o07~whatif", "p02~whatif", "z-deal"]))
    booked = day()
    order = OrderRow(
        order_id,
        booked,
        draw(st.one_of(amount, st.integers(1_000_000, 5_000_000))),
        "USD",
        owner=draw(st.sampled_from([person, person, person, *PEOPLE, None])),
        product=draw(st.sampled_from(["p1", "p2", None])),
        product_family=draw(st.sampled_from(["HW", "SW", None])),
        territory=draw(st.sampled_from(["west", "east", None])),
        invoiced_on=booked,  # as a what-if books a won deal: invoiced and paid that day
        paid_on=booked,
    )
    splits: list[CreditSplit] = []
    if draw(st.integers(0, 3)) == 0:
        share = Decimal(draw(st.integers(1, 99))) / 100
        other = draw(st.sampled_from([p for p in PEOPLE if p != person]))
        splits += [
            CreditSplit(order_id, person, share, CreditRole.DIRECT, 1),
            CreditSplit(order_id, other, 1 - share, CreditRole.DIRECT, 2),
        ]
    if draw(st.integers(0, 3)) == 0:
        share = Decimal(draw(st.integers(1, 100))) / 100
        splits.append(CreditSplit(order_id, draw(st.sampled_from(PEOPLE)), share, CreditRole.OVERLAY, 9))
    return inp, period, person, order, tuple(splits)


def _rerun(whatif: WhatIf, order: OrderRow, splits: tuple[CreditSplit, ...]) -> list[PayeeResult]:
    """The person's explained results with the order booked, from a full run of the slice."""
    facts = whatif.facts
    assert isinstance(facts.orders, pa.Table)
    orders = pa.concat_tables([facts.orders, orders_table([order]).cast(facts.orders.schema)])
    more = facts.splits
    if splits:
        new = splits_table(list(splits))
        assert more is None or isinstance(more, pa.Table)
        more = new if more is None else pa.concat_tables([more, new.cast(more.schema)])
    run = run_period(FactTables(facts.inputs, orders, more), whatif.period)
    try:
        return run.results()
    finally:
        run.close()


def _keyed(results: list[PayeeResult], order_id: str) -> dict[Hashable, tuple[str, EarningLine]]:
    """Lines other than the order's by what they are (plan and which assignment to it, component, kind,
    order, credit, tier), numbered when that repeats."""
    out: dict[Hashable, tuple[str, EarningLine]] = {}
    seen: Counter[Hashable] = Counter()
    plans: Counter[str] = Counter()
    for r in results:
        plans[r.plan_key] += 1
        for line in r.lines:
            if line.order_id == order_id:
                continue
            what = (
                r.plan_key,
                plans[r.plan_key],
                line.component,
                line.kind,
                line.order_id,
                line.credit_role,
                line.rollup_level,
                line.split_sequence,
                line.tier,
            )
            seen[what] += 1
            out[(*what, seen[what])] = (r.plan_key, line)
    return out


def _compared(before: list[PayeeResult], after: list[PayeeResult], order_id: str) -> list[Line]:
    """Every line whose amount differs: in the order of the results with the order, then those that go."""
    old, new = _keyed(before, order_id), _keyed(after, order_id)
    out = []
    for key, (plan, line) in new.items():
        was = old[key][1].amount if key in old else 0
        if was != line.amount:
            out.append((plan, line, was, line.amount))
    for key, (plan, line) in old.items():
        if key not in new and line.amount != 0:
            out.append((plan, line, line.amount, 0))
    return out


def _given(estimate: Estimate) -> tuple[list[Line], list[Line]]:
    own = [(c.plan_key, c.line, c.before, c.after) for c in estimate.own]
    return own, [(c.plan_key, c.line, c.before, c.after) for c in estimate.changes]


def _check(inp: CalculationInput, period: Period, person: str, order: OrderRow, splits: Splits) -> list[Line]:
    """Asserts the estimate gives the full re-run's lines; returns the other lines that change."""
    try:
        whatif = WhatIf(FactTables.from_input(inp), period, person)
    except AttainError as exc:
        event(f"the slice fails: {type(exc).__name__}")
        return []
    try:
        baseline = run_period(whatif.facts, period)
        try:
            before = baseline.results()
        finally:
            baseline.close()
        try:
            after = _rerun(whatif, order, splits)
        except AttainError as exc:
            event(f"both fail: {type(exc).__name__}")
            with pytest.raises(type(exc)):
                whatif.estimate(order, splits)
            return []
        estimate = whatif.estimate(order, splits)
    finally:
        whatif.close()
    own = [
        (r.plan_key, line, 0, line.amount)
        for r in after
        for line in r.lines
        if line.order_id == order.order_id
    ]
    changes = _compared(before, after, order.order_id)
    assert (estimate.before, estimate.after) == (sum(r.total for r in before), sum(r.total for r in after))
    assert _given(estimate) == (own, changes)
    assert plain(_given(estimate)) == plain((own, changes))  # shares and rates written alike
    assert sum(c.after - c.before for c in estimate.own + estimate.changes) == estimate.delta
    return changes


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(cases())
def test_an_estimate_gives_the_lines_a_full_rerun_compared_line_by_line_gives(case: Case) -> None:
    changes = _check(*case)
    event(f"other lines changed: {min(len(changes), 3)}{'+' if len(changes) >= 3 else ''}")
    for what in sorted({(line.kind, line.order_id is not None, after == 0) for _, line, _, after in changes}):
        event(f"changed: {what}")


MARGINAL = """\
plan: t
currency: USD
period: quarter
crediting:
  roles: [{roles}]
measures:
  bookings: {{sum: amount}}
components:
  - commission: c
    measure: bookings
    tiers:
      method: marginal
      on: amount
      bands:
        - {{upto: 1000, rate: 5%}}
        - {{rate: 10%}}
"""
Q1 = FiscalCalendar(1).period(PeriodKind.QUARTER, FY, 1)


def _company(roles: str, territories: tuple[TerritoryLink, ...] = ()) -> CalculationInput:
    orders = tuple(
        OrderRow(f"p{i}", date(FY, 1, 10 * i), 60_000, "USD", owner="ann", territory="west")
        for i in (1, 2, 3)
    )
    return CalculationInput(
        FiscalCalendar(1),
        {"t": compile_text(MARGINAL.format(roles=roles))},
        (PlanAssignmentRow("ann", "t", 1_000_000, date(FY, 1, 1)),),
        orders,
        territories=territories,
    )


def test_an_early_order_moves_later_orders_lines_to_the_next_tier_and_the_estimate_says_which() -> None:
    # 600 + 600 + 600 with the edge at 1,000: p2 straddles it. An order of 900 dated first (and numbered
    # first) leaves p1 straddling it and p2 wholly above: lines change, appear and go.
    extra = OrderRow("a-deal", date(FY, 1, 5), 90_000, "USD", owner="ann", territory="west")
    changes = _check(_company("direct"), Q1, "ann", extra, ())
    kinds = {(line.order_id, line.tier, before == 0, after == 0) for _, line, before, after in changes}
    assert ("p1", 2, True, False) in kinds  # appears
    assert ("p2", 1, False, True) in kinds  # goes


def test_two_credits_of_one_order_alike_are_told_apart_by_which_they_are() -> None:
    # Two links to one territory credit each order twice with the same role, level and sequence.
    west = (
        TerritoryLink("ann", "west", date(FY - 1, 1, 1)),
        TerritoryLink("ann", "west", date(FY - 1, 6, 1)),
    )
    extra = OrderRow("a-deal", date(FY, 1, 5), 20_000, "USD", owner="bob", territory="west")
    assert _check(_company("territory", west), Q1, "ann", extra, ())
