"""What a payee's outcome is settled from: the sums the relational program aggregates, and the period walk.

A run's SQL leaves, per payee, each measure's value per fiscal-year period, each component's raw total of
per-credit lines per period (and the part dated before the period, for year windows) and lump-sum SPIFF
counts. Everything after that (bonuses, gates, true-ups, caps, the plan cap) is `settle`, in Python, on
those sums only. Sums and distinct-order counts add up over disjoint sets of orders, which is what
incremental recalculation by patching relies on (see `attain.engine.patching`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from attain.domain.plans.model import (
    Accumulation,
    Bonus,
    Cap,
    CapWindow,
    Commission,
    CompiledPlan,
    Gate,
    Spiff,
)
from attain.engine.relational.assemble import (
    ComponentPeriod,
    PeriodOutcome,
    component_lines,
    plan_cap_line,
    settle_component,
)
from attain.engine.relational.terms import MeasureValues, PayeeTerms

PayeeKey = tuple[str, str, date]  # person, plan, assignment start
K = TypeVar("K", bound=Hashable)


def payee_key(terms: PayeeTerms) -> PayeeKey:
    a = terms.assignment
    return (a.person_id, a.plan_key, a.valid_from)


def _added(base: Mapping[K, int], minus: Mapping[K, int], plus: Mapping[K, int]) -> dict[K, int]:
    out = dict(base)
    for key, value in minus.items():
        out[key] = out.get(key, 0) - value
    for key, value in plus.items():
        out[key] = out.get(key, 0) + value
    return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class PayeeSums:
    """One payee's aggregated sums for a run (zeros left out, so equal sums compare equal).

    measures: value per (measure key, period start); totals: (raw, early) per (period index, component
    index in the plan); lumps: distinct orders counted per (component index, period index, after the
    SPIFF's last day)."""

    measures: dict[tuple[str, date], int] = field(default_factory=dict)
    totals: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    lumps: dict[tuple[int, int, bool], int] = field(default_factory=dict)

    def patched(self, minus: PayeeSums | None, plus: PayeeSums | None) -> PayeeSums:
        """These sums less `minus` plus `plus` (sums of disjoint order sets, as of the same payee terms)."""
        empty = PayeeSums()
        minus, plus = minus or empty, plus or empty
        raw = _added(
            {k: v[0] for k, v in self.totals.items()},
            {k: v[0] for k, v in minus.totals.items()},
            {k: v[0] for k, v in plus.totals.items()},
        )
        early = _added(
            {k: v[1] for k, v in self.totals.items()},
            {k: v[1] for k, v in minus.totals.items()},
            {k: v[1] for k, v in plus.totals.items()},
        )
        totals = {k: (raw.get(k, 0), early.get(k, 0)) for k in sorted(set(raw) | set(early))}
        return PayeeSums(
            _added(self.measures, minus.measures, plus.measures),
            totals,
            _added(self.lumps, minus.lumps, plus.lumps),
        )


def needs_history(plan: CompiledPlan) -> bool:
    """Whether earlier periods' payments change this period's lines (true-ups and yearly caps)."""
    if plan.cap is not None and plan.cap.window is CapWindow.YEAR:
        return True
    for comp in plan.components:
        cap: Cap | None = getattr(comp, "cap", None)
        if cap is not None and cap.window is CapWindow.YEAR:
            return True
        if isinstance(comp, Commission) and plan.measures[comp.measure].accumulate is Accumulation.YEAR:
            return True
        if isinstance(comp, Bonus) and comp.accumulate is Accumulation.YEAR:
            return True
    return False


def reads_earlier_periods(plan: CompiledPlan) -> bool:
    """Whether a period's result of `plan` depends on orders of earlier periods of the fiscal year."""
    if needs_history(plan) or any(m.accumulate is Accumulation.YEAR for m in plan.measures.values()):
        return True
    for comp in plan.components:
        gates: tuple[Gate | None, ...] = getattr(comp, "gates", ())
        if isinstance(comp, Commission):
            gates = (*gates, comp.accelerator_gate)
        if any(g is not None and g.window is Accumulation.YEAR for g in gates):
            return True
        if isinstance(comp, Bonus) and comp.formula is not None:  # a formula may read year-to-date fields
            return True
        if isinstance(comp, Spiff) and comp.lump_sum is not None:  # counts since the SPIFF's first day
            return True
    return False


def values_of(terms: PayeeTerms, sums: PayeeSums) -> MeasureValues:
    at = terms.period_starting
    return MeasureValues(terms, {(key, at(start)): v for (key, start), v in sums.measures.items()})


def settle(terms: PayeeTerms, sums: PayeeSums) -> tuple[MeasureValues, PeriodOutcome]:
    """The reference's period walk for one payee on its sums: the target period's outcome, settled."""
    plan = terms.plan
    values = values_of(terms, sums)
    paid = [0] * len(plan.components)
    plan_paid = 0
    target: PeriodOutcome | None = None
    for period in terms.evaluated:
        for measure in plan.measures.values():
            terms.quota(measure, period, measure.accumulate)  # a missing quota fails here, as in reference
        pno = terms.pno(period)
        parts: list[ComponentPeriod] = []
        for i, comp in enumerate(plan.components):
            raw, early = sums.totals.get((pno, i), (0, 0))
            lumps = {(p, late): n for (c, p, late), n in sums.lumps.items() if c == i} if sums.lumps else {}
            made = component_lines(values, comp, period, (raw, early), lumps)
            part = settle_component(values, comp, period, raw, early, made, paid[i])
            paid[i] += part.total
            parts.append(part)
        total = sum(part.total for part in parts)
        outcome = PeriodOutcome(period, parts, plan_cap_line(values, period, total, plan_paid))
        plan_paid += outcome.total
        if terms.is_target(period):
            target = outcome
    assert target is not None, "the target period is always evaluated"
    return values, target
