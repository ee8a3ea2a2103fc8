"""The coaching store: org reads for scoping, sessions, action items and feedback, and the transaction
that groups every coaching repository over one session (`SqlCoachingStore`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select, update
from sqlalchemy.orm import Session

from attain.app.coaching.records import (
    ActionItemRecord,
    FeedbackPoint,
    FeedbackRecord,
    NewActionItem,
    NewFeedback,
    NewSession,
    PersonName,
    SessionRecord,
)
from attain.app.ports import StoredPeriod
from attain.domain.calendar import Period as DomainPeriod
from attain.domain.calendar import PeriodKind
from attain.domain.errors import NotFound
from attain.store import coaching_models as c
from attain.store import models as m
from attain.store.development import SqlSkills, SqlTraining
from attain.store.recognition import SqlRecognition, SqlReviews
from attain.store.repositories import SqlAudit
from attain.store.unit_of_work import SqlStore


def _on(day: date) -> ColumnElement[bool]:
    a = m.Assignment
    return (a.valid_from <= day) & (a.valid_to.is_(None) | (a.valid_to >= day))


def _period(row: m.Period) -> StoredPeriod:
    return StoredPeriod(
        row.id,
        DomainPeriod(PeriodKind(row.kind), row.fiscal_year, row.number, row.start_on, row.end_on),
        row.status,
    )


class SqlOrg:
    """Who is who on a day: names, reporting lines and team membership, for scoping and peer groups."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def names(self, ids: Sequence[int]) -> dict[int, PersonName]:
        if not ids:
            return {}
        p = m.Person
        rows = self._s.execute(select(p.id, p.external_id, p.name).where(p.id.in_(sorted(set(ids)))))
        return {r.id: PersonName(r.id, r.external_id, r.name) for r in rows}

    def by_external_id(self, external_id: str) -> PersonName | None:
        p = m.Person
        row = self._s.execute(select(p.id, p.external_id, p.name).where(p.external_id == external_id)).first()
        return None if row is None else PersonName(row.id, row.external_id, row.name)

    def reports_of(self, manager_id: int, day: date) -> set[int]:
        a = m.Assignment
        current = select(a.person_id, a.manager_id).where(_on(day)).subquery("current")
        tree = select(literal(manager_id).label("pid")).cte("tree", recursive=True)
        tree = tree.union(select(current.c.person_id).join(tree, current.c.manager_id == tree.c.pid))
        return {int(pid) for pid in self._s.scalars(select(tree.c.pid))} - {manager_id}

    def manager_of(self, person_id: int, day: date) -> int | None:
        a = m.Assignment
        return self._s.scalar(select(a.manager_id).where(a.person_id == person_id, _on(day)))

    def with_role(self, role: str, day: date) -> list[int]:
        a = m.Assignment
        return sorted(self._s.scalars(select(a.person_id).where(a.role == role, _on(day))))

    def team_members(self, team_id: int, day: date) -> set[int]:
        t, a = m.Team, m.Assignment
        tree = select(literal(team_id).label("tid")).cte("teams_under", recursive=True)
        tree = tree.union(select(t.id).join(tree, t.parent_id == tree.c.tid))
        query = select(a.person_id).where(_on(day), a.team_id.in_(select(tree.c.tid)))
        return {int(pid) for pid in self._s.scalars(query)}

    def opportunity_ids(self, external_ids: Sequence[str]) -> dict[str, int]:
        o = m.Opportunity
        rows = self._s.execute(select(o.external_id, o.id).where(o.external_id.in_(list(external_ids))))
        return {r.external_id: r.id for r in rows}

    def plan_documents(self, person_id: int, day: date) -> list[str]:
        a, v = m.PlanAssignment, m.PlanVersion
        query = (
            select(v.document)
            .join(a, a.plan_version_id == v.id)
            .where(a.person_id == person_id, a.valid_from <= day, a.valid_to.is_(None) | (a.valid_to >= day))
            .order_by(a.valid_from, a.id)
        )
        return list(self._s.scalars(query))

    def team_id(self, external_id: str) -> int | None:
        return self._s.scalar(select(m.Team.id).where(m.Team.external_id == external_id))

    def period(self, key: str) -> StoredPeriod | None:
        row = self._s.scalars(select(m.Period).where(m.Period.key == key)).first()
        return None if row is None else _period(row)

    def periods_of_kind(self, kind: str) -> list[StoredPeriod]:
        rows = self._s.scalars(select(m.Period).where(m.Period.kind == kind).order_by(m.Period.start_on))
        return [_period(r) for r in rows]


class SqlSessions:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _record(self, row: c.CoachingSession) -> SessionRecord:
        participants = tuple(
            sorted(
                self._s.scalars(
                    select(c.CoachingParticipant.person_id).where(c.CoachingParticipant.session_id == row.id)
                )
            )
        )
        links = self._s.execute(
            select(c.CoachingLink.metric, c.CoachingLink.opportunity_id)
            .where(c.CoachingLink.session_id == row.id)
            .order_by(c.CoachingLink.id)
        ).all()
        return SessionRecord(
            row.id,
            row.kind,
            row.status,
            row.held_on,
            row.coach_id,
            row.rep_id,
            row.topic,
            row.notes,
            row.private_notes,
            row.origin,
            participants,
            tuple(link.metric for link in links if link.metric is not None),
            tuple(link.opportunity_id for link in links if link.opportunity_id is not None),
            row.created_by,
        )

    def add(self, new: NewSession, *, actor: str, at: datetime) -> SessionRecord:
        row = c.CoachingSession(
            kind=new.kind,
            status=new.status,
            held_on=new.held_on,
            coach_id=new.coach_id,
            rep_id=new.rep_id,
            topic=new.topic,
            notes=new.notes,
            private_notes=new.private_notes,
            origin=new.origin,
            created_by=actor,
            created_at=at,
            updated_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.add_all(
            [c.CoachingParticipant(session_id=row.id, person_id=p) for p in sorted(set(new.participants))]
        )
        self._s.add_all([c.CoachingLink(session_id=row.id, metric=k) for k in dict.fromkeys(new.metrics)])
        self._s.add_all(
            [c.CoachingLink(session_id=row.id, opportunity_id=o) for o in dict.fromkeys(new.opportunity_ids)]
        )
        self._s.flush()
        return self._record(row)

    def get(self, session_id: int) -> SessionRecord | None:
        row = self._s.get(c.CoachingSession, session_id)
        return None if row is None else self._record(row)

    def update(self, session_id: int, *, at: datetime, **changes: Any) -> SessionRecord:
        allowed = {"status", "held_on", "topic", "notes", "private_notes", "kind"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a session")
        self._s.execute(
            update(c.CoachingSession)
            .where(c.CoachingSession.id == session_id)
            .values(**changes, updated_at=at)
        )
        self._s.expire_all()
        found = self.get(session_id)
        if found is None:
            raise NotFound(f"coaching session {session_id} not found")
        return found

    def for_people(self, person_ids: Sequence[int] | None, *, limit: int = 200) -> list[SessionRecord]:
        s = c.CoachingSession
        query = select(s).order_by(s.held_on.desc(), s.id.desc()).limit(limit)
        if person_ids is not None:
            ids = sorted(set(person_ids))
            guests = select(c.CoachingParticipant.session_id).where(c.CoachingParticipant.person_id.in_(ids))
            query = query.where(or_(s.rep_id.in_(ids), s.coach_id.in_(ids), s.id.in_(guests)))
        return [self._record(r) for r in self._s.scalars(query)]


class SqlActionItems:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _record(r: c.ActionItem) -> ActionItemRecord:
        return ActionItemRecord(
            r.id,
            r.session_id,
            r.owner_id,
            r.title,
            r.due_on,
            r.status,
            r.metric,
            r.segment,
            r.baseline,
            r.target,
            r.set_on,
            r.window_days,
            r.completed_on,
            r.created_by,
        )

    def add(self, new: NewActionItem, *, actor: str, at: datetime) -> ActionItemRecord:
        row = c.ActionItem(
            session_id=new.session_id,
            owner_id=new.owner_id,
            title=new.title,
            due_on=new.due_on,
            status="open",
            metric=new.metric,
            segment=new.segment,
            baseline=new.baseline,
            target=new.target,
            set_on=new.set_on,
            window_days=new.window_days,
            created_by=actor,
            created_at=at,
            updated_at=at,
        )
        self._s.add(row)
        self._s.flush()
        return self._record(row)

    def get(self, item_id: int) -> ActionItemRecord | None:
        row = self._s.get(c.ActionItem, item_id)
        return None if row is None else self._record(row)

    def set_status(self, item_id: int, status: str, completed_on: date | None, at: datetime) -> None:
        self._s.execute(
            update(c.ActionItem)
            .where(c.ActionItem.id == item_id)
            .values(status=status, completed_on=completed_on, updated_at=at)
        )
        self._s.expire_all()

    def for_owners(
        self, owner_ids: Sequence[int] | None, *, statuses: Sequence[str] | None = None
    ) -> list[ActionItemRecord]:
        a = c.ActionItem
        query = select(a).order_by(a.due_on, a.id)
        if owner_ids is not None:
            query = query.where(a.owner_id.in_(sorted(set(owner_ids))))
        if statuses is not None:
            query = query.where(a.status.in_(list(statuses)))
        return [self._record(r) for r in self._s.scalars(query)]

    def for_session(self, session_id: int) -> list[ActionItemRecord]:
        a = c.ActionItem
        return [
            self._record(r)
            for r in self._s.scalars(select(a).where(a.session_id == session_id).order_by(a.id))
        ]


class SqlFeedback:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _records(self, rows: Sequence[c.Feedback]) -> list[FeedbackRecord]:
        ids = [r.id for r in rows]
        points: dict[int, list[FeedbackPoint]] = {i: [] for i in ids}
        if ids:
            item = c.FeedbackItem
            for p in self._s.scalars(select(item).where(item.feedback_id.in_(ids)).order_by(item.id)):
                points[p.feedback_id].append(FeedbackPoint(p.skill_id, p.strengths, p.improvements))
        return [
            FeedbackRecord(
                r.id,
                r.subject_id,
                r.author_id,
                r.author_user,
                r.session_id,
                r.visibility,
                r.given_on,
                r.summary,
                tuple(points[r.id]),
            )
            for r in rows
        ]

    def add(self, new: NewFeedback, *, at: datetime) -> FeedbackRecord:
        row = c.Feedback(
            subject_id=new.subject_id,
            author_id=new.author_id,
            author_user=new.author_user,
            session_id=new.session_id,
            visibility=new.visibility,
            given_on=new.given_on,
            summary=new.summary,
            created_at=at,
        )
        self._s.add(row)
        self._s.flush()
        self._s.add_all(
            [
                c.FeedbackItem(
                    feedback_id=row.id,
                    skill_id=p.skill_id,
                    strengths=p.strengths,
                    improvements=p.improvements,
                )
                for p in new.points
            ]
        )
        self._s.flush()
        return self._records([row])[0]

    def get(self, feedback_id: int) -> FeedbackRecord | None:
        row = self._s.get(c.Feedback, feedback_id)
        return None if row is None else self._records([row])[0]

    def about(self, subject_ids: Sequence[int] | None) -> list[FeedbackRecord]:
        f = c.Feedback
        query = select(f).order_by(f.given_on.desc(), f.id.desc())
        if subject_ids is not None:
            query = query.where(f.subject_id.in_(sorted(set(subject_ids))))
        return self._records(list(self._s.scalars(query)))

    def by_author(self, username: str) -> list[FeedbackRecord]:
        f = c.Feedback
        query = select(f).where(f.author_user == username).order_by(f.given_on.desc(), f.id.desc())
        return self._records(list(self._s.scalars(query)))


class SqlCoachingTransaction:
    """Every coaching repository over one session; committed by `SqlCoachingStore.transaction`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.org = SqlOrg(session)
        self.sessions = SqlSessions(session)
        self.action_items = SqlActionItems(session)
        self.feedback = SqlFeedback(session)
        self.skills = SqlSkills(session)
        self.training = SqlTraining(session)
        self.reviews = SqlReviews(session)
        self.recognition = SqlRecognition(session)
        self.audit = SqlAudit(session)


class SqlCoachingStore:
    """The coaching use cases' store, on the same engine and transactions as `SqlStore`."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    @contextmanager
    def transaction(self) -> Iterator[SqlCoachingTransaction]:
        with self.store.transaction() as tx:
            yield SqlCoachingTransaction(tx.session)
