"""From engine results and payouts to the stored payee rows and lines, with each line's explanation as data.

The explanation of an earning line is its typed fields (credit, tier, rate, gate or cap note) plus the facts
of the order it came from; a prior-period line names the period recalculated and what it was and is now.
Results are hashed in a canonical form, so identical runs give identical hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from attain.app.runs.ports import LineRecord, PayeeRecord
from attain.domain.settlement import Payout
from attain.engine.inputs import OrderRow
from attain.engine.results import EarningLine, MeasureResult, plain

EARNING = "earning"
PAYOUT = "payout"
PRIOR_PERIOD = "prior_period"


@dataclass(frozen=True, slots=True)
class PriorDelta:
    """The change of a closed period's earnings on one component, posted in the next open period."""

    person: str
    plan_key: str
    component: str
    refers: str  # the closed period's key
    refers_id: int
    was: int
    now: int

    @property
    def amount(self) -> int:
        return self.now - self.was


def earning_explanation(line: EarningLine, order: OrderRow | None) -> dict[str, Any]:
    # A line's fields are plain values: read them directly (asdict's deep copy costs more than the rest).
    out: dict[str, Any] = plain({name: getattr(line, name) for name in _EXPLAINED_FIELDS})
    if order is not None:
        out["order"] = plain(
            {
                "id": order.order_id,
                "booked_on": order.booked_on,
                "amount": order.amount,
                "currency": order.currency,
                "kind": order.kind,
                "owner": order.owner,
                "product": order.product,
                "product_family": order.product_family,
                "account": order.account,
                "invoiced_on": order.invoiced_on,
                "paid_on": order.paid_on,
            }
        )
    return out


def prior_explanation(delta: PriorDelta) -> dict[str, Any]:
    return {
        "refers_period": delta.refers,
        "was": delta.was,
        "now": delta.now,
        "note": f"{delta.refers} recalculated on changed facts: was {delta.was}, now {delta.now}",
    }


def payee_record(
    *,
    person_id: int,
    person: str,
    name: str,
    period_key: str,
    plan_key: str,
    plan_version_id: int | None,
    currency: str,
    proration: Decimal,
    target_incentive: int,
    measures: Sequence[MeasureResult],
    lines: Sequence[EarningLine],
    deltas: Sequence[PriorDelta],
    payout: Payout,
    orders: Mapping[str, OrderRow],
) -> PayeeRecord:
    out: list[LineRecord] = []
    for line in lines:
        order = orders.get(line.order_id) if line.order_id else None
        out.append(
            LineRecord(
                len(out) + 1,
                EARNING,
                line.component,
                line.kind,
                line.amount,
                line.order_id,
                earning_explanation(line, order),
            )
        )
    for d in deltas:
        out.append(
            LineRecord(len(out) + 1, EARNING, d.component, PRIOR_PERIOD, d.amount, None, prior_explanation(d))
        )
    earnings = sum(line.amount for line in out)
    for p in payout.lines:
        out.append(LineRecord(len(out) + 1, PAYOUT, "payout", p.kind, p.amount, None, dict(p.detail)))
    return PayeeRecord(
        person_id=person_id,
        person=person,
        name=name,
        period_key=period_key,
        plan_key=plan_key,
        plan_version_id=plan_version_id,
        currency=currency,
        proration=proration,
        target_incentive=target_incentive,
        earnings=earnings,
        payout=payout.amount,
        balance=payout.balance,
        measures=tuple(measures),
        lines=tuple(out),
    )


def results_hash(payees: Sequence[PayeeRecord]) -> str:
    """sha256 of the payees in canonical form (person, plan order; run ids and names left out)."""
    rows = [canonical(p) for p in sorted(payees, key=lambda p: (p.person, p.plan_key))]
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(p: PayeeRecord) -> dict[str, Any]:
    """The payee as asdict gives it, less run ids and names; built field by field, without deep copies
    (nothing in a payee is mutated while it is hashed)."""
    data = {name: getattr(p, name) for name in _PAYEE_FIELDS}
    data["measures"] = tuple(_fields_of(m) for m in p.measures)
    data["lines"] = tuple(_fields_of(x) for x in p.lines)
    return data


def _fields_of(row: MeasureResult | LineRecord) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in fields(row)}


# The line's own columns (component, kind, amount, order) are stored beside the explanation, not in it.
_EXPLAINED_FIELDS = tuple(
    f.name for f in fields(EarningLine) if f.name not in ("component", "kind", "amount", "order_id")
)
_PAYEE_FIELDS = tuple(
    f.name for f in fields(PayeeRecord) if f.name not in ("run_id", "name", "person_id", "plan_version_id")
)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
