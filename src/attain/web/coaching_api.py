"""The coaching JSON API under /api/v1: a person's action items (with metric movement), the feedback and
sessions the caller may read, and recommendations for the caller's at-risk reps. Read-only; the pages
carry the forms. Every route declares its guard, so the authorization matrix covers it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from attain.app.coaching.access import Viewer
from attain.app.coaching.feedback import feedback_about
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.nudges import plan_nudges
from attain.app.coaching.recommendations import recommendations
from attain.app.coaching.sessions import sessions_for
from attain.app.coaching.wording import plain
from attain.domain.calendar import PeriodKind
from attain.domain.errors import NotFound
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from attain.web.authz import Caller, guard
from attain.web.deps import get_store

router = APIRouter(prefix="/api/v1", tags=["coaching"])
Store = Annotated[SqlStore, Depends(get_store)]
PersonCaller = Annotated[Caller, Depends(guard("admin", "manager", "rep", subject="person_id"))]


class MovementOut(BaseModel):
    metric: str
    segment: str | None
    baseline: Decimal | None
    current: Decimal | None
    target: Decimal
    change: Decimal | None
    progress: Decimal | None
    baseline_from: date
    set_on: date
    through: date


class ActionItemOut(BaseModel):
    id: int
    session_id: int | None
    owner_id: int
    title: str
    due_on: date
    status: str
    days_overdue: int
    movement: MovementOut | None


class FeedbackPointOut(BaseModel):
    skill_id: int | None
    strengths: str
    improvements: str


class FeedbackOut(BaseModel):
    id: int
    subject_id: int
    author: str
    visibility: str
    given_on: date
    summary: str
    points: list[FeedbackPointOut]


class SessionOut(BaseModel):
    id: int
    kind: str
    status: str
    held_on: date
    coach_id: int
    rep_id: int
    topic: str
    notes: str
    private_notes: str  # empty unless the caller is the coach or an admin
    metrics: list[str]


class RecommendationOut(BaseModel):
    person_id: int
    person: str
    status: str | None
    attainment: Decimal | None
    focus: list[str]
    courses: list[str]
    session_kind: str
    reason: str
    nudges: list[str]


@router.get("/people/{person_id}/action-items")
def action_items(
    person_id: int, caller: PersonCaller, store: Store, which: ItemFilter = ItemFilter.OPEN
) -> list[ActionItemOut]:
    found = follow_up(
        SqlCoachingStore(store),
        AnalyticsKpis(store),
        Viewer.of(caller.user),
        today=caller.today,
        which=which,
        person_ids=[person_id],
    )
    out = []
    for f in found:
        m = f.movement
        movement = (
            None
            if m is None
            else MovementOut(
                metric=m.metric.key,
                segment=m.segment,
                baseline=plain(m.baseline),
                current=plain(m.current),
                target=Decimal(f"{m.target.normalize():f}"),
                change=plain(m.change),
                progress=plain(m.progress),
                baseline_from=m.baseline_from,
                set_on=m.set_on,
                through=m.through,
            )
        )
        i = f.item
        out.append(
            ActionItemOut(
                id=i.id,
                session_id=i.session_id,
                owner_id=i.owner_id,
                title=i.title,
                due_on=i.due_on,
                status=i.status,
                days_overdue=f.days_overdue,
                movement=movement,
            )
        )
    return out


@router.get("/people/{person_id}/feedback")
def feedback(person_id: int, caller: PersonCaller, store: Store) -> list[FeedbackOut]:
    found = feedback_about(SqlCoachingStore(store), Viewer.of(caller.user), person_id, today=caller.today)
    return [
        FeedbackOut(
            id=f.id,
            subject_id=f.subject_id,
            author=f.author_user,
            visibility=f.visibility,
            given_on=f.given_on,
            summary=f.summary,
            points=[
                FeedbackPointOut(skill_id=p.skill_id, strengths=p.strengths, improvements=p.improvements)
                for p in f.points
            ],
        )
        for f in found
    ]


@router.get("/people/{person_id}/coaching-sessions")
def coaching_sessions(person_id: int, caller: PersonCaller, store: Store) -> list[SessionOut]:
    found = sessions_for(
        SqlCoachingStore(store), Viewer.of(caller.user), today=caller.today, person_id=person_id
    )
    return [
        SessionOut(
            id=s.id,
            kind=s.kind,
            status=s.status,
            held_on=s.held_on,
            coach_id=s.coach_id,
            rep_id=s.rep_id,
            topic=s.topic,
            notes=s.notes,
            private_notes=s.private_notes,
            metrics=list(s.metrics),
        )
        for s in found
    ]


@router.get("/coaching/recommendations")
def coaching_recommendations(
    caller: Annotated[Caller, Depends(guard("admin", "manager"))], store: Store, period: str | None = None
) -> list[RecommendationOut]:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    if period is None:
        current = kpis.current_period(PeriodKind.QUARTER, caller.today)
        if current is None:
            raise NotFound(f"no fiscal quarter holds {caller.today}", hint="give ?period=FY2025-Q2")
        period = current.period.key
    found = recommendations(
        cs, kpis, Viewer.of(caller.user), period=period, today=caller.today, nudges=plan_nudges(cs)
    )
    return [
        RecommendationOut(
            person_id=r.person.id,
            person=r.person.external_id,
            status=r.pace.status,
            attainment=plain(r.pace.attainment),
            focus=[s.key for s in r.focus],
            courses=[c.external_id for c in r.courses],
            session_kind=str(r.session_kind),
            reason=r.reason,
            nudges=list(r.nudges),
        )
        for r in found
    ]
