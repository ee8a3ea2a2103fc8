"""Bonus, MBO and lump-sum SPIFF lines of the fast engine: per payee, in Python, on aggregated measures.

They are a handful of lines per person and period, so they are computed from the measure values the
relational program summed, with the same exact rationals and rounding as the reference evaluator.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from attain.domain.calendar import Period
from attain.domain.plans.evaluation import Value, evaluate
from attain.domain.plans.model import (
    Accumulation,
    Bonus,
    BonusPayout,
    Mbo,
    MeasureKind,
    PayLevel,
    PayUnit,
    Spiff,
)
from attain.domain.plans.rounding import as_decimal, major_of, minor_of, round_fraction
from attain.engine.relational.terms import MeasureValues
from attain.engine.results import EarningLine


def weighted_attainment(values: MeasureValues, bonus: Bonus, period: Period) -> Fraction:
    total = Fraction(0)
    for w in bonus.measures:
        attained = values.attainment(values.terms.plan.measures[w.measure], period, bonus.accumulate)
        assert attained is not None
        if w.floor is not None and attained < Fraction(w.floor):
            attained = Fraction(0)
        if w.cap is not None:
            attained = min(attained, Fraction(w.cap))
        total += Fraction(w.weight) * attained
    return total


def _pay(values: MeasureValues, level: PayLevel, period: Period, accumulate: Accumulation) -> Fraction:
    if level.unit is PayUnit.TARGET_INCENTIVE:
        return values.terms.target_incentive(period, accumulate) * Fraction(level.pay)
    return minor_of(level.pay, values.terms.plan.currency)


def bonus_lines(values: MeasureValues, bonus: Bonus, period: Period) -> list[EarningLine]:
    plan = values.terms.plan
    attained = weighted_attainment(values, bonus, period)
    acc = bonus.accumulate
    if bonus.payout is BonusPayout.FIXED:
        amount, note = _pay(values, bonus.levels[0], period, acc), "fixed"
    elif bonus.payout is BonusPayout.STEPS:
        reached = [lv for lv in bonus.levels if attained >= Fraction(lv.at)]
        amount = _pay(values, reached[-1], period, acc) if reached else Fraction(0)
        note = f"step at {reached[-1].at}" if reached else f"below the first step ({bonus.levels[0].at})"
    elif bonus.payout is BonusPayout.CURVE:
        amount, note = _curve(values, bonus, attained, period)
    else:
        assert bonus.formula is not None
        result = evaluate(bonus.formula.expr, _formula_env(values, period))
        assert isinstance(result, Fraction)
        amount, note = minor_of(result, plan.currency), f"formula {bonus.formula.text}"
    if bonus.floor is not None and amount < minor_of(bonus.floor, plan.currency):
        amount = minor_of(bonus.floor, plan.currency)
        note += f"; floor {bonus.floor}"
    return [
        EarningLine(
            component=bonus.key,
            kind="bonus",
            amount=round_fraction(amount, plan.rounding),
            attainment=as_decimal(attained),
            note=note,
        )
    ]


def _curve(values: MeasureValues, bonus: Bonus, attained: Fraction, period: Period) -> tuple[Fraction, str]:
    levels, acc = bonus.levels, bonus.accumulate
    if attained < Fraction(levels[0].at):
        return Fraction(0), f"below the curve ({levels[0].at})"
    if attained >= Fraction(levels[-1].at):
        return _pay(values, levels[-1], period, acc), f"top of the curve ({levels[-1].at})"
    for low, high in itertools.pairwise(levels):
        if Fraction(low.at) <= attained < Fraction(high.at):
            a, b = _pay(values, low, period, acc), _pay(values, high, period, acc)
            position = (attained - Fraction(low.at)) / (Fraction(high.at) - Fraction(low.at))
            return a + (b - a) * position, f"between {low.at} and {high.at}"
    raise AssertionError("attainment outside the curve")  # pragma: no cover - bounds checked above


def _formula_env(values: MeasureValues, period: Period) -> dict[str, Value]:
    terms = values.terms
    cur = terms.plan.currency
    env: dict[str, Value] = {
        "target_incentive": major_of(terms.assignment.target_incentive, cur),
        "period_target_incentive": major_of(terms.target_incentive(period, Accumulation.PERIOD), cur),
        "proration": terms.proration(period),
    }
    for key, measure in terms.plan.measures.items():
        for prefix, acc in (("", measure.accumulate), ("ytd_", Accumulation.YEAR)):
            value = values.value(measure, period, acc)
            quota = terms.quota(measure, period, acc)
            money = measure.kind is MeasureKind.SUM
            env[f"{key}.{prefix}value"] = major_of(value, cur) if money else Fraction(value)
            env[f"{key}.{prefix}quota"] = (
                None if quota is None else (major_of(quota, cur) if money else quota)
            )
            env[f"{key}.{prefix}attainment"] = None if not quota else Fraction(value) / quota
    for objective, achievement in terms.index.mbo.get((terms.assignment.person_id, period.key), {}).items():
        env[f"mbo.{objective}"] = Fraction(achievement)
    return env


def mbo_lines(values: MeasureValues, mbo: Mbo, period: Period) -> list[EarningLine]:
    terms = values.terms
    entered = terms.index.mbo.get((terms.assignment.person_id, period.key), {})
    target = terms.target_incentive(period, Accumulation.PERIOD)
    lines = []
    for objective in mbo.objectives:
        achievement = entered.get(objective.key)
        if achievement is None:
            lines.append(
                EarningLine(mbo.key, "mbo", 0, rate=objective.weight, note=f"{objective.key}: not entered")
            )
            continue
        used = min(Fraction(achievement), Fraction(mbo.max_achievement))
        amount = round_fraction(target * Fraction(objective.weight) * used, terms.plan.rounding)
        note = f"{objective.key}: achievement {achievement}" + (
            f" capped at {mbo.max_achievement}" if used < Fraction(achievement) else ""
        )
        lines.append(
            EarningLine(mbo.key, "mbo", amount, rate=objective.weight, attainment=achievement, note=note)
        )
    return lines


def lump_sum_lines(
    values: MeasureValues, spiff: Spiff, period: Period, counts: dict[tuple[int, bool], int]
) -> list[EarningLine]:
    """`counts`: distinct qualifying orders from the SPIFF's first day, by (period index, dated after its
    last day)."""
    terms = values.terms
    assert spiff.lump_sum is not None
    assert spiff.count_target is not None
    number = terms.year.index(period)
    before = sum(n for (p, _), n in counts.items() if p < number)
    after = sum(n for (p, late), n in counts.items() if p <= number and not late)
    if before < spiff.count_target <= after:
        note = f"{after} qualifying deals reached the target of {spiff.count_target}"
        amount = round_fraction(minor_of(spiff.lump_sum, terms.plan.currency), terms.plan.rounding)
        return [EarningLine(spiff.key, "spiff", amount, note=note)]
    return []
