"""Reference crediting: orders -> credits (direct owner or splits, overlays, territory, manager roll-ups).

Direct shares of an order must sum to exactly 100%; their amounts are allocated by largest remainder so the
credits of an order add up to the order to the cent. Roll-ups follow the manager hierarchy in force on the
booking date, up to the most levels any plan asks for. Cancellations and returns are never credited: their
effect on pay is a clawback in settlement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from attain.domain.errors import InvalidInput
from attain.domain.money import Money, minor_exponent
from attain.domain.plans.model import CreditRole, PayDate, RoundingMode
from attain.domain.plans.rounding import round_fraction
from attain.engine.inputs import CalculationInput, CreditSplit, ExchangeRate, ManagerLink, OrderRow
from attain.engine.results import Credit

UNCREDITED_KINDS = frozenset({"cancellation", "return"})


def _valid(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day <= end)


def manager_on(links: Sequence[ManagerLink], person_id: str, day: date) -> str | None:
    """The manager of `person_id` on `day` (the latest-starting link in force wins)."""
    found = [m for m in links if m.person_id == person_id and _valid(day, m.valid_from, m.valid_to)]
    return max(found, key=lambda m: (m.valid_from, m.manager_id)).manager_id if found else None


def assign_credits(inp: CalculationInput) -> list[Credit]:
    """Every credit of every order, in total-key order (order id, role, level, split sequence)."""
    levels = max((p.crediting.rollup_levels for p in inp.plans.values()), default=0)
    splits: dict[str, list[CreditSplit]] = defaultdict(list)
    for s in inp.splits:
        splits[s.order_id].append(s)
    credits: list[Credit] = []
    for order in inp.orders:
        if order.kind in UNCREDITED_KINDS:
            continue
        direct = _direct(
            order, sorted(splits.get(order.order_id, []), key=lambda s: (s.sequence, s.person_id))
        )
        credits.extend(direct)
        for s in splits.get(order.order_id, []):
            if s.role is CreditRole.OVERLAY:
                amount = round_fraction(Fraction(order.amount) * Fraction(s.share), RoundingMode.HALF_EVEN)
                credits.append(
                    Credit(
                        order.order_id,
                        s.person_id,
                        CreditRole.OVERLAY,
                        0,
                        s.share,
                        s.sequence,
                        amount,
                        order.currency,
                    )
                )
        if order.territory is not None:
            for t in inp.territories:
                if t.territory == order.territory and _valid(order.booked_on, t.valid_from, t.valid_to):
                    credits.append(
                        Credit(
                            order.order_id,
                            t.person_id,
                            CreditRole.TERRITORY,
                            0,
                            Decimal(1),
                            1,
                            order.amount,
                            order.currency,
                        )
                    )
        credits.extend(_rollups(direct, order.booked_on, inp.managers, levels))
    return sorted(credits, key=lambda c: (c.key, c.person_id))


def _direct(order: OrderRow, splits: Sequence[CreditSplit]) -> list[Credit]:
    shares = [s for s in splits if s.role is CreditRole.DIRECT]
    if not shares:
        if order.owner is None:
            return []
        return [
            Credit(
                order.order_id, order.owner, CreditRole.DIRECT, 0, Decimal(1), 1, order.amount, order.currency
            )
        ]
    total = sum((s.share for s in shares), Decimal(0))
    if total != 1:
        raise InvalidInput(
            f"the direct splits of order {order.order_id} sum to {total * 100}%, not 100%",
            hint="fix the split shares, or declare the extra ones as overlays",
        )
    parts = Money(order.amount, order.currency).allocate([s.share for s in shares])
    return [
        Credit(
            order.order_id, s.person_id, CreditRole.DIRECT, 0, s.share, s.sequence, part.minor, order.currency
        )
        for s, part in zip(shares, parts, strict=True)
    ]


def _rollups(direct: Iterable[Credit], day: date, links: Sequence[ManagerLink], levels: int) -> list[Credit]:
    out = []
    for credit in direct:
        person = credit.person_id
        seen = {person}
        for level in range(1, levels + 1):
            manager = manager_on(links, person, day)
            if manager is None or manager in seen:
                break  # the top of the hierarchy, or a cycle in the data
            seen.add(manager)
            out.append(
                Credit(
                    credit.order_id,
                    manager,
                    CreditRole.ROLLUP,
                    level,
                    credit.share,
                    credit.sequence,
                    credit.amount,
                    credit.currency,
                )
            )
            person = manager
    return out


def credit_date(order: OrderRow, pay_on: PayDate) -> date | None:
    """The date that places a credit in a period; None while the order is not yet invoiced or paid."""
    if pay_on is PayDate.INVOICE:
        return order.invoiced_on
    if pay_on is PayDate.PAYMENT:
        return order.paid_on
    return order.booked_on


def convert(
    amount: int, currency: str, to: str, day: date, rates: Sequence[ExchangeRate]
) -> tuple[int, Decimal]:
    """`amount` minor units of `currency` in minor units of `to`, at the latest rate dated on or before `day`.

    Rounded half-even once; returns the amount and the rate used (1 for the same currency).
    """
    if currency == to:
        return amount, Decimal(1)
    usable = [r for r in rates if r.from_currency == currency and r.to_currency == to and r.valid_on <= day]
    if not usable:
        raise InvalidInput(
            f"no {currency}->{to} exchange rate on or before {day}",
            hint=f"import an exchange_rate row from {currency} to {to} dated on or before {day}",
        )
    rate = max(usable, key=lambda r: r.valid_on).rate
    scale = Fraction(10) ** (minor_exponent(to) - minor_exponent(currency))
    return round_fraction(Fraction(amount) * Fraction(rate) * scale, RoundingMode.HALF_EVEN), rate
