"""Settlement: from a person's earnings over a sequence of periods to what is paid in each, line by line.

Pure and sequential: draws (recoverable, with a carried balance; or guaranteed), clawbacks of cancelled
orders, instalments, holdbacks and manual adjustments. The order of steps in a period is fixed and documented
in docs/plans.md; every payout equals the sum of its lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction

from attain.domain.errors import InvalidInput
from attain.domain.money import Money, to_minor


class DrawKind(StrEnum):
    RECOVERABLE = "recoverable"  # an advance, recovered from later earnings
    GUARANTEED = "guaranteed"  # a non-recoverable minimum payout


class ClawbackMethod(StrEnum):
    FULL = "full"
    PRORATED = "prorated"  # keep the share of the window the order lived: days / within_days


@dataclass(frozen=True, slots=True)
class DrawRule:
    kind: DrawKind
    amount: Decimal


@dataclass(frozen=True, slots=True)
class HoldbackRule:
    rate: Decimal
    release_after: int  # periods


@dataclass(frozen=True, slots=True)
class InstalmentRule:
    components: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class ClawbackRule:
    within_days: int
    method: ClawbackMethod


@dataclass(frozen=True, slots=True)
class SettlementRules:
    draw: DrawRule | None = None
    holdback: HoldbackRule | None = None
    instalments: InstalmentRule | None = None
    clawback: ClawbackRule | None = None


@dataclass(frozen=True, slots=True)
class Earned:
    """An amount earned in a period on a component, for one order or (order_id None) not order-bound."""

    period_key: str
    component: str
    amount: int  # minor units of the plan currency
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Cancellation:
    order_id: str  # the cancellation fact
    original_order_id: str
    original_credit_date: date
    cancelled_on: date
    period_key: str  # the period of the cancellation, where the clawback is posted


@dataclass(frozen=True, slots=True)
class Adjustment:
    period_key: str
    amount: int
    reason: str
    approver: str


@dataclass(frozen=True, slots=True)
class PayoutLine:
    # earnings, instalment, clawback, adjustment, holdback, holdback_release, recovery, draw, deferred
    kind: str
    amount: int
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Payout:
    period_key: str
    amount: int
    currency: str
    balance: int  # carried into the next period; negative = owed by the person
    lines: tuple[PayoutLine, ...] = field(default_factory=tuple)


def clawback_amount(original: int, kept_days: int, rule: ClawbackRule) -> int:
    """The (negative) clawback for an original earning whose order was cancelled after `kept_days`.

    Prorated: the person keeps original x kept_days / within_days rounded half-even, so the clawback plus the
    original nets to exactly that kept amount.
    """
    if kept_days > rule.within_days:
        return 0
    if rule.method is ClawbackMethod.FULL:
        return -original
    kept = _round(Fraction(original * kept_days, rule.within_days))
    return kept - original


def _round(value: Fraction) -> int:
    return int((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1), ROUND_HALF_EVEN))


def settle(
    periods: Sequence[str],
    earned: Sequence[Earned],
    rules: SettlementRules,
    currency: str,
    *,
    cancellations: Sequence[Cancellation] = (),
    adjustments: Sequence[Adjustment] = (),
    opening_balance: int = 0,
) -> list[Payout]:
    """The payout of each period in `periods` (in order) for one person on one plan."""
    scheduled: dict[int, list[PayoutLine]] = defaultdict(list)
    for adjustment in adjustments:
        if not adjustment.reason.strip() or not adjustment.approver.strip():
            raise InvalidInput(
                f"adjustment of {adjustment.amount} in {adjustment.period_key} needs a reason and approver",
                hint="give both; adjustments are audited",
            )
    instalment_components = set(rules.instalments.components) if rules.instalments else set()
    by_order: dict[str, int] = defaultdict(int)
    # Grouped once, so that each period reads its own items instead of every item of every period.
    by_period: dict[str, list[Earned]] = defaultdict(list)
    for item in earned:
        by_period[item.period_key].append(item)
        if item.order_id is not None:
            by_order[item.order_id] += item.amount
    cancelled: dict[str, list[Cancellation]] = defaultdict(list)
    for c in cancellations:
        cancelled[c.period_key].append(c)
    adjusted: dict[str, list[Adjustment]] = defaultdict(list)
    for adjustment in adjustments:
        adjusted[adjustment.period_key].append(adjustment)
    balance = opening_balance
    payouts: list[Payout] = []
    for i, key in enumerate(periods):
        lines: list[PayoutLine] = []
        own = by_period.get(key, [])
        regular = sum(e.amount for e in own if e.component not in instalment_components)
        lines.append(PayoutLine("earnings", regular))
        lines.extend(_instalments(i, key, own, rules, scheduled))
        lines.extend(scheduled.pop(i, []))
        lines.extend(_clawbacks(key, cancelled.get(key, []), by_order, rules))
        lines.extend(
            PayoutLine("adjustment", a.amount, (("reason", a.reason), ("approver", a.approver)))
            for a in adjusted.get(key, [])
        )
        if rules.holdback is not None:
            base = max(0, sum(line.amount for line in lines if line.kind in ("earnings", "instalment")))
            held = _round(Fraction(base) * Fraction(rules.holdback.rate))
            if held:
                lines.append(PayoutLine("holdback", -held, (("rate", str(rules.holdback.rate)),)))
                release = PayoutLine("holdback_release", held, (("held_in", key),))
                scheduled[i + rules.holdback.release_after].append(release)
        net = sum(line.amount for line in lines)
        if balance:
            lines.append(PayoutLine("recovery", balance, (("brought_forward", str(balance)),)))
        available = net + balance
        amount, balance = _apply_draw(available, rules.draw, currency)
        if amount > available:
            kind = "deferred" if rules.draw is None else "draw"
            lines.append(PayoutLine(kind, amount - available, (("balance_after", str(balance)),)))
        payouts.append(Payout(key, amount, currency, balance, tuple(lines)))
    return payouts


def _apply_draw(available: int, draw: DrawRule | None, currency: str) -> tuple[int, int]:
    """(payout, balance carried) for what is available in a period."""
    if draw is None:
        return max(0, available), min(0, available)
    floor = to_minor(draw.amount, currency)
    if draw.kind is DrawKind.GUARANTEED:
        return max(available, floor), 0
    if available >= floor:
        return available, 0
    return floor, available - floor


def _instalments(
    i: int, key: str, earned: Sequence[Earned], rules: SettlementRules, scheduled: dict[int, list[PayoutLine]]
) -> list[PayoutLine]:
    if rules.instalments is None:
        return []
    count = rules.instalments.count
    for component in rules.instalments.components:
        total = sum(e.amount for e in earned if e.period_key == key and e.component == component)
        if total == 0:
            continue
        parts = Money(total).allocate([1] * count)
        for n, part in enumerate(parts):
            detail = (("component", component), ("earned_in", key), ("instalment", f"{n + 1}/{count}"))
            scheduled[i + n].append(PayoutLine("instalment", part.minor, detail))
    return []


def _clawbacks(
    key: str, cancellations: Sequence[Cancellation], by_order: dict[str, int], rules: SettlementRules
) -> list[PayoutLine]:
    if rules.clawback is None:
        return []
    lines = []
    for c in cancellations:
        if c.period_key != key:
            continue
        kept_days = (c.cancelled_on - c.original_credit_date).days
        original = by_order.get(c.original_order_id, 0)
        amount = clawback_amount(original, kept_days, rules.clawback)
        if amount:
            detail = (
                ("order", c.original_order_id),
                ("cancelled_by", c.order_id),
                ("original_earning", str(original)),
                ("days", str(kept_days)),
                ("method", str(rules.clawback.method)),
            )
            lines.append(PayoutLine("clawback", amount, detail))
    return lines
