"""The reference evaluator: the small, obviously correct oracle for every engine.

Row-by-row Python over plain inputs: credits -> measures -> attainment -> earning lines. For each payee it
walks the plan periods of the fiscal year up to the one asked for, because year windows pay true-ups and
yearly caps need what was already earned. Steps per component, in order: raw lines, per-order limits, gates,
true-up (year windows), component cap; then the plan cap. Nothing reads a clock or a database.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from attain.domain.calendar import Period
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import (
    Accumulation,
    Bonus,
    Cap,
    CapWindow,
    Commission,
    CompiledPlan,
    Component,
    Gate,
    Mbo,
    MeasureKind,
    RoundingMode,
)
from attain.domain.plans.rounding import as_decimal, minor_of, round_fraction
from attain.engine.inputs import CalculationInput, OrderRow, PlanAssignmentRow
from attain.engine.reference_awards import bonus_lines, mbo_lines, spiff_lines
from attain.engine.reference_commission import commission_lines
from attain.engine.reference_context import PayeeContext
from attain.engine.reference_crediting import assign_credits
from attain.engine.results import Credit, EarningLine, MeasureResult, PayeeResult

KIND_RANK = {
    "commission": 0,
    "spiff": 0,
    "order_min": 1,
    "order_max": 1,
    "bonus": 2,
    "mbo": 2,
    "true_up": 3,
    "gate": 4,
    "cap": 5,
    "plan_cap": 6,
}


def evaluate(inp: CalculationInput, period: Period) -> list[PayeeResult]:
    """Every payee of `period` (plan assignments of plans paying on this kind of period), in person order."""
    return [
        history[-1]
        for history in evaluate_history(inp, period).values()
        if history[-1].period_key == period.key
    ]


def evaluate_history(inp: CalculationInput, period: Period) -> dict[tuple[str, str, date], list[PayeeResult]]:
    """For each payee of `period`: its results for each plan period of the fiscal year up to `period`."""
    credits = assign_credits(inp)
    orders = {o.order_id: o for o in inp.orders}
    out: dict[tuple[str, str, date], list[PayeeResult]] = {}
    for a in sorted(inp.assignments, key=lambda a: (a.person_id, a.valid_from, a.plan_key)):
        plan = inp.plans.get(a.plan_key)
        if plan is None:
            raise InvalidInput(
                f"{a.person_id} is assigned plan '{a.plan_key}', which is not given",
                hint="compile and pass every assigned plan",
            )
        if plan.period is not period.kind or not _overlaps(a, period):
            continue
        out[(a.person_id, a.plan_key, a.valid_from)] = _payee_history(inp, plan, a, period, credits, orders)
    return out


def _overlaps(a: PlanAssignmentRow, period: Period) -> bool:
    return a.valid_from < period.end and (a.valid_to is None or a.valid_to >= period.start)


def _payee_history(
    inp: CalculationInput,
    plan: CompiledPlan,
    a: PlanAssignmentRow,
    target: Period,
    credits: list[Credit],
    orders: dict[str, OrderRow],
) -> list[PayeeResult]:
    paid: dict[str, int] = {c.key: 0 for c in plan.components}
    plan_paid = 0
    history = []
    fy = inp.calendar.fiscal_year_of(target.start)
    for period in [p for p in inp.calendar.periods(plan.period, fy) if p.start <= target.start]:
        ctx = PayeeContext(inp, plan, a, period, credits, orders)
        if period != target and ctx.active_days(period) == 0:
            continue
        lines: list[EarningLine] = []
        for comp in plan.components:
            comp_lines = _component(ctx, comp, paid[comp.key])
            paid[comp.key] += sum(line.amount for line in comp_lines)
            lines.extend(comp_lines)
        total = sum(line.amount for line in lines)
        if plan.cap is not None:
            limit = _cap_amount(ctx, plan.cap) - (plan_paid if plan.cap.window is CapWindow.YEAR else 0)
            if total > max(limit, 0):
                lines.append(EarningLine("plan", "plan_cap", max(limit, 0) - total, note=_cap_note(plan.cap)))
        plan_paid += sum(line.amount for line in lines)
        history.append(_result(ctx, lines))
    return history


def _component(ctx: PayeeContext, comp: Component, paid_before: int) -> list[EarningLine]:
    raw, gates, acc = _raw(ctx, comp)
    lines = list(raw)
    for gate in gates:
        attained = _gate_attainment(ctx, gate)
        if attained < Fraction(gate.minimum):
            note = f"gate: {gate.measure} {gate.window} attainment {as_decimal(attained)} < {gate.minimum}"
            lines.append(EarningLine(comp.key, "gate", -sum(line.amount for line in lines), note=note))
            break
    cap = getattr(comp, "cap", None)
    if acc is Accumulation.YEAR:
        starts = ctx.period.start
        early = [line for line in raw if line.credit_date is not None and line.credit_date < starts]
        lines = [line for line in lines if line.credit_date is None or line.credit_date >= starts]
        ytd = sum(line.amount for line in lines) + sum(line.amount for line in early)
        if cap is not None and cap.window is CapWindow.YEAR and ytd > _cap_amount(ctx, cap):
            lines.append(EarningLine(comp.key, "cap", _cap_amount(ctx, cap) - ytd, note=_cap_note(cap)))
        true_up = sum(line.amount for line in early) - paid_before
        if true_up:
            note = "year to date recalculated, less what earlier periods paid"
            lines.append(EarningLine(comp.key, "true_up", true_up, note=note))
        if cap is not None and cap.window is CapWindow.PERIOD:
            lines.extend(_capped(ctx, comp.key, cap, lines, 0))
    elif cap is not None:
        lines.extend(_capped(ctx, comp.key, cap, lines, paid_before if cap.window is CapWindow.YEAR else 0))
    return sorted(lines, key=_line_key)


def _raw(ctx: PayeeContext, comp: Component) -> tuple[list[EarningLine], tuple[Gate, ...], Accumulation]:
    if isinstance(comp, Commission):
        return commission_lines(ctx, comp), comp.gates, ctx.plan.measures[comp.measure].accumulate
    if isinstance(comp, Bonus):
        return bonus_lines(ctx, comp), comp.gates, comp.accumulate
    if isinstance(comp, Mbo):
        return mbo_lines(ctx, comp), (), Accumulation.PERIOD
    return spiff_lines(ctx, comp), (), Accumulation.PERIOD


def _gate_attainment(ctx: PayeeContext, gate: Gate) -> Fraction:
    measure = ctx.plan.measures[gate.measure]
    window = Accumulation.YEAR if gate.window is Accumulation.YEAR else measure.accumulate
    attained = ctx.attainment(measure, window)
    assert attained is not None
    return attained


def _cap_amount(ctx: PayeeContext, cap: Cap) -> int:
    if cap.amount is not None:
        return round_fraction(minor_of(cap.amount, ctx.plan.currency), RoundingMode.HALF_EVEN)
    assert cap.target_incentive_multiple is not None
    base = (
        ctx.target_incentive(Accumulation.PERIOD)
        if cap.window is CapWindow.PERIOD
        else Fraction(ctx.assignment.target_incentive)
    )
    return round_fraction(base * Fraction(cap.target_incentive_multiple), RoundingMode.HALF_EVEN)


def _cap_note(cap: Cap) -> str:
    what = f"{cap.amount}" if cap.amount is not None else f"{cap.target_incentive_multiple}x target incentive"
    return f"cap {what} per {cap.window}"


def _capped(
    ctx: PayeeContext, key: str, cap: Cap, lines: list[EarningLine], paid_before: int
) -> list[EarningLine]:
    total = sum(line.amount for line in lines)
    limit = max(_cap_amount(ctx, cap) - paid_before, 0)
    if total > limit:
        return [EarningLine(key, "cap", limit - total, note=_cap_note(cap))]
    return []


def _line_key(line: EarningLine) -> tuple[object, ...]:
    if line.credit_date is None:
        return (1, date.min, "", "", 0, 0, KIND_RANK[line.kind], 0)
    return (
        0,
        line.credit_date,
        line.order_id or "",
        line.credit_role or "",
        line.rollup_level or 0,
        line.split_sequence or 0,
        KIND_RANK[line.kind],
        line.tier or 0,
    )


def _result(ctx: PayeeContext, lines: list[EarningLine]) -> PayeeResult:
    measures = []
    for measure in ctx.plan.measures.values():
        window = ctx.window(measure.accumulate)
        value = ctx.value(measure, window)
        quota = ctx.quota(measure, measure.accumulate)
        places = 0 if measure.kind is MeasureKind.SUM else 2
        measures.append(
            MeasureResult(
                measure=measure.key,
                window_start=window.start,
                window_end=window.end,
                value=value,
                quota=None if quota is None else as_decimal(quota, places),
                attainment=None if not quota else as_decimal(Fraction(value) / quota),
            )
        )
    return PayeeResult(
        person_id=ctx.assignment.person_id,
        plan_key=ctx.plan.key,
        period_key=ctx.period.key,
        currency=ctx.plan.currency,
        proration=as_decimal(ctx.proration(ctx.period)),
        target_incentive=int(ctx.target_incentive(Accumulation.PERIOD)),
        measures=tuple(measures),
        lines=tuple(lines),
    )
