"""Repositories for reviews (appraisals with their frozen metric snapshots), contests, badges and the
notification outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from attain.app.coaching.records import (
    BadgeAward,
    BadgeInfo,
    ContestInfo,
    NewReview,
    OutgoingNotice,
    Prize,
    ReviewMetric,
    ReviewRecord,
)
from attain.domain.errors import NotFound
from attain.store import development_models as d
from attain.store import models as m


class SqlReviews:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _records(self, rows: Sequence[d.Review]) -> list[ReviewRecord]:
        ids = [r.id for r in rows]
        metrics: dict[int, list[ReviewMetric]] = {i: [] for i in ids}
        keys: dict[int, str] = {}
        if ids:
            rm = d.ReviewMetric
            for x in self._s.scalars(select(rm).where(rm.review_id.in_(ids)).order_by(rm.id)):
                metrics[x.review_id].append(ReviewMetric(x.metric, x.value, x.team_median))
            period_ids = sorted({r.period_id for r in rows})
            found = self._s.execute(select(m.Period.id, m.Period.key).where(m.Period.id.in_(period_ids)))
            keys = {int(p.id): str(p.key) for p in found}
        return [
            ReviewRecord(
                r.id,
                r.person_id,
                r.reviewer_id,
                r.period_id,
                keys.get(r.period_id, ""),
                r.status,
                r.snapshot_on,
                r.attainment,
                r.rank,
                r.rank_of,
                r.rating,
                r.comments,
                r.next_goals,
                tuple(metrics[r.id]),
                r.created_by,
                r.created_at,
            )
            for r in rows
        ]

    def add(self, new: NewReview, *, actor: str, at: datetime) -> ReviewRecord:
        row = d.Review(
            person_id=new.person_id,
            reviewer_id=new.reviewer_id,
            period_id=new.period_id,
            status="draft",
            snapshot_on=new.snapshot_on,
            attainment=new.attainment,
            rank=new.rank,
            rank_of=new.rank_of,
            comments="",
            next_goals="",
            created_by=actor,
            created_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.add_all(
            [
                d.ReviewMetric(review_id=row.id, metric=x.metric, value=x.value, team_median=x.team_median)
                for x in new.metrics
            ]
        )
        self._s.flush()
        return self._records([row])[0]

    def get(self, review_id: int) -> ReviewRecord | None:
        row = self._s.get(d.Review, review_id)
        return None if row is None else self._records([row])[0]

    def find(self, person_id: int, period_id: int) -> ReviewRecord | None:
        r = d.Review
        row = self._s.scalars(select(r).where(r.person_id == person_id, r.period_id == period_id)).first()
        return None if row is None else self._records([row])[0]

    def for_period(self, period_id: int, person_ids: Sequence[int] | None) -> list[ReviewRecord]:
        r = d.Review
        query = select(r).where(r.period_id == period_id).order_by(r.person_id)
        if person_ids is not None:
            query = query.where(r.person_id.in_(sorted(set(person_ids))))
        return self._records(list(self._s.scalars(query)))

    def for_people(self, person_ids: Sequence[int]) -> list[ReviewRecord]:
        r = d.Review
        query = select(r).where(r.person_id.in_(sorted(set(person_ids)))).order_by(r.snapshot_on.desc(), r.id)
        return self._records(list(self._s.scalars(query)))

    def rate(
        self, review_id: int, *, rating: int | None, comments: str, next_goals: str, final_at: datetime | None
    ) -> ReviewRecord:
        values: dict[str, Any] = {"rating": rating, "comments": comments, "next_goals": next_goals}
        if final_at is not None:
            values |= {"status": "final", "finalised_at": final_at}
        self._s.execute(update(d.Review).where(d.Review.id == review_id).values(**values))
        self._s.expire_all()
        found = self.get(review_id)
        if found is None:
            raise NotFound(f"review {review_id} not found")
        return found


class SqlRecognition:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _contest(self, row: d.Contest) -> ContestInfo:
        p = d.ContestPrize
        prizes = tuple(
            Prize(x.rank, x.amount, x.currency, x.description)
            for x in self._s.scalars(select(p).where(p.contest_id == row.id).order_by(p.rank))
        )
        return ContestInfo(
            row.id,
            row.key,
            row.name,
            row.metric,
            row.starts_on,
            row.ends_on,
            row.team_id,
            row.display,
            prizes,
        )

    def add_contest(
        self,
        *,
        key: str,
        name: str,
        metric: str,
        starts_on: date,
        ends_on: date,
        team_id: int | None,
        display: str,
        prizes: Sequence[Prize],
        actor: str,
        at: datetime,
    ) -> ContestInfo:
        row = d.Contest(
            key=key,
            name=name,
            metric=metric,
            starts_on=starts_on,
            ends_on=ends_on,
            team_id=team_id,
            display=display,
            created_by=actor,
            created_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.add_all(
            [
                d.ContestPrize(
                    contest_id=row.id,
                    rank=x.rank,
                    amount=x.amount,
                    currency=x.currency,
                    description=x.description,
                )
                for x in prizes
            ]
        )
        self._s.flush()
        return self._contest(row)

    def contest(self, key: str) -> ContestInfo | None:
        row = self._s.scalars(select(d.Contest).where(d.Contest.key == key)).first()
        return None if row is None else self._contest(row)

    def contests(self) -> list[ContestInfo]:
        return [
            self._contest(r) for r in self._s.scalars(select(d.Contest).order_by(d.Contest.starts_on.desc()))
        ]

    @staticmethod
    def _badge(r: d.Badge) -> BadgeInfo:
        return BadgeInfo(
            r.id, r.key, r.name, r.description, r.metric, r.threshold, r.period_kind, r.course_id
        )

    def define_badge(
        self,
        *,
        key: str,
        name: str,
        description: str,
        metric: str | None,
        threshold: Decimal | None,
        period_kind: str | None,
        course_id: int | None,
    ) -> tuple[BadgeInfo, bool]:
        row = self._s.scalars(select(d.Badge).where(d.Badge.key == key)).first()
        created = row is None
        if row is None:
            row = d.Badge(key=key)
            self._s.add(row)
        row.name, row.description, row.metric, row.threshold = name, description, metric, threshold
        row.period_kind, row.course_id = period_kind, course_id
        self._s.flush()
        return self._badge(row), created

    def badges(self) -> list[BadgeInfo]:
        return [self._badge(r) for r in self._s.scalars(select(d.Badge).order_by(d.Badge.id))]

    def award(
        self, badge_id: int, person_id: int, period_key: str, on: date, evidence: dict[str, Any]
    ) -> bool:
        a = d.BadgeAward
        held = self._s.scalar(
            select(a.id).where(a.badge_id == badge_id, a.person_id == person_id, a.period_key == period_key)
        )
        if held is not None:
            return False
        self._s.add(
            a(badge_id=badge_id, person_id=person_id, period_key=period_key, awarded_on=on, evidence=evidence)
        )
        self._s.flush()
        return True

    def awards(self, person_ids: Sequence[int] | None = None) -> list[BadgeAward]:
        a, b = d.BadgeAward, d.Badge
        query = (
            select(b.key, b.name, a.person_id, a.period_key, a.awarded_on, a.evidence)
            .join(b, b.id == a.badge_id)
            .order_by(a.awarded_on.desc(), a.id)
        )
        if person_ids is not None:
            query = query.where(a.person_id.in_(sorted(set(person_ids))))
        return [
            BadgeAward(r.key, r.name, r.person_id, r.period_key, r.awarded_on, dict(r.evidence))
            for r in self._s.execute(query)
        ]

    def notify(self, notice: OutgoingNotice, at: datetime) -> bool:
        n = d.Notification
        queued = self._s.scalar(
            select(n.id).where(
                n.recipient_id == notice.recipient_id,
                n.kind == notice.kind,
                n.entity == notice.entity,
                n.entity_id == notice.entity_id,
            )
        )
        if queued is not None:
            return False
        self._s.add(
            n(
                recipient_id=notice.recipient_id,
                kind=notice.kind,
                subject=notice.subject[:200],
                body=notice.body,
                entity=notice.entity,
                entity_id=notice.entity_id,
                created_at=at,
            )
        )
        self._s.flush()
        return True

    def pending_notices(self) -> list[tuple[int, OutgoingNotice]]:
        n = d.Notification
        rows = self._s.scalars(select(n).where(n.sent_at.is_(None)).order_by(n.id))
        return [
            (
                r.id,
                OutgoingNotice(r.recipient_id, r.kind, r.subject, r.body, r.entity or "", r.entity_id or ""),
            )
            for r in rows
        ]

    def mark_sent(self, notice_ids: Sequence[int], at: datetime) -> None:
        if notice_ids:
            self._s.execute(
                update(d.Notification).where(d.Notification.id.in_(list(notice_ids))).values(sent_at=at)
            )
