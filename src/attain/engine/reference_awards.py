"""Reference bonus, MBO and SPIFF lines.

A bonus pays on the weighted attainment of its measures (each floored and capped first): fixed, step levels
(the highest level reached, bounds inclusive), a linear curve between levels (nothing below the first, flat
above the last), or a formula. MBOs pay target incentive x weight x achievement. SPIFFs pay on the credits
dated inside their window: per deal, an extra rate, or a lump sum in the period the count target is reached.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

from attain.domain.plans.evaluation import Value, evaluate, evaluate_condition
from attain.domain.plans.model import Accumulation, Bonus, BonusPayout, Mbo, PayLevel, PayUnit, Spiff
from attain.domain.plans.rounding import as_decimal, major_of, minor_of, round_fraction
from attain.engine.reference_context import DAY, PayeeContext, Window
from attain.engine.results import EarningLine


def weighted_attainment(ctx: PayeeContext, bonus: Bonus) -> Fraction:
    total = Fraction(0)
    for w in bonus.measures:
        attained = ctx.attainment(ctx.plan.measures[w.measure], bonus.accumulate)
        assert attained is not None
        if w.floor is not None and attained < Fraction(w.floor):
            attained = Fraction(0)
        if w.cap is not None:
            attained = min(attained, Fraction(w.cap))
        total += Fraction(w.weight) * attained
    return total


def _pay(ctx: PayeeContext, level: PayLevel, accumulate: Accumulation) -> Fraction:
    if level.unit is PayUnit.TARGET_INCENTIVE:
        return ctx.target_incentive(accumulate) * Fraction(level.pay)
    return minor_of(level.pay, ctx.plan.currency)


def bonus_lines(ctx: PayeeContext, bonus: Bonus) -> list[EarningLine]:
    attained = weighted_attainment(ctx, bonus)
    acc = bonus.accumulate
    note = ""
    if bonus.payout is BonusPayout.FIXED:
        amount = _pay(ctx, bonus.levels[0], acc)
        note = "fixed"
    elif bonus.payout is BonusPayout.STEPS:
        reached = [lv for lv in bonus.levels if attained >= Fraction(lv.at)]
        amount = _pay(ctx, reached[-1], acc) if reached else Fraction(0)
        note = f"step at {reached[-1].at}" if reached else f"below the first step ({bonus.levels[0].at})"
    elif bonus.payout is BonusPayout.CURVE:
        amount, note = _curve(ctx, bonus, attained)
    else:
        assert bonus.formula is not None
        result = evaluate(bonus.formula.expr, result_env(ctx, bonus))
        assert isinstance(result, Fraction)
        amount = minor_of(result, ctx.plan.currency)
        note = f"formula {bonus.formula.text}"
    if bonus.floor is not None and amount < minor_of(bonus.floor, ctx.plan.currency):
        amount = minor_of(bonus.floor, ctx.plan.currency)
        note += f"; floor {bonus.floor}"
    return [
        EarningLine(
            component=bonus.key,
            kind="bonus",
            amount=round_fraction(amount, ctx.plan.rounding),
            attainment=as_decimal(attained),
            note=note,
        )
    ]


def _curve(ctx: PayeeContext, bonus: Bonus, attained: Fraction) -> tuple[Fraction, str]:
    levels = bonus.levels
    if attained < Fraction(levels[0].at):
        return Fraction(0), f"below the curve ({levels[0].at})"
    if attained >= Fraction(levels[-1].at):
        return _pay(ctx, levels[-1], bonus.accumulate), f"top of the curve ({levels[-1].at})"
    for low, high in itertools.pairwise(levels):
        if Fraction(low.at) <= attained < Fraction(high.at):
            a, b = _pay(ctx, low, bonus.accumulate), _pay(ctx, high, bonus.accumulate)
            position = (attained - Fraction(low.at)) / (Fraction(high.at) - Fraction(low.at))
            return a + (b - a) * position, f"between {low.at} and {high.at}"
    raise AssertionError("attainment outside the curve")  # pragma: no cover - bounds checked above


def result_env(ctx: PayeeContext, bonus: Bonus) -> dict[str, Value]:
    cur = ctx.plan.currency
    env: dict[str, Value] = {
        "target_incentive": major_of(ctx.assignment.target_incentive, cur),
        "period_target_incentive": major_of(ctx.target_incentive(Accumulation.PERIOD), cur),
        "proration": ctx.proration(ctx.period),
    }
    for key, measure in ctx.plan.measures.items():
        unit = (lambda x: major_of(x, cur)) if measure.kind.value == "sum" else Fraction
        for prefix, acc in (("", measure.accumulate), ("ytd_", Accumulation.YEAR)):
            value = ctx.value(measure, ctx.window(acc))
            quota = ctx.quota(measure, acc)
            env[f"{key}.{prefix}value"] = unit(value)
            env[f"{key}.{prefix}quota"] = None if quota is None else unit(quota)
            env[f"{key}.{prefix}attainment"] = None if not quota else Fraction(value) / quota
    for objective, achievement in _achievements(ctx).items():
        env[f"mbo.{objective}"] = Fraction(achievement)
    return env


def _achievements(ctx: PayeeContext) -> dict[str, Decimal]:
    return {
        a.objective: a.achievement
        for a in ctx.inp.mbo
        if a.person_id == ctx.assignment.person_id and a.period_key == ctx.period.key
    }


def mbo_lines(ctx: PayeeContext, mbo: Mbo) -> list[EarningLine]:
    entered = _achievements(ctx)
    target = ctx.target_incentive(Accumulation.PERIOD)
    lines = []
    for objective in mbo.objectives:
        achievement = entered.get(objective.key)
        if achievement is None:
            lines.append(
                EarningLine(mbo.key, "mbo", 0, rate=objective.weight, note=f"{objective.key}: not entered")
            )
            continue
        used = min(Fraction(achievement), Fraction(mbo.max_achievement))
        amount = round_fraction(target * Fraction(objective.weight) * used, ctx.plan.rounding)
        note = f"{objective.key}: achievement {achievement}" + (
            f" capped at {mbo.max_achievement}" if used < Fraction(achievement) else ""
        )
        lines.append(
            EarningLine(mbo.key, "mbo", amount, rate=objective.weight, attainment=achievement, note=note)
        )
    return lines


def spiff_lines(ctx: PayeeContext, spiff: Spiff) -> list[EarningLine]:
    period = ctx.window(Accumulation.PERIOD)
    inside = Window(max(period.start, spiff.first_day), min(period.end, spiff.last_day + DAY))
    views = [
        v for v in ctx.credits(inside) if spiff.where is None or evaluate_condition(spiff.where.expr, v.env)
    ]
    cur, mode = ctx.plan.currency, ctx.plan.rounding
    lines = []
    if spiff.per_deal is not None or spiff.extra_rate is not None:
        for v in views:
            c = v.credit
            if spiff.per_deal is not None:
                amount, rate, basis = round_fraction(minor_of(spiff.per_deal, cur), mode), None, None
                note = f"per deal {spiff.per_deal}"
            else:
                assert spiff.extra_rate is not None
                rate, basis = spiff.extra_rate, v.amount
                amount = round_fraction(Fraction(v.amount) * Fraction(spiff.extra_rate), mode)
                note = f"extra {spiff.extra_rate}"
            lines.append(
                EarningLine(
                    spiff.key,
                    "spiff",
                    amount,
                    c.order_id,
                    v.day,
                    c.role.value,
                    c.level,
                    c.sequence,
                    c.share,
                    basis,
                    None,
                    rate,
                    None,
                    note,
                )
            )
        return lines
    assert spiff.lump_sum is not None
    assert spiff.count_target is not None
    start = max(spiff.first_day, ctx.active.start)
    before = _count(ctx, spiff, Window(start, max(start, period.start)))
    after = _count(ctx, spiff, Window(start, min(period.end, spiff.last_day + DAY)))
    if before < spiff.count_target <= after:
        note = f"{after} qualifying deals reached the target of {spiff.count_target}"
        lines.append(
            EarningLine(spiff.key, "spiff", round_fraction(minor_of(spiff.lump_sum, cur), mode), note=note)
        )
    return lines


def _count(ctx: PayeeContext, spiff: Spiff, window: Window) -> int:
    views = [
        v for v in ctx.credits(window) if spiff.where is None or evaluate_condition(spiff.where.expr, v.env)
    ]
    return len({v.credit.order_id for v in views})
