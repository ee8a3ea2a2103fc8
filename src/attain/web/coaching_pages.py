"""Coaching pages: "my coaching" for reps, the manager's coaching page (overdue items, at-risk reps with
recommendations, calibration), a person's page with the skill-gap view, a session, a piece of feedback,
a contest leaderboard; and the forms that schedule, record and follow up.

Scoping is the use cases' (a rep sees their own records, a manager their subtree as of today); an id
outside the viewer's reach answers 404, like an id that does not exist.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attain.app.coaching.access import Viewer
from attain.app.coaching.appraisals import calibration, reviews_of
from attain.app.coaching.contests import badges_of, leaderboard
from attain.app.coaching.feedback import feedback_about, feedback_item, give_feedback
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.recommendations import schedule_from_recommendation
from attain.app.coaching.sessions import (
    add_action_item,
    record_session,
    session_view,
    sessions_for,
    set_action_status,
)
from attain.app.coaching.skills import skill_gap
from attain.app.coaching.training import certifications_expiring, training_of
from attain.app.ports import UserInfo
from attain.domain.calendar import PeriodKind
from attain.domain.errors import InvalidInput, NotFound
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.web import coaching_setup
from attain.web.coaching_figures import overdue_items, team_recommendations
from attain.web.coaching_views import Csrf, Store, form, page, render, today_of

router = APIRouter(prefix="/coaching", include_in_schema=False)
router.include_router(coaching_setup.router)


def _quarter(kpis: AnalyticsKpis, period: str | None, today: date) -> str | None:
    if period:
        return period
    found = kpis.current_period(PeriodKind.QUARTER, today)
    return None if found is None else found.period.key


def _previous_quarter(cs: SqlCoachingStore, kpis: AnalyticsKpis, key: str | None) -> str | None:
    """The quarter before `key`: the default period of the calibration view."""
    if key is None:
        return None
    with cs.transaction() as tx:
        stored = tx.org.period(key)
    if stored is None:
        return None
    before = kpis.current_period(PeriodKind.QUARTER, stored.period.start - timedelta(days=1))
    return None if before is None else before.period.key


@router.get("", response_class=HTMLResponse)
def coaching_home(request: Request) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> Response:
        leads = bool({"admin", "manager"} & set(user.roles))
        return RedirectResponse("/coaching/team" if leads else "/coaching/me", status.HTTP_303_SEE_OTHER)

    return page(request, build)


@router.get("/me", response_class=HTMLResponse)
def my_coaching(request: Request, store: Store) -> Response:
    """A rep's development page: their action items, shared feedback, sessions, courses, badges, reviews."""

    def build(user: UserInfo, viewer: Viewer) -> Response:
        if user.person_id is None:
            raise NotFound("your login is not linked to a person", hint="ask an admin to link it")
        cs, kpis, me, today = SqlCoachingStore(store), AnalyticsKpis(store), user.person_id, today_of(request)
        return render(
            request,
            "coaching_me.html",
            user,
            items=follow_up(cs, kpis, viewer, today=today, person_ids=[me]),
            feedback=feedback_about(cs, viewer, me, today=today),
            sessions=sessions_for(cs, viewer, today=today, person_id=me),
            training=training_of(cs, viewer, today=today, person_id=me),
            badges=badges_of(cs, viewer, today=today, person_id=me),
            reviews=reviews_of(cs, viewer, me, today=today),
        )

    return page(request, build)


@router.get("/team", response_class=HTMLResponse)
def team_coaching(
    request: Request, store: Store, period: str | None = None, review_period: str | None = None
) -> Response:
    """The manager's page: overdue items, at-risk reps with recommendations, calibration."""

    def build(user: UserInfo, viewer: Viewer) -> Response:
        cs, kpis, today = SqlCoachingStore(store), AnalyticsKpis(store), today_of(request)
        quarter = _quarter(kpis, period, today)
        reviewed = review_period or _previous_quarter(cs, kpis, quarter)
        # Overdue items and recommendations: the company's, cached per data version, cut to the viewer.
        return render(
            request,
            "coaching_team.html",
            user,
            period=quarter,
            review_period=reviewed,
            overdue=overdue_items(request, viewer, today=today),
            recommendations=team_recommendations(request, viewer, period=quarter, today=today)
            if quarter
            else [],
            calibration=calibration(cs, viewer, period=reviewed, today=today) if reviewed else None,
            certifications=certifications_expiring(cs, viewer, today=today),
        )

    return page(request, build)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: int, store: Store) -> Response:
    """One person's coaching record and skill-gap view, as far as the viewer may see it."""

    def build(user: UserInfo, viewer: Viewer) -> Response:
        cs, kpis, today = SqlCoachingStore(store), AnalyticsKpis(store), today_of(request)
        with cs.transaction() as tx:
            person = tx.org.names([person_id]).get(person_id)
        feedback = feedback_about(cs, viewer, person_id, today=today)  # NotFound when out of reach
        if person is None:
            raise NotFound(f"person {person_id} not found")
        return render(
            request,
            "coaching_person.html",
            user,
            person=person,
            feedback=feedback,
            items=follow_up(cs, kpis, viewer, today=today, which=ItemFilter.ALL, person_ids=[person_id]),
            sessions=sessions_for(cs, viewer, today=today, person_id=person_id),
            gaps=skill_gap(cs, kpis, viewer, person_id, today=today),
            training=training_of(cs, viewer, today=today, person_id=person_id),
        )

    return page(request, build)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, session_id: int, store: Store) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> Response:
        cs = SqlCoachingStore(store)
        view = session_view(cs, viewer, session_id, today=today_of(request))
        with cs.transaction() as tx:
            names = tx.org.names([view.session.rep_id, view.session.coach_id])
        coach = view.session.coach_id == user.person_id or "admin" in user.roles
        return render(request, "coaching_session.html", user, view=view, names=names, coach=coach)

    return page(request, build)


@router.get("/feedback/{feedback_id}", response_class=HTMLResponse)
def feedback_page(request: Request, feedback_id: int, store: Store) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> Response:
        cs = SqlCoachingStore(store)
        found = feedback_item(cs, viewer, feedback_id, today=today_of(request))
        with cs.transaction() as tx:
            names = tx.org.names([found.subject_id])
            skills = {s.id: s.name for s in tx.skills.all()}
        return render(request, "coaching_feedback.html", user, feedback=found, names=names, skills=skills)

    return page(request, build)


@router.get("/contests/{key}", response_class=HTMLResponse)
def contest_page(request: Request, key: str, store: Store) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> Response:
        board = leaderboard(
            SqlCoachingStore(store), AnalyticsKpis(store), viewer, key, today=today_of(request)
        )
        return render(request, "coaching_contest.html", user, board=board)

    return page(request, build)


# -- forms ------------------------------------------------------------------------------------------


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date for the {what}", hint="use YYYY-MM-DD") from None


def _decimal(text: str, what: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        raise InvalidInput(f"'{text}' is not a number for the {what}") from None
    return value / 100 if text.strip().endswith("%") else value


@router.post("/sessions/recommended")
def schedule_recommended(
    request: Request,
    store: Store,
    csrf: Csrf,
    rep_id: Annotated[int, Form()],
    period: Annotated[str, Form()],
    held_on: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "one_to_one",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        session, _ = schedule_from_recommendation(
            SqlCoachingStore(store),
            AnalyticsKpis(store),
            viewer,
            rep_id=rep_id,
            period=period,
            held_on=_day(held_on, "session"),
            today=today_of(request),
            kind=kind,
        )
        return f"/coaching/sessions/{session.id}"

    return form(request, csrf, build)


@router.post("/sessions/{session_id}/record")
def record(
    request: Request,
    session_id: int,
    store: Store,
    csrf: Csrf,
    notes: Annotated[str, Form()] = "",
    private_notes: Annotated[str, Form()] = "",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        record_session(
            SqlCoachingStore(store),
            viewer,
            session_id,
            today=today_of(request),
            notes=notes,
            private_notes=private_notes,
        )
        return f"/coaching/sessions/{session_id}"

    return form(request, csrf, build)


@router.post("/sessions/{session_id}/items")
def add_item(
    request: Request,
    session_id: int,
    store: Store,
    csrf: Csrf,
    title: Annotated[str, Form()],
    due_on: Annotated[str, Form()],
    owner_id: Annotated[int, Form()],
    metric: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        add_action_item(
            SqlCoachingStore(store),
            viewer,
            AnalyticsKpis(store),
            owner_id=owner_id,
            title=title,
            due_on=_day(due_on, "due date"),
            today=today_of(request),
            session_id=session_id,
            metric=metric.strip() or None,
            target=_decimal(target, "target"),
        )
        return f"/coaching/sessions/{session_id}"

    return form(request, csrf, build)


@router.post("/feedback")
def add_feedback(
    request: Request,
    store: Store,
    csrf: Csrf,
    subject_id: Annotated[int, Form()],
    visibility: Annotated[str, Form()],
    summary: Annotated[str, Form()] = "",
    strengths: Annotated[str, Form()] = "",
    improvements: Annotated[str, Form()] = "",
    session_id: Annotated[str, Form()] = "",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        points = [(None, strengths, improvements)] if strengths.strip() or improvements.strip() else []
        give_feedback(
            SqlCoachingStore(store),
            viewer,
            subject_id=subject_id,
            visibility=visibility,
            summary=summary,
            points=points,
            today=today_of(request),
            session_id=int(session_id) if session_id.strip() else None,
        )
        return f"/coaching/sessions/{session_id}" if session_id.strip() else f"/coaching/people/{subject_id}"

    return form(request, csrf, build)


@router.post("/items/{item_id}/status")
def item_status(
    request: Request, item_id: int, store: Store, csrf: Csrf, status_: Annotated[str, Form(alias="status")]
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        set_action_status(SqlCoachingStore(store), viewer, item_id, status_, today=today_of(request))
        return "/coaching/me" if "rep" in user.roles else "/coaching/team"

    return form(request, csrf, build)
