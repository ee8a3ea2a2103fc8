"""Inquiries: a person asks about a statement line; an admin answers, or resolves it (maybe with an
adjustment, appended to the ledger and linked to the inquiry). Every step is kept in its history and audited.
"""

from __future__ import annotations

from typing import Any

from attain.app.runs.calculate import Clock, calendar_and_periods, utc_now
from attain.app.runs.close import adjust
from attain.app.runs.inputs import find_period
from attain.app.runs.ports import InquiryRecord, PayStore
from attain.domain.errors import Conflict, InvalidInput, NotFound


def raise_inquiry(
    store: PayStore,
    person_id: int,
    period_key: str,
    question: str,
    *,
    line: int | None = None,
    actor: str,
    now: Clock = utc_now,
) -> InquiryRecord:
    """Open an inquiry on `person_id`'s statement of `period_key` (on line number `line`, if given)."""
    if not question.strip():
        raise InvalidInput("an inquiry needs a question", hint="say what looks wrong and why")
    with store.transaction() as tx:
        calendar, periods = calendar_and_periods(tx)
        target = find_period(periods, period_key, calendar)
        about: dict[str, Any] = {}
        if line is not None:
            payees = tx.runs.payees(period_ids=[target.id], person_ids=[person_id])
            found = [(p, x) for p in payees for x in p.lines if x.seq == line]
            if not found:
                raise NotFound(f"the {target.period.key} statement has no line {line}")
            payee, x = found[0]
            about = {
                "seq": x.seq,
                "plan": payee.plan_key,
                "run": payee.run_id,
                "kind": x.kind,
                "amount": x.amount,
            }
        at = now()
        inquiry_id = tx.inquiries.raise_(person_id, target.id, about, question.strip(), actor=actor, at=at)
        tx.audit.record(
            at=at, actor=actor, action="raise", entity="inquiry", entity_id=str(inquiry_id), detail=about
        )
        record = tx.inquiries.get(inquiry_id)
    assert record is not None
    return record


def _open(store: PayStore, inquiry_id: int) -> InquiryRecord:
    with store.transaction() as tx:
        record = tx.inquiries.get(inquiry_id)
    if record is None:
        raise NotFound(f"inquiry {inquiry_id} not found")
    if record.status == "resolved":
        raise Conflict(f"inquiry {inquiry_id} is resolved", hint="raise a new inquiry")
    return record


def answer_inquiry(
    store: PayStore, inquiry_id: int, text: str, *, actor: str, now: Clock = utc_now
) -> InquiryRecord:
    _open(store, inquiry_id)
    if not text.strip():
        raise InvalidInput("an answer needs text")
    with store.transaction() as tx:
        at = now()
        tx.inquiries.record(inquiry_id, "answered", text.strip(), "answered", actor=actor, at=at)
        tx.audit.record(at=at, actor=actor, action="answer", entity="inquiry", entity_id=str(inquiry_id))
        record = tx.inquiries.get(inquiry_id)
    assert record is not None
    return record


def resolve_inquiry(
    store: PayStore,
    inquiry_id: int,
    text: str,
    *,
    actor: str,
    adjustment: str | None = None,
    period_key: str | None = None,
    approver: str | None = None,
    now: Clock = utc_now,
) -> InquiryRecord:
    """Resolve an inquiry; with `adjustment` (major units), append it to the ledger in `period_key` (an open
    period, by default the inquiry's own) with `approver`, and link it."""
    record = _open(store, inquiry_id)
    entry_id = None
    if adjustment is not None:
        entry_id = adjust(
            store,
            record.person,
            period_key or record.period_key,
            adjustment,
            reason=f"inquiry {inquiry_id}: {text.strip() or record.question}",
            approver=approver or actor,
            plan_key=record.line.get("plan"),
            actor=actor,
            now=now,
        )
    with store.transaction() as tx:
        at = now()
        note = text.strip() + (f" (adjustment entry {entry_id})" if entry_id else "")
        tx.inquiries.record(inquiry_id, "resolved", note, "resolved", actor=actor, at=at)
        if entry_id is not None:
            tx.inquiries.link_adjustment(inquiry_id, entry_id)
        tx.audit.record(
            at=at,
            actor=actor,
            action="resolve",
            entity="inquiry",
            entity_id=str(inquiry_id),
            detail={"adjustment_entry": entry_id},
        )
        out = tx.inquiries.get(inquiry_id)
    assert out is not None
    return out


def inquiries(
    store: PayStore, person_ids: list[int] | None = None, status: str | None = None
) -> list[InquiryRecord]:
    with store.transaction() as tx:
        return tx.inquiries.listing(person_ids, status)
