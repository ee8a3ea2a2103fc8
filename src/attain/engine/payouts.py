"""From earning lines over a sequence of periods to payouts: the settle stage, shared by every engine.

Cancellations and returns that point at an original order become clawback events, posted in the plan period
that contains the cancellation's booking date, against what the original order earned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

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
    """Every cancellation or return of an order in `orders` under `plan`, by date then id."""
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


class Clawbacks:
    """A run's cancellations indexed by the order they cancel, built once and shared by every payee.

    A payee's settlement only claws back orders it earned on (any other cancellation nets to nothing), so
    looking up its own orders replaces a pass over every cancellation for each payee.
    """

    def __init__(self, cancellations: Sequence[Cancellation]) -> None:
        self._by_original: dict[str, list[tuple[int, Cancellation]]] = defaultdict(list)
        for position, c in enumerate(cancellations):
            self._by_original[c.original_order_id].append((position, c))

    def against(self, earned: Iterable[Earned]) -> list[Cancellation]:
        """The cancellations of the orders in `earned`, in the order they were given."""
        found = [
            pair
            for order_id in {e.order_id for e in earned if e.order_id is not None}
            for pair in self._by_original.get(order_id, ())
        ]
        # Settlement posts clawback lines in the order of the cancellations; keep it.
        return [c for _, c in sorted(found, key=lambda pair: pair[0])]


def settle_payee(
    plan: CompiledPlan,
    period_keys: Sequence[str],
    results: Sequence[PayeeResult],
    orders: Sequence[OrderRow],
    calendar: FiscalCalendar,
    adjustments: Sequence[Adjustment] = (),
    *,
    clawbacks: Clawbacks | None = None,
) -> list[Payout]:
    """The payouts of one payee over `period_keys`, from its results in those periods.

    `clawbacks` is `Clawbacks(cancellations_of(orders, plan, calendar))`, passed in when several payees
    share one plan so that it is built once.
    """
    earned = earned_of(results)
    index = clawbacks if clawbacks is not None else Clawbacks(cancellations_of(orders, plan, calendar))
    return settle(
        period_keys,
        earned,
        plan.settlement,
        plan.currency,
        cancellations=index.against(earned),
        adjustments=adjustments,
    )
