"""Per-payee assembly of the fast engine: gates, year-to-date true-ups, caps and the plan cap, by period.

The relational program gives each component's raw total (and the part dated before the period, for year
windows); the steps after it work on those totals in the reference evaluator's order: raw lines, per-order
limits, gates, true-up, component cap, plan cap. Only the asked period keeps its per-credit lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from attain.domain.calendar import Period
from attain.domain.plans.model import (
    Accumulation,
    Bonus,
    Cap,
    CapWindow,
    Commission,
    Component,
    Gate,
    Mbo,
    MeasureKind,
    Spiff,
)
from attain.domain.plans.rounding import as_decimal
from attain.engine.relational.awards import bonus_lines, lump_sum_lines, mbo_lines
from attain.engine.relational.terms import MeasureValues, exact
from attain.engine.results import EarningLine, MeasureResult

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


@dataclass(slots=True)
class ComponentPeriod:
    """One component in one period: its per-credit raw total (early part separately) and what follows it."""

    raw_total: int = 0  # per-credit lines, year-window credits dated before the period included
    early_total: int = 0  # the part of raw_total dated before the period
    lines: list[EarningLine] = field(default_factory=list)  # component-level lines, in rank order

    @property
    def total(self) -> int:
        return self.raw_total - self.early_total + sum(line.amount for line in self.lines)


@dataclass(slots=True)
class PeriodOutcome:
    """A payee's settled period; its parts are not changed afterwards, so the total is taken once."""

    period: Period
    components: list[ComponentPeriod]
    plan_cap: EarningLine | None
    total: int = field(init=False)

    def __post_init__(self) -> None:
        plan = 0 if self.plan_cap is None else self.plan_cap.amount
        self.total = sum(c.total for c in self.components) + plan


def _cap_note(cap: Cap) -> str:
    what = f"{cap.amount}" if cap.amount is not None else f"{cap.target_incentive_multiple}x target incentive"
    return f"cap {what} per {cap.window}"


def _gate_attainment(values: MeasureValues, gate: Gate, period: Period) -> Fraction:
    measure = values.terms.plan.measures[gate.measure]
    window = Accumulation.YEAR if gate.window is Accumulation.YEAR else measure.accumulate
    attained = values.attainment(measure, period, window)
    assert attained is not None
    return attained


def component_lines(
    values: MeasureValues,
    comp: Component,
    period: Period,
    raw: tuple[int, int],
    lump_counts: dict[tuple[int, bool], int],
) -> list[EarningLine]:
    """Python-made raw lines of `comp` (bonus, MBO, lump-sum SPIFF); per-credit lines come from SQL."""
    if isinstance(comp, Bonus):
        return bonus_lines(values, comp, period)
    if isinstance(comp, Mbo):
        return mbo_lines(values, comp, period)
    if isinstance(comp, Spiff) and comp.lump_sum is not None:
        return lump_sum_lines(values, comp, period, lump_counts)
    return []


def settle_component(
    values: MeasureValues,
    comp: Component,
    period: Period,
    raw_total: int,
    early_total: int,
    made: list[EarningLine],
    paid_before: int,
) -> ComponentPeriod:
    terms = values.terms
    if isinstance(comp, Commission):
        gates, acc = comp.gates, terms.plan.measures[comp.measure].accumulate
    elif isinstance(comp, Bonus):
        gates, acc = comp.gates, comp.accumulate
    else:
        gates, acc = (), Accumulation.PERIOD
    out = ComponentPeriod(raw_total + sum(line.amount for line in made), 0, [])
    if acc is not Accumulation.YEAR:
        early_total = 0
    running = out.raw_total
    extra: list[EarningLine] = []
    for gate in gates:
        attained = _gate_attainment(values, gate, period)
        if attained < exact(gate.minimum):
            note = f"gate: {gate.measure} {gate.window} attainment {as_decimal(attained)} < {gate.minimum}"
            extra.append(EarningLine(comp.key, "gate", -running, note=note))
            break
    cap: Cap | None = getattr(comp, "cap", None)
    if acc is Accumulation.YEAR:
        kept = running - early_total + sum(line.amount for line in extra)
        ytd = kept + early_total
        if cap is not None and cap.window is CapWindow.YEAR and ytd > terms.cap_amount(period, cap):
            extra.append(
                EarningLine(comp.key, "cap", terms.cap_amount(period, cap) - ytd, note=_cap_note(cap))
            )
        true_up = early_total - paid_before
        if true_up:
            note = "year to date recalculated, less what earlier periods paid"
            extra.append(EarningLine(comp.key, "true_up", true_up, note=note))
        if cap is not None and cap.window is CapWindow.PERIOD:
            total = running - early_total + sum(line.amount for line in extra)
            limit = max(terms.cap_amount(period, cap), 0)
            if total > limit:
                extra.append(EarningLine(comp.key, "cap", limit - total, note=_cap_note(cap)))
    elif cap is not None:
        total = running + sum(line.amount for line in extra)
        limit = max(terms.cap_amount(period, cap) - (paid_before if cap.window is CapWindow.YEAR else 0), 0)
        if total > limit:
            extra.append(EarningLine(comp.key, "cap", limit - total, note=_cap_note(cap)))
    out.raw_total = raw_total
    out.early_total = early_total
    # Stable: lines of one rank keep their order, the made ones first.
    out.lines = sorted(made + extra, key=_rank) if made or extra else []
    return out


def _rank(line: EarningLine) -> int:
    return KIND_RANK[line.kind]


def plan_cap_line(values: MeasureValues, period: Period, total: int, plan_paid: int) -> EarningLine | None:
    cap = values.terms.plan.cap
    if cap is None:
        return None
    limit = values.terms.cap_amount(period, cap) - (plan_paid if cap.window is CapWindow.YEAR else 0)
    if total > max(limit, 0):
        return EarningLine("plan", "plan_cap", max(limit, 0) - total, note=_cap_note(cap))
    return None


def measure_results(values: MeasureValues, period: Period) -> tuple[MeasureResult, ...]:
    terms = values.terms
    out = []
    for measure in terms.plan.measures.values():
        window = terms.window(period, measure.accumulate)
        value = values.value(measure, period, measure.accumulate)
        quota = terms.quota(measure, period, measure.accumulate)
        places = 0 if measure.kind is MeasureKind.SUM else 2
        out.append(
            MeasureResult(
                measure=measure.key,
                window_start=window.start,
                window_end=window.end,
                value=value,
                quota=None if quota is None else as_decimal(quota, places),
                attainment=None if not quota else as_decimal(Fraction(value) / quota),
            )
        )
    return tuple(out)


def credit_line_key(line: EarningLine) -> tuple[object, ...]:
    return (
        line.credit_date or date.min,
        line.order_id or "",
        line.credit_role or "",
        line.rollup_level or 0,
        line.split_sequence or 0,
        KIND_RANK[line.kind],
        line.tier or 0,
    )
