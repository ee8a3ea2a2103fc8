"""Reference commission: credits x rates, flat or tiered (marginal slices or reached tier), per-order limits.

Tier bands are half-open [lower, upper) on the window's running credited total: a total exactly on a bound
belongs to the higher tier. Attainment bounds become amounts as quota x bound, rounded half-even to a minor
unit. A marginal line is split exactly with clamp(after - lo, 0, width) - clamp(before - lo, 0, width).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from attain.domain.errors import InvalidInput
from attain.domain.plans.evaluation import evaluate_condition
from attain.domain.plans.model import Commission, RoundingMode, Tier, TierBasis, TierMethod
from attain.domain.plans.rounding import as_decimal, minor_of, round_fraction
from attain.engine.reference_context import CreditView, PayeeContext
from attain.engine.results import EarningLine


def commission_lines(ctx: PayeeContext, comp: Commission) -> list[EarningLine]:
    """The commission lines of `comp` over its measure's window, before gates, true-ups and caps."""
    measure = ctx.plan.measures[comp.measure]
    window = ctx.window(measure.accumulate)
    views = ctx.credits(window, measure)
    if comp.where is not None:
        views = [v for v in views if evaluate_condition(comp.where.expr, v.env)]
    mode = ctx.plan.rounding
    if comp.table is None:
        lines = [_line(comp, v, _base_rate(comp, v), v.amount, None, mode, "") for v in views]
    else:
        edges = _edges(ctx, comp)
        withheld = _accelerators_withheld(ctx, comp)
        if comp.table.method is TierMethod.MARGINAL:
            lines = _marginal(comp, views, edges, withheld, mode)
        else:
            lines = _retroactive(comp, views, edges, withheld, mode)
    return lines + _order_limits(ctx, comp, lines)


def _base_rate(comp: Commission, view: CreditView) -> Decimal:
    if comp.lookup is None:
        assert comp.base_rate is not None or comp.table is not None
        return comp.base_rate if comp.base_rate is not None else Decimal(0)
    raw = view.env.get(comp.lookup.field)
    key = (
        None
        if raw is None
        else (str(int(raw)) if isinstance(raw, Fraction) and raw.denominator == 1 else str(raw))
    )
    for name, rate in comp.lookup.rates:
        if name == key:
            return rate
    if comp.lookup.default is None:
        raise InvalidInput(
            f"order {view.credit.order_id}: no {comp.lookup.field} rate for '{key}' in '{comp.key}'",
            hint="add it to rate_by.rates or give rate_by.default",
        )
    return comp.lookup.default


def _tier_rate(comp: Commission, tier: Tier, view: CreditView, withheld: str) -> tuple[Decimal, str]:
    if tier.accelerator and withheld:
        ordinary = (
            [t for t in comp.table.tiers if not t.accelerator and t.index < tier.index] if comp.table else []
        )
        fallback = ordinary[-1] if ordinary else None
        rate = _base_rate(comp, view) if fallback is None else _tier_rate(comp, fallback, view, "")[0]
        return rate, withheld
    if tier.rate is not None:
        return tier.rate, ""
    assert tier.multiplier is not None
    return _base_rate(comp, view) * tier.multiplier, ""


def _edges(ctx: PayeeContext, comp: Commission) -> list[tuple[Tier, int, int | None]]:
    assert comp.table is not None
    cur = ctx.plan.currency
    if comp.table.basis is TierBasis.AMOUNT:

        def bound(x: Decimal) -> int:
            return round_fraction(minor_of(x, cur), RoundingMode.HALF_EVEN)
    else:
        quota = ctx.quota(ctx.plan.measures[comp.measure], ctx.plan.measures[comp.measure].accumulate)
        assert quota is not None
        if quota <= 0:
            raise InvalidInput(f"the '{comp.measure}' quota of {ctx.assignment.person_id} is not above zero")

        def bound(x: Decimal) -> int:
            return round_fraction(quota * Fraction(x), RoundingMode.HALF_EVEN)

    return [(t, bound(t.lower), None if t.upper is None else bound(t.upper)) for t in comp.table.tiers]


def _accelerators_withheld(ctx: PayeeContext, comp: Commission) -> str:
    gate = comp.accelerator_gate
    if gate is None:
        return ""
    attained = ctx.attainment(ctx.plan.measures[gate.measure], gate.window)
    assert attained is not None
    if attained >= Fraction(gate.minimum):
        return ""
    shown = as_decimal(attained)
    return f"accelerator withheld: {gate.measure} {gate.window} attainment {shown} < {gate.minimum}"


def _clamp(x: int, width: int | None) -> int:
    return max(x, 0) if width is None else min(max(x, 0), width)


def _marginal(
    comp: Commission,
    views: list[CreditView],
    edges: list[tuple[Tier, int, int | None]],
    withheld: str,
    mode: RoundingMode,
) -> list[EarningLine]:
    lines = []
    running = 0
    for v in views:
        before, after = running, running + v.amount
        running = after
        for tier, lo, hi in edges:
            width = None if hi is None else hi - lo
            part = _clamp(after - lo, width) - _clamp(before - lo, width)
            if part:
                rate, note = _tier_rate(comp, tier, v, withheld)
                lines.append(_line(comp, v, rate, part, tier.index, mode, note))
    return lines


def _retroactive(
    comp: Commission,
    views: list[CreditView],
    edges: list[tuple[Tier, int, int | None]],
    withheld: str,
    mode: RoundingMode,
) -> list[EarningLine]:
    total = sum(v.amount for v in views)
    reached = edges[0][0]
    for tier, lo, hi in edges:
        if lo <= total and (hi is None or total < hi):
            reached = tier
    lines = []
    for v in views:
        rate, note = _tier_rate(comp, reached, v, withheld)
        lines.append(_line(comp, v, rate, v.amount, reached.index, mode, note))
    return lines


def _line(
    comp: Commission,
    v: CreditView,
    rate: Decimal,
    basis: int,
    tier: int | None,
    mode: RoundingMode,
    note: str,
) -> EarningLine:
    c = v.credit
    return EarningLine(
        component=comp.key,
        kind="commission",
        amount=round_fraction(Fraction(basis) * Fraction(rate), mode),
        order_id=c.order_id,
        credit_date=v.day,
        credit_role=c.role.value,
        rollup_level=c.level,
        split_sequence=c.sequence,
        share=c.share,
        basis=basis,
        tier=tier,
        rate=rate,
        note=note,
    )


def _order_limits(ctx: PayeeContext, comp: Commission, lines: list[EarningLine]) -> list[EarningLine]:
    if comp.order_min is None and comp.order_max is None:
        return []
    cur = ctx.plan.currency
    totals: dict[tuple[object, ...], int] = defaultdict(int)
    first: dict[tuple[object, ...], EarningLine] = {}
    for line in lines:
        key: tuple[object, ...] = (
            line.credit_date,
            line.order_id,
            line.credit_role,
            line.rollup_level,
            line.split_sequence,
        )
        totals[key] += line.amount
        first.setdefault(key, line)
    out = []
    for key, total in totals.items():
        ref = first[key]
        low = (
            None
            if comp.order_min is None
            else round_fraction(minor_of(comp.order_min, cur), RoundingMode.HALF_EVEN)
        )
        high = (
            None
            if comp.order_max is None
            else round_fraction(minor_of(comp.order_max, cur), RoundingMode.HALF_EVEN)
        )
        if low is not None and total < low:
            out.append(_limit(ref, "order_min", low - total, f"per-order minimum {comp.order_min}"))
        elif high is not None and total > high:
            out.append(_limit(ref, "order_max", high - total, f"per-order maximum {comp.order_max}"))
    return out


def _limit(ref: EarningLine, kind: str, amount: int, note: str) -> EarningLine:
    return EarningLine(
        component=ref.component,
        kind=kind,
        amount=amount,
        order_id=ref.order_id,
        credit_date=ref.credit_date,
        credit_role=ref.credit_role,
        rollup_level=ref.rollup_level,
        split_sequence=ref.split_sequence,
        share=ref.share,
        note=note,
    )
