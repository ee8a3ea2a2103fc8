"""The compiled plan: typed, checked and immutable; what every engine (reference or fast) evaluates.

Amounts written in the plan (caps, bonus pay, per-deal SPIFFs) are Decimal in plan-currency units; rates,
shares and attainments are Decimal fractions (5% is Decimal("0.05")). Expressions keep their source text so
explanations can quote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from attain.domain.calendar import PeriodKind
from attain.domain.plans.expressions import Expr
from attain.domain.settlement import SettlementRules


class TierMethod(StrEnum):
    MARGINAL = "marginal"  # each slice of the running total at its own tier's rate
    RETROACTIVE = "retroactive"  # the reached tier's rate on everything in the window


class TierBasis(StrEnum):
    AMOUNT = "amount"  # tier bounds are amounts of the running credited total
    ATTAINMENT = "attainment"  # tier bounds are fractions of the window's quota


class Accumulation(StrEnum):
    PERIOD = "period"  # the window is the plan period; totals restart each period
    YEAR = "year"  # the window is the fiscal year to date; each period pays the true-up


class PayDate(StrEnum):
    BOOKING = "booking"
    INVOICE = "invoice"
    PAYMENT = "payment"


class CreditRole(StrEnum):
    DIRECT = "direct"  # the owner, or a split of the order summing to 100%
    OVERLAY = "overlay"  # a specialist credited without reducing the direct credit
    TERRITORY = "territory"  # the person assigned to the order's territory
    ROLLUP = "rollup"  # a manager above a directly credited seller


class MeasureKind(StrEnum):
    SUM = "sum"  # sum of credited amounts (money)
    COUNT = "count"  # number of credited orders


class Proration(StrEnum):
    DAYS = "days"
    NONE = "none"


class RoundingMode(StrEnum):
    HALF_EVEN = "half_even"
    HALF_UP = "half_up"
    DOWN = "down"  # towards zero
    UP = "up"  # away from zero


class PayUnit(StrEnum):
    AMOUNT = "amount"  # plan-currency amount
    TARGET_INCENTIVE = "target_incentive"  # a fraction of the window's target incentive


class BonusPayout(StrEnum):
    FIXED = "fixed"
    STEPS = "steps"
    CURVE = "curve"
    FORMULA = "formula"


class CapWindow(StrEnum):
    PERIOD = "period"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    expr: Expr


@dataclass(frozen=True, slots=True)
class QuotaRule:
    metric: str
    source: PeriodKind  # the goal period a quota row is read for (e.g. an annual quota)
    weights: tuple[Decimal, ...]  # split of a longer quota across plan periods; empty = equal
    ramp: tuple[Decimal, ...]  # multipliers for the first plan periods after hire
    prorate: Proration


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    kind: MeasureKind
    where: Condition | None
    quota: QuotaRule | None
    accumulate: Accumulation


@dataclass(frozen=True, slots=True)
class Tier:
    index: int  # 1-based, in band order
    lower: Decimal  # band is [lower, upper)
    upper: Decimal | None  # None = open-ended
    rate: Decimal | None  # an absolute rate, or
    multiplier: Decimal | None  # a multiple of the base rate (accelerator > 1, decelerator < 1)
    accelerator: bool  # withheld (paid at the last ordinary tier's rate) while the accelerator gate is shut


@dataclass(frozen=True, slots=True)
class RateTable:
    method: TierMethod
    basis: TierBasis
    tiers: tuple[Tier, ...]


@dataclass(frozen=True, slots=True)
class RateLookup:
    """A base rate chosen by an order field (product, product_family, kind, segment, rollup_level ...)."""

    field: str
    rates: tuple[tuple[str, Decimal], ...]
    default: Decimal | None


@dataclass(frozen=True, slots=True)
class Cap:
    amount: Decimal | None
    target_incentive_multiple: Decimal | None
    window: CapWindow


@dataclass(frozen=True, slots=True)
class Gate:
    """Nothing is paid unless the measure's attainment (window or year to date) is at least `minimum`."""

    measure: str
    minimum: Decimal
    window: Accumulation  # PERIOD: the measure's own window; YEAR: the fiscal year to date


@dataclass(frozen=True, slots=True)
class Commission:
    key: str
    measure: str
    where: Condition | None
    base_rate: Decimal | None
    lookup: RateLookup | None
    table: RateTable | None
    order_min: Decimal | None
    order_max: Decimal | None
    gates: tuple[Gate, ...]
    accelerator_gate: Gate | None
    cap: Cap | None


@dataclass(frozen=True, slots=True)
class PayLevel:
    at: Decimal  # attainment
    pay: Decimal
    unit: PayUnit


@dataclass(frozen=True, slots=True)
class WeightedMeasure:
    measure: str
    weight: Decimal
    floor: Decimal | None  # attainment below this counts as zero
    cap: Decimal | None  # attainment above this counts as the cap


@dataclass(frozen=True, slots=True)
class Bonus:
    key: str
    measures: tuple[WeightedMeasure, ...]
    payout: BonusPayout
    levels: tuple[PayLevel, ...]  # one level for FIXED; sorted by `at` for STEPS and CURVE
    formula: Condition | None
    gates: tuple[Gate, ...]
    floor: Decimal | None
    cap: Cap | None
    accumulate: Accumulation


@dataclass(frozen=True, slots=True)
class Objective:
    key: str
    weight: Decimal  # fraction of the window's target incentive


@dataclass(frozen=True, slots=True)
class Mbo:
    key: str
    objectives: tuple[Objective, ...]
    max_achievement: Decimal


@dataclass(frozen=True, slots=True)
class Spiff:
    key: str
    first_day: date
    last_day: date  # inclusive
    where: Condition | None
    per_deal: Decimal | None
    extra_rate: Decimal | None
    lump_sum: Decimal | None
    count_target: int | None
    cap: Cap | None = None


Component = Commission | Bonus | Mbo | Spiff


@dataclass(frozen=True, slots=True)
class Crediting:
    roles: frozenset[CreditRole]
    rollup_levels: int
    pay_on: PayDate


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    key: str
    name: str
    currency: str
    period: PeriodKind
    rounding: RoundingMode
    crediting: Crediting
    measures: dict[str, Measure]
    components: tuple[Component, ...]
    cap: Cap | None
    settlement: SettlementRules = field(default_factory=SettlementRules)

    @property
    def component_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.components)
