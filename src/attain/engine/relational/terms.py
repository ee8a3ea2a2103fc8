"""Per-payee terms of the fast engine: active span, periods evaluated, proration, quotas, target incentives.

Small Python over indexed inputs (a payee has at most twelve periods); the relational program reads the
windows, tier edges and gate decisions computed here. Conventions are the reference evaluator's
(docs/plans.md): windows are half-open, leave days are not active, prorated quotas round half-even.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache

from attain.domain.calendar import FiscalCalendar, Period, PeriodKind
from attain.domain.errors import InvalidInput
from attain.domain.money import minor_exponent
from attain.domain.plans.model import (
    Accumulation,
    Cap,
    CapWindow,
    CompiledPlan,
    Measure,
    MeasureKind,
    Proration,
    RoundingMode,
)
from attain.domain.plans.rounding import minor_of, round_fraction, round_ratio
from attain.engine.inputs import CalculationInput, PersonRow, PlanAssignmentRow

PER_YEAR = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}


@lru_cache(maxsize=4096)
def exact(value: Decimal) -> Fraction:
    """A plan's decimal as a Fraction, converted once: thousands of payees reuse the same few numbers."""
    return Fraction(value)


_ONE = Fraction(1)
DAY = timedelta(days=1)


class Index:
    """The small inputs of a calculation, indexed for per-payee look-ups."""

    def __init__(self, inp: CalculationInput) -> None:
        self.calendar: FiscalCalendar = inp.calendar
        self.people = {p.person_id: p for p in inp.people}
        self.leaves: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for leave in inp.leaves:
            self.leaves[leave.person_id].append((leave.first_day, leave.last_day))
        self.quotas: dict[tuple[str, str, str], Decimal] = {}
        for q in inp.quotas:
            self.quotas.setdefault((q.person_id, q.metric, q.period_key), q.target)
        self.mbo: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
        for a in inp.mbo:
            self.mbo[(a.person_id, a.period_key)][a.objective] = a.achievement

        self._periods: dict[tuple[PeriodKind, int], list[Period]] = {}
        self._period_of: dict[tuple[PeriodKind, date], Period] = {}
        self._year_to: dict[tuple[PeriodKind, Period], list[Period]] = {}
        self._positions: dict[tuple[PeriodKind, Period], dict[date, int]] = {}
        self._slots: dict[tuple[PeriodKind, Period, Period], tuple[int, int]] = {}

    def person(self, person_id: str) -> PersonRow:
        return self.people.get(person_id) or PersonRow(person_id)

    def periods(self, kind: PeriodKind, fiscal_year: int) -> list[Period]:
        key = (kind, fiscal_year)
        if key not in self._periods:
            self._periods[key] = self.calendar.periods(kind, fiscal_year)
        return self._periods[key]

    def year_to(self, kind: PeriodKind, target: Period) -> list[Period]:
        """The periods of `kind` of `target`'s fiscal year that start on or before it (shared: read only)."""
        key = (kind, target)
        found = self._year_to.get(key)
        if found is None:
            fy = self.calendar.fiscal_year_of(target.start)
            found = self._year_to[key] = [p for p in self.periods(kind, fy) if p.start <= target.start]
        return found

    def positions(self, kind: PeriodKind, target: Period) -> dict[date, int]:
        """Each period of `year_to(kind, target)` by its start: its position in that list."""
        key = (kind, target)
        found = self._positions.get(key)
        if found is None:
            found = self._positions[key] = {p.start: i for i, p in enumerate(self.year_to(kind, target))}
        return found

    def slots(self, kind: PeriodKind, source: Period, period: Period) -> tuple[int, int]:
        """How many periods of `kind` the quota period `source` holds, and `period`'s position among them
        (0 when it is not one of them)."""
        key = (kind, source, period)
        found = self._slots.get(key)
        if found is None:
            year = self.periods(kind, source.fiscal_year)
            inside = [p for p in year if source.start <= p.start < source.end]
            found = self._slots[key] = (len(inside), inside.index(period) if period in inside else 0)
        return found

    def period_of(self, kind: PeriodKind, day: date) -> Period:
        key = (kind, day)
        if key not in self._period_of:
            self._period_of[key] = self.calendar.period_of(kind, day)
        return self._period_of[key]


@dataclass(frozen=True, slots=True)
class Window:
    start: date
    end: date  # exclusive


class PayeeTerms:
    """One plan assignment of one person, over the fiscal year up to the target period."""

    def __init__(
        self, index: Index, number: int, plan: CompiledPlan, assignment: PlanAssignmentRow, target: Period
    ) -> None:
        self.index, self.number, self.plan, self.assignment, self.target = (
            index,
            number,
            plan,
            assignment,
            target,
        )
        person = index.person(assignment.person_id)
        self.person = person
        start = assignment.valid_from
        if person.hired_on is not None and person.hired_on > start:
            start = person.hired_on
        end = date.max
        for last in (assignment.valid_to, person.left_on):
            if last is not None and last + DAY < end:
                end = last + DAY
        self.active = Window(start, end)
        self.year = index.year_to(plan.period, target)
        self._pno = index.positions(plan.period, target)
        # Keyed by period start: dates hash much faster than Period records, and payees are many.
        self._days = {p.start: self._active_days(p) for p in self.year}
        self.evaluated = [p for p in self.year if p.start == target.start or self._days[p.start] > 0]
        self._quota_cache: dict[tuple[str, date], Fraction] = {}
        # Thousands of payees ask the same few questions several times (evaluations, settling, headers).
        self._quota_sums: dict[tuple[str, date, Accumulation], Fraction] = {}
        self._periods_in: dict[tuple[date, Accumulation], list[Period]] = {}
        self._incentive_cache: dict[tuple[date, Accumulation], Fraction] = {}
        self._caps: dict[tuple[date, Cap], int] = {}

    # -- windows and proration ------------------------------------------------------------------

    def pno(self, period: Period) -> int:
        """The position of `period` (one of this plan's periods) in the fiscal year up to the target."""
        return self._pno[period.start]

    def period_starting(self, start: date) -> Period:
        """The period of the fiscal year up to the target that starts on `start`."""
        return self.year[self._pno[start]]

    def is_target(self, period: Period) -> bool:
        return period.start == self.target.start

    def window(self, period: Period, accumulate: Accumulation) -> Window:
        start = period.start if accumulate is Accumulation.PERIOD else self.year[0].start
        return Window(max(start, self.active.start), min(period.end, self.active.end))

    def _active_days(self, period: Period) -> int:
        active = self.active
        start = period.start if period.start > active.start else active.start
        end = period.end if period.end < active.end else active.end
        if start >= end:
            return 0
        days = (end - start).days
        leaves = self.index.leaves
        if not leaves:
            return days
        for first_day, last_day in leaves.get(self.assignment.person_id, ()):
            first, last = max(first_day, start), min(last_day + DAY, end)
            days -= max(0, (last - first).days)
        return max(days, 0)

    def proration(self, period: Period) -> Fraction:
        days = self._days[period.start]
        return _ONE if days == period.days else Fraction(days, period.days)

    def periods_in(self, period: Period, accumulate: Accumulation) -> list[Period]:
        key = (period.start, accumulate)
        found = self._periods_in.get(key)
        if found is None:
            chosen = (
                [period]
                if accumulate is Accumulation.PERIOD
                else [p for p in self.year if p.start <= period.start]
            )
            found = self._periods_in[key] = [p for p in chosen if self._days[p.start] > 0]
        return found

    # -- quotas, attainment, target incentive ---------------------------------------------------

    def quota(self, measure: Measure, period: Period, accumulate: Accumulation) -> Fraction | None:
        if measure.quota is None:
            return None
        key = (measure.key, period.start, accumulate)
        found = self._quota_sums.get(key)
        if found is None:
            found = sum(
                (self._period_quota(measure, p) for p in self.periods_in(period, accumulate)), Fraction(0)
            )
            self._quota_sums[key] = found
        return found

    def _period_quota(self, measure: Measure, period: Period) -> Fraction:
        key = (measure.key, period.start)
        cached = self._quota_cache.get(key)
        if cached is not None:
            return cached
        rule = measure.quota
        assert rule is not None
        index = self.index
        source = period if rule.source is self.plan.period else index.period_of(rule.source, period.start)
        person_id = self.assignment.person_id
        target = self.index.quotas.get((person_id, rule.metric, source.key))
        if target is None:
            raise InvalidInput(
                f"no '{rule.metric}' quota for {person_id} in {source.key}",
                hint=f"import a '{rule.metric}' quota goal for {person_id} in {source.key}",
            )
        count, position = index.slots(self.plan.period, source, period)
        hired = self.person.hired_on
        full = rule.prorate is Proration.NONE or self._days[period.start] == period.days
        if full and not (rule.ramp and hired is not None) and (rule.weights or count == 1):
            # The usual case stays in Decimal, which is exact here and much cheaper than Fraction.
            weight = rule.weights[position] if rule.weights else Decimal(1)
            places = minor_exponent(self.plan.currency) if measure.kind is MeasureKind.SUM else 2
            whole = (target * weight).scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
            out = Fraction(int(whole), 1 if measure.kind is MeasureKind.SUM else 100)
            self._quota_cache[key] = out
            return out
        share = Fraction(rule.weights[position]) if rule.weights else Fraction(1, count or 1)
        value = Fraction(target) * share
        if rule.ramp and hired is not None:
            first = index.period_of(self.plan.period, hired)
            months = (period.start.year - first.start.year) * 12 + period.start.month - first.start.month
            step = months // (12 // PER_YEAR[self.plan.period])
            if 0 <= step < len(rule.ramp):
                value *= Fraction(rule.ramp[step])
        if rule.prorate is Proration.DAYS:
            value *= self.proration(period)
        if measure.kind is MeasureKind.SUM:
            scaled = round_fraction(value * 10 ** minor_exponent(self.plan.currency), RoundingMode.HALF_EVEN)
            out = Fraction(scaled)
        else:
            out = Fraction(round_fraction(value * 100, RoundingMode.HALF_EVEN), 100)
        self._quota_cache[key] = out
        return out

    def target_incentive(self, period: Period, accumulate: Accumulation) -> Fraction:
        key = (period.start, accumulate)
        if key not in self._incentive_cache:
            self._incentive_cache[key] = self._target_incentive(period, accumulate)
        return self._incentive_cache[key]

    def _target_incentive(self, period: Period, accumulate: Accumulation) -> Fraction:
        annual = self.assignment.target_incentive
        per = PER_YEAR[self.plan.period]
        total = 0
        for p in self.periods_in(period, accumulate):
            if self._days[p.start] == p.days:
                whole, rest = divmod(annual, per)  # annual / per, rounded half-even, in integers
                total += whole + (1 if 2 * rest > per or (2 * rest == per and whole % 2) else 0)
            else:
                total += round_fraction(Fraction(annual, per) * self.proration(p), RoundingMode.HALF_EVEN)
        return Fraction(total)

    def cap_amount(self, period: Period, cap: Cap) -> int:
        key = (period.start, cap)
        found = self._caps.get(key)
        if found is None:
            found = self._caps[key] = self._cap_amount(period, cap)
        return found

    def _cap_amount(self, period: Period, cap: Cap) -> int:
        if cap.amount is not None:
            return round_fraction(minor_of(cap.amount, self.plan.currency), RoundingMode.HALF_EVEN)
        assert cap.target_incentive_multiple is not None
        base = (
            self.target_incentive(period, Accumulation.PERIOD)
            if cap.window is CapWindow.PERIOD
            else Fraction(self.assignment.target_incentive)
        )
        times = exact(cap.target_incentive_multiple)
        return round_ratio(
            base.numerator * times.numerator, base.denominator * times.denominator, RoundingMode.HALF_EVEN
        )


class MeasureValues:
    """Measure values of one payee per fiscal-year period, as the relational program aggregated them."""

    def __init__(self, terms: PayeeTerms, per_period: dict[tuple[str, Period], int]) -> None:
        self.terms = terms
        self.per_period = per_period

    def value(self, measure: Measure, period: Period, accumulate: Accumulation) -> int:
        # Views lie inside the active span, and one order's credits share a day: sums and distinct-order
        # counts both add up over periods.
        chosen = (
            [period]
            if accumulate is Accumulation.PERIOD
            else [p for p in self.terms.year if p.start <= period.start]
        )
        return sum(self.per_period.get((measure.key, p), 0) for p in chosen)

    def attainment(self, measure: Measure, period: Period, accumulate: Accumulation) -> Fraction | None:
        quota = self.terms.quota(measure, period, accumulate)
        if quota is None:
            return None
        if quota <= 0:
            raise InvalidInput(
                f"the '{measure.key}' quota of {self.terms.assignment.person_id} in {period.key} is {quota}",
                hint="attainment needs a quota above zero",
            )
        return Fraction(self.value(measure, period, accumulate)) / quota
