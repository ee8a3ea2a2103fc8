"""The settle stage of a run: each payee's history is replayed through settlement up to the run's period.

Earlier periods contribute the earning lines of their current results (closed periods: what their close
froze); the run's period its new lines and prior-period deltas. Adjustments come from the ledger. A
cancellation dated in a closed period whose clawback that period's close did not post is clawed back in the
run's period instead, because a closed period never changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from attain.app.ports import StoredPeriod
from attain.app.runs.inputs import Facts
from attain.app.runs.ports import PayeeRecord, PayTransaction
from attain.app.runs.records import EARNING, PriorDelta, payee_record
from attain.domain.errors import InvalidInput
from attain.domain.settlement import Adjustment, Cancellation, Earned, settle
from attain.engine.inputs import CalculationInput
from attain.engine.payouts import Clawbacks, cancellations_of
from attain.engine.results import PayeeResult

CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class History:
    """What settlement needs from storage for the people of a run, read once."""

    earlier: dict[tuple[str, str], dict[str, PayeeRecord]]  # (person, plan) -> period key -> row
    adjustments: dict[tuple[str, str], list[Adjustment]]
    clawed: frozenset[str]  # cancellation order ids whose clawback a closed period posted


def read_history(
    tx: PayTransaction, periods: Sequence[StoredPeriod], target: StoredPeriod, person_ids: Collection[int]
) -> History:
    earlier_ids = [p.id for p in periods if p.period.start < target.period.start]
    earlier: dict[tuple[str, str], dict[str, PayeeRecord]] = defaultdict(dict)
    if earlier_ids:
        for row in tx.runs.payees(period_ids=earlier_ids, person_ids=sorted(person_ids)):
            earlier[(row.person, row.plan_key)][row.period_key] = row
    adjustments: dict[tuple[str, str], list[Adjustment]] = defaultdict(list)
    clawed: set[str] = set()
    ids = [p.id for p in periods if p.period.start <= target.period.start]
    for e in tx.ledger.entries(
        person_ids=sorted(person_ids), period_ids=ids, kinds=["adjustment", "clawback"]
    ):
        if e.kind == "adjustment":
            adjustment = Adjustment(e.period_key, e.amount, e.reason or "", e.approver or "")
            adjustments[(e.person, e.plan_key)].append(adjustment)
        elif "cancelled_by" in e.detail:
            clawed.add(str(e.detail["cancelled_by"]))
    return History(dict(earlier), dict(adjustments), frozenset(clawed))


def settle_payees(
    facts: Facts,
    inp: CalculationInput,
    periods: Sequence[StoredPeriod],
    target: StoredPeriod,
    results: Sequence[PayeeResult],
    deltas: Sequence[PriorDelta],
    history: History,
) -> list[PayeeRecord]:
    """A payee row for each result and each person with only prior-period deltas, settled."""
    same = sorted((p for p in periods if p.period.kind is target.period.kind), key=lambda p: p.period.start)
    status = {p.period.key: p.status for p in same}
    by_payee: dict[tuple[str, str], list[PriorDelta]] = defaultdict(list)
    for d in deltas:
        by_payee[(d.person, d.plan_key)].append(d)
    found = {(r.person_id, r.plan_key): r for r in results}
    orders = {o.order_id: o for o in inp.orders}
    # Cancellations depend on the plan version only (its crediting date and period kind): found and
    # relocated once per version, then looked up by each payee's orders.
    clawbacks: dict[int, Clawbacks] = {}
    out = []
    for person, plan_key in sorted(set(found) | set(by_payee)):
        result = found.get((person, plan_key))
        own = by_payee.get((person, plan_key), [])
        assignment = facts.version_of(person, plan_key, target.period)
        if assignment is None:
            refers = next(p for p in same if p.period.key == own[0].refers)
            assignment = facts.version_of(person, plan_key, refers.period)
        if assignment is None:
            raise InvalidInput(f"{person} has results on plan {plan_key} but no assignment to it")
        plan = facts.plans[assignment.plan_version_id]
        rows = history.earlier.get((person, plan_key), {})
        first = min((p.period.start for p in same if p.period.key in rows), default=target.period.start)
        keys = [p.period.key for p in same if first <= p.period.start <= target.period.start]
        earned = [
            Earned(key, line.component, line.amount, line.order_ref)
            for key, row in rows.items()
            for line in row.lines
            if line.section == EARNING and line.amount
        ]
        if result is not None:
            earned += [
                Earned(target.period.key, x.component, x.amount, x.order_id) for x in result.lines if x.amount
            ]
        earned += [Earned(target.period.key, d.component, d.amount) for d in own]
        version = assignment.plan_version_id
        if version not in clawbacks:
            clawbacks[version] = Clawbacks(
                [
                    _relocate(c, status, target, history)
                    for c in cancellations_of(inp.orders, plan, facts.calendar)
                ]
            )
        payout = settle(
            keys,
            earned,
            plan.settlement,
            plan.currency,
            cancellations=clawbacks[version].against(earned),
            adjustments=history.adjustments.get((person, plan_key), []),
        )[-1]
        out.append(
            payee_record(
                person_id=facts.person_ids[person],
                person=person,
                name=facts.names.get(person, ""),
                period_key=target.period.key,
                plan_key=plan_key,
                plan_version_id=assignment.plan_version_id,
                currency=plan.currency,
                proration=result.proration if result is not None else Decimal(0),
                target_incentive=result.target_incentive if result is not None else 0,
                measures=result.measures if result is not None else (),
                lines=result.lines if result is not None else (),
                deltas=own,
                payout=payout,
                orders=orders,
            )
        )
    return out


def _relocate(
    c: Cancellation, status: dict[str, str], target: StoredPeriod, history: History
) -> Cancellation:
    if status.get(c.period_key) != CLOSED or c.order_id in history.clawed:
        return c  # open, or posted by its closed period: replayed where it happened
    return replace(c, period_key=target.period.key)
