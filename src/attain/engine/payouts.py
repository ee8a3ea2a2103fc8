"""From earning lines over a sequence of periods to payouts: the settle stage, shared by every engine.

Cancellations and returns that point at an original order become clawback events, posted in the plan period
that contains the cancellation's booking date, against what the original order earned.
"""

from __future__ import annotations

from collections.abc import Sequence

from attain.domain.calendar import FiscalCalendar
from attain.domain.plans.model import CompiledPlan
from attain.domain.settlement import Adjustment, Cancellation, Earned, Payout, settle
from attain.engine.inputs import OrderRow
from attain.engine.reference_crediting import UNCREDITED_KINDS, credit_date
from attain.engine.results import PayeeResult


def earned_of(results: Sequence[PayeeResult]) -> list[Earned]:
    """Each earning line as an Earned amount, keeping its order so clawbacks can find it."""
    return [
        Earned(r.period_key, line.component, line.amount, line.order_id)
        for r in results
        for line in r.lines
        if line.amount
    ]


def cancellations_of(
    orders: Sequence[OrderRow], plan: CompiledPlan, calendar: FiscalCalendar
) -> list[Cancellation]:
    by_id = {o.order_id: o for o in orders}
    out = []
    for o in orders:
        if o.kind not in UNCREDITED_KINDS or o.original is None or o.original not in by_id:
            continue
        original_day = credit_date(by_id[o.original], plan.crediting.pay_on)
        if original_day is None:
            continue
        period = calendar.period_of(plan.period, o.booked_on)
        out.append(Cancellation(o.order_id, o.original, original_day, o.booked_on, period.key))
    return sorted(out, key=lambda c: (c.cancelled_on, c.order_id))


def settle_payee(
    plan: CompiledPlan,
    period_keys: Sequence[str],
    results: Sequence[PayeeResult],
    orders: Sequence[OrderRow],
    calendar: FiscalCalendar,
    adjustments: Sequence[Adjustment] = (),
) -> list[Payout]:
    """The payouts of one payee over `period_keys`, from its results in those periods."""
    return settle(
        period_keys,
        earned_of(results),
        plan.settlement,
        plan.currency,
        cancellations=cancellations_of(orders, plan, calendar),
        adjustments=adjustments,
    )
