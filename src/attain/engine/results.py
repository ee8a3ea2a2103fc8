"""The outputs of a calculation: credits, measure results and earning lines, as plain rows.

Any engine must produce exactly these rows, in this order, for the same inputs (the reference evaluator is
the oracle). Amounts are integer minor units of the plan currency; the explanation is in the typed fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from attain.domain.plans.model import CreditRole


@dataclass(frozen=True, slots=True)
class Credit:
    order_id: str
    person_id: str
    role: CreditRole
    level: int  # manager levels above the seller; 0 unless a roll-up
    share: Decimal
    sequence: int  # the split sequence within the order
    amount: int  # minor units of the order currency
    currency: str

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.order_id, self.role.value, self.level, self.sequence)


@dataclass(frozen=True, slots=True)
class MeasureResult:
    measure: str
    window_start: date
    window_end: date  # exclusive
    value: int  # minor units for sums, a count for counts
    quota: Decimal | None  # after weights, ramp and proration; minor units for sums
    attainment: Decimal | None  # value / quota, 6 decimals (display; decisions use the exact ratio)


@dataclass(frozen=True, slots=True)
class EarningLine:
    """One explained amount: its component and kind, and what it was computed from."""

    component: str
    kind: str  # commission, bonus, mbo, spiff, true_up, order_min, order_max, gate, cap, plan_cap
    amount: int
    order_id: str | None = None
    credit_date: date | None = None
    credit_role: str | None = None
    rollup_level: int | None = None
    split_sequence: int | None = None
    share: Decimal | None = None
    basis: int | None = None  # what the rate applied to (minor units), e.g. a tier slice
    tier: int | None = None
    rate: Decimal | None = None
    attainment: Decimal | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PayeeResult:
    """One person on one plan assignment in one period: the payee row every statement starts from."""

    person_id: str
    plan_key: str
    period_key: str
    currency: str
    proration: Decimal  # active share of the period, 6 decimals
    target_incentive: int  # of this period, prorated
    measures: tuple[MeasureResult, ...]
    lines: tuple[EarningLine, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def plain(value: Any) -> Any:
    """A JSON/YAML-ready copy of results: Decimals and dates as text, empty fields dropped from lines."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, PayeeResult):
        out = {k: plain(v) for k, v in asdict(value).items()}
        out["total"] = value.total
        return out
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v not in (None, "")}
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, CreditRole):
        return value.value
    return value
