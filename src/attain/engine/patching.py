"""Incremental recalculation of component totals, patching the people whose plans pay each credit alone.

`attain.engine.incremental.recalculate` recalculates every reached person on the orders that reach them; a
vice president with a three-level roll-up is reached by almost any order, and their slice is nearly the
whole period. But when every commission of a person's plans pays a credit at a rate that depends on that
credit only (no tiers, so no running totals), everything the period walk settles from (measure values,
per-component totals of per-credit lines, lump-sum SPIFF counts) adds up over disjoint sets of orders. Such
a person is patched instead: their previous sums, less the changed orders' sums as they were, plus the
changed orders' sums as they are now, settled again (bonuses, gates, true-ups, caps and the plan cap see
the patched sums exactly as a full run would give them). The changed orders' sums come from running the
engine on those orders alone. Everyone else reached is recalculated on their slice, as before.

Rows are `PayeeTotals`: each payee's component totals (what a close posts and prior-period deltas are taken
against) with the sums they were settled from, which the next patch starts from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from attain.domain.calendar import Period
from attain.domain.plans.model import Commission, CompiledPlan
from attain.engine.incremental import OrderChange, affected, merge, slice_facts
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow
from attain.engine.relational.assemble import PeriodOutcome
from attain.engine.relational.engine import PeriodRun, run_period
from attain.engine.relational.facts import FactTables
from attain.engine.relational.sums import PayeeKey, PayeeSums, payee_key, settle
from attain.engine.relational.terms import PayeeTerms
from attain.engine.relational.workspace import Workspace


@dataclass(frozen=True)
class PayeeTotals:
    """One payee's component totals for a period (before the plan cap, which is `plan_cap`), and the sums
    they were settled from."""

    person_id: str
    plan_key: str
    valid_from: date
    components: tuple[tuple[str, int], ...]
    plan_cap: int
    sums: PayeeSums

    @property
    def key(self) -> PayeeKey:
        return (self.person_id, self.plan_key, self.valid_from)


def _row(terms: PayeeTerms, outcome: PeriodOutcome, sums: PayeeSums) -> PayeeTotals:
    keys = [c.key for c in terms.plan.components]
    parts = tuple(zip(keys, (part.total for part in outcome.components), strict=True))
    cap = 0 if outcome.plan_cap is None else outcome.plan_cap.amount
    return PayeeTotals(*payee_key(terms), parts, cap, sums)


def payee_totals(run: PeriodRun) -> list[PayeeTotals]:
    """Every payee's totals of a run, in the engines' order."""
    sums = run.sums()
    out = []
    for p in run.payees:
        assert p.outcome is not None
        out.append(_row(p.terms, p.outcome, sums[payee_key(p.terms)]))
    return out


def pays_each_credit_alone(plan: CompiledPlan) -> bool:
    """Whether each per-credit line of `plan` depends on its credit only (and the payee's fixed terms):
    true when no commission has tiers, whose rates follow the running total."""
    return all(
        c.table is None and c.accelerator_gate is None for c in plan.components if isinstance(c, Commission)
    )


@dataclass(frozen=True)
class Recalculation:
    """Who a change reaches, split by how they are brought up to date."""

    patched: frozenset[str]
    recalculated: frozenset[str]
    periods: tuple[Period, ...]


def plan_recalculation(
    inp: CalculationInput, change: OrderChange, periods: Sequence[Period]
) -> Recalculation:
    reach = affected(inp, change, periods)
    tiered = {
        a.person_id
        for a in inp.assignments
        if a.plan_key in inp.plans and not pays_each_credit_alone(inp.plans[a.plan_key])
    }
    return Recalculation(reach.people - tiered, reach.people & tiered, reach.periods)


def recalculate_totals(
    previous: Mapping[str, Sequence[PayeeTotals]],
    facts: FactTables,
    change: OrderChange,
    periods: Sequence[Period],
    workspace: Callable[[], Workspace] = Workspace,
) -> dict[str, list[PayeeTotals]]:
    """The totals of `periods` after `change`, from the `previous` ones (by period key, every payee of the
    period) and the changed `facts`: reached people whose plans pay each credit alone are patched, the
    other reached people recalculated on their slice, everyone else kept."""
    plan = plan_recalculation(facts.inputs, change, periods)
    out = {p.key: list(previous[p.key]) for p in periods}
    people = plan.patched | plan.recalculated
    if not people or not plan.periods:
        return out
    sliced = slice_facts(facts, plan.recalculated) if plan.recalculated else None
    before = _changed(facts.inputs, plan.patched, change.before, change.splits_before)
    after = _changed(facts.inputs, plan.patched, change.after, change.splits_after)
    for period in plan.periods:
        fresh = _totals(sliced, period, workspace) if sliced is not None else []
        if plan.patched:
            fresh += _patch(previous[period.key], plan.patched, before, after, period, workspace)
        out[period.key] = merge(previous[period.key], fresh, people)
    return out


def _changed(
    inp: CalculationInput, people: frozenset[str], orders: Sequence[OrderRow], splits: Sequence[CreditSplit]
) -> FactTables:
    chosen = tuple(a for a in inp.assignments if a.person_id in people)
    return FactTables.from_input(
        dataclasses.replace(inp, assignments=chosen, orders=tuple(orders), splits=tuple(splits))
    )


def _totals(facts: FactTables, period: Period, workspace: Callable[[], Workspace]) -> list[PayeeTotals]:
    space = workspace()
    try:
        return payee_totals(run_period(facts, period, space))
    finally:
        space.close()


def _patch(
    previous: Sequence[PayeeTotals],
    people: frozenset[str],
    before: FactTables,
    after: FactTables,
    period: Period,
    workspace: Callable[[], Workspace],
) -> list[PayeeTotals]:
    """The patched people's totals: previous sums, less the changed orders as they were, plus as they are."""
    was = {t.key: t for t in _totals(before, period, workspace)}
    space = workspace()
    try:
        run = run_period(after, period, space)
        now = {t.key: t for t in payee_totals(run)}
        kept = {t.key: t for t in previous if t.person_id in people}
        out = []
        for p in run.payees:
            key = payee_key(p.terms)
            old = kept.get(key)
            if old is None:
                raise ValueError(f"{key[0]} ({key[1]}) has no previous totals for {period.key}")
            sums = old.sums.patched(was[key].sums, now[key].sums)
            out.append(_row(p.terms, settle(p.terms, sums)[1], sums))
        return out
    finally:
        space.close()
