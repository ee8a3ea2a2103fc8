"""Incremental recalculation: when a few orders change, recalculate only the people and periods they reach.

Reached people: everyone the changed orders credit (owner, split and overlay people, holders of the order's
territory) and the managers above them up to the roll-up depth of the plans they are paid on (a manager two
levels up is reached only through a plan that rolls up at least two levels). Reached periods: those holding
a date of a changed order; when a reached person's plan reads earlier periods (year-to-date measures, gates
or caps, true-ups, formulas, lump-sum SPIFF counts), also the later periods of that fiscal year.
The recalculation runs the engine on the reached people's assignments and only the orders that credit them
or anyone whose credits roll up to them, then replaces their rows in the previous results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from attain.domain.calendar import Period
from attain.domain.plans.model import (
    CreditRole,
)
from attain.engine.inputs import CalculationInput, CreditSplit, OrderRow
from attain.engine.relational.facts import FactTables, Reach
from attain.engine.relational.sums import reads_earlier_periods


class PersonRow(Protocol):
    """A result row of one person: a `PayeeResult`, or a lighter row of totals a caller keeps instead."""

    @property
    def person_id(self) -> str: ...


Row = TypeVar("Row", bound=PersonRow)


@dataclass(frozen=True)
class OrderChange:
    """The changed orders as they were and as they are (an added order has no `before` row, a removed one
    no `after` row), with their splits before and after."""

    before: tuple[OrderRow, ...] = ()
    after: tuple[OrderRow, ...] = ()
    splits_before: tuple[CreditSplit, ...] = ()
    splits_after: tuple[CreditSplit, ...] = ()

    def dates(self) -> list[date]:
        return [
            d
            for o in (*self.before, *self.after)
            for d in (o.booked_on, o.invoiced_on, o.paid_on)
            if d is not None
        ]


@dataclass(frozen=True)
class Affected:
    people: frozenset[str]
    periods: tuple[Period, ...]


def _links(inp: CalculationInput) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Managers above and reports below each person, over every dated link (a superset of any one day's)."""
    up: dict[str, set[str]] = {}
    down: dict[str, set[str]] = {}
    for link in inp.managers:
        up.setdefault(link.person_id, set()).add(link.manager_id)
        down.setdefault(link.manager_id, set()).add(link.person_id)
    return up, down


def _climb(step: Mapping[str, set[str]], people: set[str], levels: int) -> dict[str, int]:
    """Everyone within `levels` steps of `people` (0 for the people themselves), at their nearest distance."""
    found = dict.fromkeys(people, 0)
    edge = set(people)
    for level in range(1, levels + 1):
        edge = {n for person in edge for n in step.get(person, ()) if n not in found}
        found.update(dict.fromkeys(edge, level))
    return found


def rollup_depth(inp: CalculationInput, person: str) -> int:
    """How many manager levels the credits of a person's reports climb to reach them (0: roll-ups pay them
    nothing), over every plan they are assigned."""
    depth = 0
    for a in inp.assignments:
        plan = inp.plans.get(a.plan_key)
        if a.person_id == person and plan is not None and CreditRole.ROLLUP in plan.crediting.roles:
            depth = max(depth, plan.crediting.rollup_levels)
    return depth


def _reached_people(inp: CalculationInput, credited: set[str]) -> set[str]:
    """`credited` and the managers whose roll-up plans climb far enough to be paid on their credits."""
    deepest = max(
        (p.crediting.rollup_levels for p in inp.plans.values() if CreditRole.ROLLUP in p.crediting.roles),
        default=0,
    )
    up, _ = _links(inp)
    # A plan of depth d pays levels 1..d, so a manager is reached when their depth covers the nearest
    # distance at which a credited person lies below them.
    reached = set(credited)
    for manager, distance in _climb(up, credited, deepest).items():
        if distance > 0 and rollup_depth(inp, manager) >= distance:
            reached.add(manager)
    return reached


def affected(inp: CalculationInput, change: OrderChange, periods: Sequence[Period]) -> Affected:
    """The people and the periods (among `periods`) whose results the change can alter."""
    orders = (*change.before, *change.after)
    credited = {o.owner for o in orders if o.owner is not None}
    credited |= {s.person_id for s in (*change.splits_before, *change.splits_after)}
    territories = {o.territory for o in orders if o.territory is not None}
    credited |= {t.person_id for t in inp.territories if t.territory in territories}
    dates = change.dates()
    if not dates:
        return Affected(frozenset(), ())
    people = _reached_people(inp, credited)
    cal = inp.calendar
    touched = [p for p in periods if any(p.start <= d < p.end for d in dates)]
    later = any(
        reads_earlier_periods(inp.plans[a.plan_key])
        for a in inp.assignments
        if a.person_id in people and a.plan_key in inp.plans
    )
    if later:
        first, last_year = min(dates), cal.fiscal_year_of(max(dates))
        touched = [p for p in periods if p.end > first and cal.fiscal_year_of(p.start) <= last_year]
    return Affected(frozenset(people), tuple(touched))


def slice_facts(facts: FactTables, people: frozenset[str]) -> FactTables:
    """`facts` for `people` only: their assignments, and the orders (with all their splits) that credit
    them or anyone below them, directly, by split or overlay, or through a territory they hold. The orders
    are filtered as a run loads them (`FactTables.only`), so the facts are never copied."""
    inp = facts.inputs
    _, down = _links(inp)
    # Credits roll up at most the deepest plan's levels: reports further down pay nobody in `people`.
    deepest = max((rollup_depth(inp, person) for person in people), default=0)
    below = frozenset(_climb(down, set(people), deepest))
    held = frozenset(t.territory for t in inp.territories if t.person_id in people)
    chosen = tuple(a for a in inp.assignments if a.person_id in people)
    # Split shares are looked up by position in the facts given: the inputs carry no order rows of their own.
    sliced = dataclasses.replace(inp, assignments=chosen, orders=(), splits=())
    return FactTables(sliced, facts.orders, facts.splits, Reach(below, held))


def merge(previous: Sequence[Row], fresh: Sequence[Row], people: frozenset[str]) -> list[Row]:
    """`previous` with the rows of `people` replaced by `fresh` ones, in the engines' order (by person)."""
    groups: dict[str, list[Row]] = {}
    for row in previous:
        if row.person_id not in people:
            groups.setdefault(row.person_id, []).append(row)
    for row in fresh:
        groups.setdefault(row.person_id, []).append(row)
    return [row for person in sorted(groups) for row in groups[person]]


def recalculate(
    previous: Mapping[str, Sequence[Row]],
    facts: FactTables,
    change: OrderChange,
    periods: Sequence[Period],
    run: Callable[[FactTables, Period], Sequence[Row]],
) -> dict[str, list[Row]]:
    """The results of `periods` after `change`, from the `previous` ones (by period key) and the changed
    `facts`, recalculating only the reached people and periods with `run` (which returns `PayeeResult`s or
    any rows of one person each, in the engines' order)."""
    reach = affected(facts.inputs, change, periods)
    out = {p.key: list(previous[p.key]) for p in periods}
    if not reach.people or not reach.periods:
        return out
    sliced = slice_facts(facts, reach.people)
    for period in reach.periods:
        out[period.key] = merge(previous[period.key], run(sliced, period), reach.people)
    return out
