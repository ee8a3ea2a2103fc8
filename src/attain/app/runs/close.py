"""`attain close PERIOD` and manual adjustments: what makes results final and what corrects them.

Closing posts the period's current results to the ledger (earnings per component, prior-period deltas,
settlement lines, the payout) and marks the period closed, in one transaction. It refuses when the facts
changed since the last run, or when adjustments were appended after it (run again first); closing a closed
period changes nothing in the ledger. The same transaction records each snapshotted forecast's error against
the period's actual (once). Adjustments are appended to the ledger at once, for an open period, with a
reason and an approver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from attain.app.forecasts.closing import record_closing_errors
from attain.app.ports import StoredPeriod
from attain.app.runs.calculate import Clock, calendar_and_periods, utc_now
from attain.app.runs.inputs import calculation_input, find_period, fingerprint, read_facts, window_of
from attain.app.runs.ports import NewLedgerEntry, PayeeRecord, PayStore
from attain.app.runs.records import EARNING, PAYOUT, PRIOR_PERIOD
from attain.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed
from attain.domain.money import to_minor

NOT_POSTED = frozenset({"earnings", "adjustment"})  # summed per component instead / already in the ledger


@dataclass(frozen=True, slots=True)
class CloseResult:
    period_key: str
    already_closed: bool
    run_id: int | None
    entries: int
    payout: int


def close_period(
    store: PayStore, period_key: str, *, actor: str = "system", now: Clock = utc_now
) -> CloseResult:
    """Freeze `period_key`: post its current results to the ledger and mark it closed (idempotent)."""
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        if target.status == "closed":
            # Snapshots may predate the close that did not yet record their errors; recording is idempotent.
            record_closing_errors(tx, target, now())
            return CloseResult(target.period.key, True, None, 0, 0)
        runs = [r for r in tx.runs.listing(target.id) if r.status == "succeeded"]
        if not runs:
            raise Conflict(
                f"{target.period.key} has no successful run",
                hint=f"run `attain run {target.period.key}` first",
            )
        start, end = window_of(calendar, target.period)
        facts = read_facts(tx, calendar, start, end)
        digest, _ = fingerprint(calculation_input(facts, target.period), facts.versions.values())
        if digest != runs[-1].fingerprint and runs[-1].as_of < target.period.last_day:
            raise Conflict(
                f"run {runs[-1].id} of {target.period.key} counted the facts up to {runs[-1].as_of} only, "
                "and the period has later ones",
                hint=f"run `attain run {target.period.key}` (without --as-of), check it, then close",
            )
        if digest != runs[-1].fingerprint:
            raise Conflict(
                f"the facts of {target.period.key} changed since run {runs[-1].id}",
                hint=f"run `attain run {target.period.key}` again, check it, then close",
            )
        last = runs[-1]
        late = [
            e.id
            for e in tx.ledger.entries(period_ids=[target.id], kinds=["adjustment"])
            if _utc(e.posted_at) >= _utc(last.started_at)
        ]
        if late:
            raise Conflict(
                f"adjustments were appended to {target.period.key} after run {last.id} started "
                f"(ledger entries {', '.join(map(str, late))}): its payouts leave them out",
                hint=f"run `attain run {target.period.key}` again so the payouts include them, then close",
            )
        payees = tx.runs.payees(period_ids=[target.id])
        entries = [e for p in payees for e in ledger_entries(p, target.id, periods_by_key(periods))]
        at = now()
        tx.ledger.append(entries, actor=actor, at=at)
        tx.calendars.set_status(target.id, "closed", actor, at)
        total = sum(p.payout for p in payees)
        errors = record_closing_errors(tx, target, at)
        tx.audit.record(
            at=at,
            actor=actor,
            action="close",
            entity="period",
            entity_id=target.period.key,
            detail={
                "run": runs[-1].id,
                "payees": len(payees),
                "entries": len(entries),
                "payout": total,
                "forecast_errors": len(errors),
            },
        )
    return CloseResult(target.period.key, False, runs[-1].id, len(entries), total)


def _utc(moment: datetime) -> datetime:
    """A timestamp comparable with any other: stores without time zones keep UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def periods_by_key(periods: Sequence[StoredPeriod]) -> dict[str, int]:
    return {p.period.key: p.id for p in periods}


def ledger_entries(p: PayeeRecord, period_id: int, period_ids: dict[str, int]) -> list[NewLedgerEntry]:
    """The ledger entries that close a payee's period: earnings per component, deltas, settlement, payout."""
    base: dict[str, Any] = {
        "person_id": p.person_id,
        "period_id": period_id,
        "plan_key": p.plan_key,
        "currency": p.currency,
    }
    earned: dict[str, int] = defaultdict(int)
    out: list[NewLedgerEntry] = []
    for line in p.lines:
        if line.section == EARNING and line.kind != PRIOR_PERIOD:
            earned[line.component] += line.amount
    for component, amount in sorted(earned.items()):
        out.append(
            NewLedgerEntry(**base, kind="earning", component=component, amount=amount, run_id=p.run_id)
        )
    for line in p.lines:
        if line.section == EARNING and line.kind == PRIOR_PERIOD:
            refers = str(line.explanation.get("refers_period", ""))
            out.append(
                NewLedgerEntry(
                    **base,
                    kind=PRIOR_PERIOD,
                    component=line.component,
                    amount=line.amount,
                    refers_period_id=period_ids.get(refers),
                    run_id=p.run_id,
                    detail=dict(line.explanation),
                )
            )
        elif line.section == PAYOUT and line.kind not in NOT_POSTED and line.amount:
            out.append(
                NewLedgerEntry(
                    **base, kind=line.kind, amount=line.amount, run_id=p.run_id, detail=dict(line.explanation)
                )
            )
    out.append(
        NewLedgerEntry(**base, kind="payout", amount=p.payout, run_id=p.run_id, detail={"balance": p.balance})
    )
    return out


def adjust(
    store: PayStore,
    person: str,
    period_key: str,
    amount: str,
    *,
    reason: str,
    approver: str,
    plan_key: str | None = None,
    actor: str = "system",
    now: Clock = utc_now,
) -> int:
    """Append a manual adjustment (major units, e.g. "-250.00") for `person` in an open period."""
    if not reason.strip() or not approver.strip():
        raise InvalidInput(
            "an adjustment needs a reason and an approver", hint="give --reason and --approver"
        )
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        if target.status == "closed":
            raise PeriodClosed(f"{target.period.key} is closed", hint="adjust in the next open period")
        ids = tx.pay_inputs.person_ids()
        if person not in ids:
            raise NotFound(f"person {person} not found", hint="name people by their external id")
        plans = sorted(
            {
                (a.plan_key, a.currency)
                for a in tx.pay_inputs.assignments(target.period.start, target.period.end)
                if a.person == person
            }
        )
        chosen = [x for x in plans if plan_key is None or x[0] == plan_key]
        if not chosen:
            raise NotFound(
                f"{person} has no plan {plan_key or ''} in {target.period.key}".replace("  ", " "),
                hint="adjustments are paid through a plan the person is assigned in the period",
            )
        key, currency = chosen[0]
        try:
            minor = to_minor(amount, currency)
        except (ValueError, ArithmeticError):
            raise InvalidInput(
                f"'{amount}' is not an amount", hint="write it in major units, e.g. -250.00"
            ) from None
        at = now()
        entry = NewLedgerEntry(
            person_id=ids[person],
            period_id=target.id,
            plan_key=key,
            kind="adjustment",
            amount=minor,
            currency=currency,
            reason=reason.strip(),
            approver=approver.strip(),
        )
        [entry_id] = tx.ledger.append([entry], actor=actor, at=at)
        tx.audit.record(
            at=at,
            actor=actor,
            action="adjust",
            entity="ledger_entry",
            entity_id=str(entry_id),
            reason=reason.strip(),
            detail={"person": person, "period": target.period.key, "amount": minor, "approver": approver},
        )
    return entry_id
