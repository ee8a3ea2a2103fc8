"""Plan tooling on stored facts: the per-person earnings delta of two plan versions on the same data
(`attain plan diff`), and a replay of history under a plan document (`attain plan backtest`).

Both evaluate earnings only (no settlement, nothing written): the people assigned to the plan's key, in the
periods asked for, keep their targets and dates; only the plan document changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from attain.app.runs.calculate import calendar_and_periods
from attain.app.runs.engines import EngineKind, evaluator
from attain.app.runs.inputs import calculation_input, find_period, read_facts, window_of
from attain.app.runs.ports import PayStore
from attain.app.runs.statements import money
from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import CompiledPlan
from attain.engine.inputs import CalculationInput
from attain.engine.plan_source import compile_text


@dataclass(frozen=True, slots=True)
class PlanText:
    """A plan to evaluate: where it came from (a `key@N` or a file name) and its document."""

    label: str
    document: str


def _under(inp: CalculationInput, plan: CompiledPlan, label: str) -> CalculationInput:
    """`inp` with every assignment to `plan.key` (any version) pointed at `plan`."""
    keys = {k for k, p in inp.plans.items() if p.key == plan.key}
    return replace(
        inp,
        plans={**{k: p for k, p in inp.plans.items() if k not in keys}, label: plan},
        assignments=tuple(replace(a, plan_key=label) if a.plan_key in keys else a for a in inp.assignments),
    )


def _earnings(
    evaluate: Callable[..., Any], inp: CalculationInput, period: Period, key: str
) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in evaluate(inp, period):
        if r.plan_key == key:
            out[r.person_id] = out.get(r.person_id, 0) + r.total
    return out


def diff_plans(
    store: PayStore, first: PlanText, second: PlanText, period_key: str, engine: EngineKind | None = None
) -> list[dict[str, Any]]:
    """Per person assigned to the plan: earnings under `first`, under `second`, and the delta."""
    a, b = compile_text(first.document), compile_text(second.document)
    if a.key != b.key:
        raise InvalidInput(f"{first.label} is plan '{a.key}' but {second.label} is plan '{b.key}'")
    _, evaluate = evaluator(engine)
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        start, end = window_of(calendar, target.period)
        facts = read_facts(tx, calendar, start, end)
    inp = calculation_input(facts, target.period)
    left = _earnings(evaluate, _under(inp, a, "diff@a"), target.period, a.key)
    right = _earnings(evaluate, _under(inp, b, "diff@b"), target.period, b.key)
    return [
        {
            "person_id": person,
            "name": facts.names.get(person, ""),
            first.label: money(left.get(person, 0), a.currency),
            second.label: money(right.get(person, 0), b.currency),
            "delta": money(right.get(person, 0) - left.get(person, 0), b.currency),
        }
        for person in sorted(set(left) | set(right))
    ]


def backtest(
    store: PayStore, plan: PlanText, first_key: str, last_key: str, engine: EngineKind | None = None
) -> list[dict[str, Any]]:
    """Each period of the plan's kind from `first_key` to `last_key`: per person, the earnings on record
    (current results) and the earnings under `plan`, and the delta."""
    compiled = compile_text(plan.document)
    _, evaluate = evaluator(engine)
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        first = find_period(periods, first_key, calendar)
        last = find_period(periods, last_key, calendar)
        chosen = sorted(
            (
                p
                for p in periods
                if p.period.kind is compiled.period
                and first.period.start <= p.period.start <= last.period.start
            ),
            key=lambda p: p.period.start,
        )
        if not chosen:
            raise InvalidInput(
                f"no {compiled.period} periods from {first.period.key} to {last.period.key}",
                hint=f"plan {compiled.key} pays per {compiled.period}",
            )
        start, _ = window_of(calendar, chosen[0].period)
        facts = read_facts(tx, calendar, start, chosen[-1].period.end)
        actual: dict[tuple[str, str], int] = {}
        for row in tx.runs.payees(period_ids=[p.id for p in chosen]):
            if row.plan_key == compiled.key:
                actual[(row.period_key, row.person)] = (
                    actual.get((row.period_key, row.person), 0) + row.earnings
                )
    rows = []
    for p in chosen:
        inp = _under(calculation_input(facts, p.period), compiled, "backtest")
        replay = _earnings(evaluate, inp, p.period, compiled.key)
        people = sorted(set(replay) | {person for (key, person) in actual if key == p.period.key})
        for person in people:
            was, now = actual.get((p.period.key, person), 0), replay.get(person, 0)
            rows.append(
                {
                    "period": p.period.key,
                    "person_id": person,
                    "name": facts.names.get(person, ""),
                    "on_record": money(was, compiled.currency),
                    plan.label: money(now, compiled.currency),
                    "delta": money(now - was, compiled.currency),
                }
            )
    return rows
