"""The ledger (append-only: this repository has no update and no delete) and inquiries with their history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from attain.app.runs.ports import InquiryRecord, LedgerRecord, NewLedgerEntry
from attain.store import models as m
from attain.store import pay_models as pm
from attain.store.bulk import table_of


class SqlLedger:
    def __init__(self, session: Session) -> None:
        self._s = session

    def append(self, entries: Sequence[NewLedgerEntry], *, actor: str, at: datetime) -> list[int]:
        """One batched INSERT for all entries; their ids come back in the order given."""
        if not entries:
            return []
        table = table_of(pm.LedgerEntry)
        ids = self._s.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {
                    "person_id": e.person_id,
                    "period_id": e.period_id,
                    "plan_key": e.plan_key,
                    "kind": e.kind,
                    "component": e.component,
                    "amount": e.amount,
                    "currency": e.currency,
                    "refers_period_id": e.refers_period_id,
                    "run_id": e.run_id,
                    "reverses_id": e.reverses_id,
                    "reason": e.reason,
                    "approver": e.approver,
                    "detail": e.detail,
                    "posted_at": at,
                    "posted_by": actor,
                }
                for e in entries
            ],
        ).all()
        return list(ids)

    def entries(
        self,
        *,
        person_ids: Sequence[int] = (),
        period_ids: Sequence[int] = (),
        refers_period_ids: Sequence[int] = (),
        kinds: Sequence[str] = (),
    ) -> list[LedgerRecord]:
        e, p, per, refers = pm.LedgerEntry, m.Person, m.Period, aliased(m.Period)
        query = (
            select(e, p.external_id, per.key, refers.key.label("refers"))
            .join(p, p.id == e.person_id)
            .join(per, per.id == e.period_id)
            .outerjoin(refers, refers.id == e.refers_period_id)
            .order_by(e.id)
        )
        if person_ids:
            query = query.where(e.person_id.in_(person_ids))
        if period_ids:
            query = query.where(e.period_id.in_(period_ids))
        if refers_period_ids:
            query = query.where(e.refers_period_id.in_(refers_period_ids))
        if kinds:
            query = query.where(e.kind.in_(kinds))
        return [
            LedgerRecord(
                id=r.LedgerEntry.id,
                person_id=r.LedgerEntry.person_id,
                person=r.external_id,
                period_key=r.key,
                plan_key=r.LedgerEntry.plan_key,
                kind=r.LedgerEntry.kind,
                component=r.LedgerEntry.component,
                amount=r.LedgerEntry.amount,
                currency=r.LedgerEntry.currency,
                refers_period_key=r.refers,
                run_id=r.LedgerEntry.run_id,
                reverses_id=r.LedgerEntry.reverses_id,
                reason=r.LedgerEntry.reason,
                approver=r.LedgerEntry.approver,
                detail=dict(r.LedgerEntry.detail or {}),
                posted_at=r.LedgerEntry.posted_at,
                posted_by=r.LedgerEntry.posted_by,
            )
            for r in self._s.execute(query)
        ]


class SqlInquiries:
    def __init__(self, session: Session) -> None:
        self._s = session

    def raise_(
        self, person_id: int, period_id: int, line: dict[str, Any], question: str, *, actor: str, at: datetime
    ) -> int:
        row = pm.Inquiry(
            person_id=person_id,
            period_id=period_id,
            line=line,
            question=question,
            status="open",
            raised_by=actor,
            raised_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.execute(
            insert(pm.InquiryEvent).values(
                inquiry_id=row.id, at=at, actor=actor, action="raised", text=question
            )
        )
        return row.id

    def _records(self, where: Any) -> list[InquiryRecord]:
        q, p, per = pm.Inquiry, m.Person, m.Period
        rows = list(
            self._s.execute(
                select(q, p.external_id, per.key)
                .join(p, p.id == q.person_id)
                .join(per, per.id == q.period_id)
                .where(where)
                .order_by(q.id)
            )
        )
        history: dict[int, list[tuple[datetime, str, str, str]]] = defaultdict(list)
        ids = [r.Inquiry.id for r in rows]
        if ids:
            for ev in self._s.scalars(
                select(pm.InquiryEvent)
                .where(pm.InquiryEvent.inquiry_id.in_(ids))
                .order_by(pm.InquiryEvent.id)
            ):
                history[ev.inquiry_id].append((ev.at, ev.actor, ev.action, ev.text))
        return [
            InquiryRecord(
                id=r.Inquiry.id,
                person_id=r.Inquiry.person_id,
                person=r.external_id,
                period_key=r.key,
                line=dict(r.Inquiry.line or {}),
                question=r.Inquiry.question,
                status=r.Inquiry.status,
                raised_by=r.Inquiry.raised_by,
                raised_at=r.Inquiry.raised_at,
                adjustment_id=r.Inquiry.adjustment_id,
                history=tuple(history[r.Inquiry.id]),
            )
            for r in rows
        ]

    def get(self, inquiry_id: int) -> InquiryRecord | None:
        found = self._records(pm.Inquiry.id == inquiry_id)
        return found[0] if found else None

    def listing(
        self, person_ids: Sequence[int] | None = None, status: str | None = None
    ) -> list[InquiryRecord]:
        where: Any = pm.Inquiry.id.is_not(None)
        if person_ids is not None:
            where = where & pm.Inquiry.person_id.in_(person_ids)
        if status is not None:
            where = where & (pm.Inquiry.status == status)
        return self._records(where)

    def record(
        self, inquiry_id: int, action: str, text: str, status: str, *, actor: str, at: datetime
    ) -> None:
        row = self._s.get(pm.Inquiry, inquiry_id)
        assert row is not None
        row.status = status
        self._s.execute(
            insert(pm.InquiryEvent).values(
                inquiry_id=inquiry_id, at=at, actor=actor, action=action, text=text
            )
        )

    def link_adjustment(self, inquiry_id: int, entry_id: int) -> None:
        row = self._s.get(pm.Inquiry, inquiry_id)
        assert row is not None
        row.adjustment_id = entry_id
