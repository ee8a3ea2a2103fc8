"""The plain inputs of a calculation: rows a relational engine reads too, one dataclass per fact table.

Ids are external ids (text). Money on orders is in integer minor units of the order's currency; quota
targets are decimals in the measure's unit (plan-currency amounts, or counts); dates are inclusive unless a
name says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from attain.domain.calendar import FiscalCalendar
from attain.domain.errors import InvalidInput
from attain.domain.plans.model import CompiledPlan, CreditRole


@dataclass(frozen=True, slots=True)
class OrderRow:
    order_id: str
    booked_on: date
    amount: int  # minor units of `currency`
    currency: str
    kind: str = "new"  # new, renewal, upsell; cancellation and return are never credited
    owner: str | None = None
    product: str | None = None
    product_family: str | None = None
    segment: str | None = None
    account: str | None = None
    territory: str | None = None
    invoiced_on: date | None = None
    paid_on: date | None = None
    original: str | None = None  # the order a cancellation or return undoes


@dataclass(frozen=True, slots=True)
class PersonRow:
    person_id: str
    name: str = ""
    hired_on: date | None = None
    left_on: date | None = None  # last day employed


@dataclass(frozen=True, slots=True)
class ManagerLink:
    person_id: str
    manager_id: str
    valid_from: date
    valid_to: date | None = None  # last day, None while current


@dataclass(frozen=True, slots=True)
class TerritoryLink:
    person_id: str
    territory: str
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    person_id: str
    first_day: date
    last_day: date


@dataclass(frozen=True, slots=True)
class CreditSplit:
    """An explicit split of an order: DIRECT shares of an order sum to 100%; OVERLAY shares are extra."""

    order_id: str
    person_id: str
    share: Decimal
    role: CreditRole = CreditRole.DIRECT
    sequence: int = 1


@dataclass(frozen=True, slots=True)
class QuotaRow:
    person_id: str
    metric: str
    period_key: str
    target: Decimal


@dataclass(frozen=True, slots=True)
class PlanAssignmentRow:
    person_id: str
    plan_key: str
    target_incentive: int  # minor units of the plan currency, for the plan year
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    from_currency: str
    to_currency: str
    valid_on: date
    rate: Decimal


@dataclass(frozen=True, slots=True)
class MboAchievement:
    person_id: str
    period_key: str
    objective: str
    achievement: Decimal


@dataclass(frozen=True, slots=True)
class CalculationInput:
    """Everything a calculation reads; nothing else (no clock, no database, no settings)."""

    calendar: FiscalCalendar
    plans: Mapping[str, CompiledPlan]
    assignments: tuple[PlanAssignmentRow, ...]
    orders: tuple[OrderRow, ...] = ()
    people: tuple[PersonRow, ...] = ()
    managers: tuple[ManagerLink, ...] = ()
    territories: tuple[TerritoryLink, ...] = ()
    leaves: tuple[Leave, ...] = ()
    splits: tuple[CreditSplit, ...] = ()
    quotas: tuple[QuotaRow, ...] = ()
    rates: tuple[ExchangeRate, ...] = ()
    mbo: tuple[MboAchievement, ...] = ()
    _people: dict[str, PersonRow] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        check_unique_orders(self.orders)

    def person(self, person_id: str) -> PersonRow:
        if not self._people:
            self._people.update({p.person_id: p for p in self.people})
        return self._people.get(person_id) or PersonRow(person_id)


def check_unique_orders(orders: Sequence[OrderRow]) -> None:
    """Refuse orders that repeat an order id: credits, clawbacks and explanations find orders by id, so a
    repeated id would silently count one of them twice or not at all. Positions are 1-based."""
    first: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    for position, order in enumerate(orders, 1):
        seen = first.setdefault(order.order_id, position)
        if seen != position:
            repeats.setdefault(order.order_id, [seen]).append(position)
    if repeats:
        named = "; ".join(
            f"order id '{oid}' at orders {', '.join(map(str, where))}"
            for oid, where in list(repeats.items())[:5]
        )
        more = f" (and {len(repeats) - 5} more repeated ids)" if len(repeats) > 5 else ""
        raise InvalidInput(
            f"the calculation input repeats order ids: {named}{more}",
            hint="every order needs an id of its own; a correction is a new fact (a cancellation or return)",
        )
