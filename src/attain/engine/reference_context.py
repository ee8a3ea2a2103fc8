"""The reference evaluator's view of one payee (person x plan assignment) in one period.

Windows, credits in plan currency, proration by days, quotas (weights, ramp, proration) and target
incentives. Conventions (docs/plans.md): windows are half-open [start, end); the active span is the plan
assignment clipped to hire and leave dates; leave days are not active; prorated quotas round half-even to a
minor unit (sums) or 0.01 (counts); period target incentive = annual / periods per year x proration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from attain.domain.calendar import Period, PeriodKind
from attain.domain.errors import InvalidInput
from attain.domain.money import minor_exponent
from attain.domain.plans.evaluation import Value, evaluate_condition
from attain.domain.plans.model import (
    Accumulation,
    CompiledPlan,
    CreditRole,
    Measure,
    MeasureKind,
    Proration,
    RoundingMode,
)
from attain.domain.plans.rounding import major_of, round_fraction
from attain.engine.inputs import CalculationInput, OrderRow, PlanAssignmentRow
from attain.engine.reference_crediting import convert, credit_date
from attain.engine.results import Credit

PER_YEAR = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Window:
    start: date
    end: date  # exclusive

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True, slots=True)
class CreditView:
    """A credit as one plan sees it: its date, its amount in plan currency, and its expression fields."""

    credit: Credit
    order: OrderRow
    day: date
    amount: int
    env: dict[str, Value]

    @property
    def sort_key(self) -> tuple[date, str, str, int, int]:
        c = self.credit
        return (self.day, c.order_id, c.role.value, c.level, c.sequence)


class PayeeContext:
    def __init__(
        self,
        inp: CalculationInput,
        plan: CompiledPlan,
        assignment: PlanAssignmentRow,
        period: Period,
        credits: list[Credit],
        orders: dict[str, OrderRow],
    ) -> None:
        self.inp, self.plan, self.assignment, self.period = inp, plan, assignment, period
        person = inp.person(assignment.person_id)
        start = max(d for d in (assignment.valid_from, person.hired_on) if d is not None)
        ends = [d + DAY for d in (assignment.valid_to, person.left_on) if d is not None]
        self.active = Window(start, min(ends) if ends else date.max)
        fy = inp.calendar.fiscal_year_of(period.start)
        self.year_periods = [p for p in inp.calendar.periods(plan.period, fy) if p.start <= period.start]
        self.views = self._views(credits, orders)

    # -- windows and credits ---------------------------------------------------------------------

    def window(self, accumulate: Accumulation) -> Window:
        start = self.period.start if accumulate is Accumulation.PERIOD else self.year_periods[0].start
        return Window(max(start, self.active.start), min(self.period.end, self.active.end))

    def _views(self, credits: list[Credit], orders: dict[str, OrderRow]) -> list[CreditView]:
        roles, levels = self.plan.crediting.roles, self.plan.crediting.rollup_levels
        year = Window(self.year_periods[0].start, self.period.end)
        out = []
        for c in credits:
            if c.person_id != self.assignment.person_id or c.role not in roles:
                continue
            if c.role is CreditRole.ROLLUP and c.level > levels:
                continue
            order = orders[c.order_id]
            day = credit_date(order, self.plan.crediting.pay_on)
            if day is None or not year.contains(day) or not self.active.contains(day):
                continue
            amount, _ = convert(c.amount, c.currency, self.plan.currency, day, self.inp.rates)
            whole, _ = convert(order.amount, order.currency, self.plan.currency, day, self.inp.rates)
            out.append(CreditView(c, order, day, amount, self._env(c, order, day, amount, whole)))
        return sorted(out, key=lambda v: v.sort_key)

    def _env(self, c: Credit, o: OrderRow, day: date, amount: int, whole: int) -> dict[str, Value]:
        cur = self.plan.currency
        return {
            "amount": major_of(amount, cur),
            "order_amount": major_of(whole, cur),
            "order_id": o.order_id,
            "product": o.product,
            "product_family": o.product_family,
            "kind": o.kind,
            "segment": o.segment,
            "account": o.account,
            "territory": o.territory,
            "currency": o.currency,
            "booked_on": o.booked_on,
            "invoiced_on": o.invoiced_on,
            "paid_on": o.paid_on,
            "credit_date": day,
            "credit_role": c.role.value,
            "rollup_level": Fraction(c.level),
            "share": Fraction(c.share),
        }

    def credits(self, window: Window, measure: Measure | None = None) -> list[CreditView]:
        where = None if measure is None else measure.where
        return [
            v
            for v in self.views
            if window.contains(v.day) and (where is None or evaluate_condition(where.expr, v.env))
        ]

    def value(self, measure: Measure, window: Window) -> int:
        views = self.credits(window, measure)
        if measure.kind is MeasureKind.COUNT:
            return len({v.credit.order_id for v in views})
        return sum(v.amount for v in views)

    # -- proration, quotas, target incentive ----------------------------------------------------

    def active_days(self, period: Period) -> int:
        start, end = max(period.start, self.active.start), min(period.end, self.active.end)
        if start >= end:
            return 0
        days = (end - start).days
        for leave in self.inp.leaves:
            if leave.person_id == self.assignment.person_id:
                first, last = max(leave.first_day, start), min(leave.last_day + DAY, end)
                days -= max(0, (last - first).days)
        return max(days, 0)

    def proration(self, period: Period) -> Fraction:
        return Fraction(self.active_days(period), period.days)

    def periods_in(self, accumulate: Accumulation) -> list[Period]:
        chosen = [self.period] if accumulate is Accumulation.PERIOD else self.year_periods
        return [p for p in chosen if self.active_days(p) > 0]

    def quota(self, measure: Measure, accumulate: Accumulation) -> Fraction | None:
        if measure.quota is None:
            return None
        return sum((self._period_quota(measure, p) for p in self.periods_in(accumulate)), Fraction(0))

    def _period_quota(self, measure: Measure, period: Period) -> Fraction:
        rule = measure.quota
        assert rule is not None
        cal = self.inp.calendar
        source = period if rule.source is self.plan.period else cal.period_of(rule.source, period.start)
        target = self._target(rule.metric, source.key)
        slots = [
            p
            for p in cal.periods(self.plan.period, source.fiscal_year)
            if source.start <= p.start < source.end
        ]
        index = slots.index(period) if period in slots else 0
        share = Fraction(rule.weights[index]) if rule.weights else Fraction(1, len(slots) or 1)
        value = Fraction(target) * share
        hired = self.inp.person(self.assignment.person_id).hired_on
        if rule.ramp and hired is not None:
            first = cal.period_of(self.plan.period, hired)
            step = self._steps_between(first, period)
            if 0 <= step < len(rule.ramp):
                value *= Fraction(rule.ramp[step])
        if rule.prorate is Proration.DAYS:
            value *= self.proration(period)
        if measure.kind is MeasureKind.SUM:
            return Fraction(
                round_fraction(value * 10 ** minor_exponent(self.plan.currency), RoundingMode.HALF_EVEN)
            )
        return Fraction(round_fraction(value * 100, RoundingMode.HALF_EVEN), 100)

    def _steps_between(self, first: Period, later: Period) -> int:
        months = (later.start.year - first.start.year) * 12 + later.start.month - first.start.month
        return months // (12 // PER_YEAR[self.plan.period])

    def _target(self, metric: str, period_key: str) -> Decimal:
        for q in self.inp.quotas:
            if q.person_id == self.assignment.person_id and q.metric == metric and q.period_key == period_key:
                return q.target
        raise InvalidInput(
            f"no '{metric}' quota for {self.assignment.person_id} in {period_key}",
            hint=f"import a '{metric}' quota goal for {self.assignment.person_id} in {period_key}",
        )

    def attainment(self, measure: Measure, accumulate: Accumulation) -> Fraction | None:
        quota = self.quota(measure, accumulate)
        if quota is None:
            return None
        if quota <= 0:
            raise InvalidInput(
                f"the '{measure.key}' quota of {self.assignment.person_id} in {self.period.key} is {quota}",
                hint="attainment needs a quota above zero",
            )
        window = self.window(accumulate)
        return Fraction(self.value(measure, window)) / quota

    def target_incentive(self, accumulate: Accumulation) -> Fraction:
        """The window's target incentive in minor units: annual / periods per year x proration, per period."""
        annual = Fraction(self.assignment.target_incentive)
        per = PER_YEAR[self.plan.period]
        return sum(
            (
                Fraction(round_fraction(annual / per * self.proration(p), RoundingMode.HALF_EVEN))
                for p in self.periods_in(accumulate)
            ),
            Fraction(0),
        )
