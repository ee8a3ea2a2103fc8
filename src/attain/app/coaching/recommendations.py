"""Recommendations for the viewer's at-risk reps (rules in `rules`), and scheduling a session from one.

Pace and drivers come from the KPI layer as they are; nothing here recomputes a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.nudges import NudgeSource, no_nudges
from attain.app.coaching.ports import CoachingStore, KpiSource, PaceRecord
from attain.app.coaching.records import SessionRecord
from attain.app.coaching.rules import Recommendation, focus_words, is_at_risk, recommend
from attain.app.coaching.sessions import schedule_session
from attain.domain.errors import InvalidInput, NotFound


def recommendations(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    period: str,
    today: date,
    person_ids: Sequence[int] | None = None,
    nudges: NudgeSource = no_nudges,
) -> list[Recommendation]:
    """One recommendation per at-risk rep the viewer may see (or per rep of `person_ids`), lowest
    attainment first."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        if person_ids is not None:
            for pid in person_ids:
                scope.require_person(pid)
            people = sorted(set(person_ids))
        else:
            people = [p for p in tx.org.with_role("rep", today) if scope.manages(p)]
        skills = tx.skills.all()
        courses = tx.training.courses()
        enrollments = tx.training.enrollments(people)
        assessments = tx.skills.assessments(people)
        names = tx.org.names(people)
    if not people:
        return []
    paces = [p for p in kpis.pace(people, period, as_of=today) if is_at_risk(p)]
    out = []
    for pace in paces:
        pid = pace.person_id
        out.append(
            recommend(
                names[pid],
                pace,
                kpis.drivers(pid, period, as_of=today),
                skills=skills,
                courses=courses,
                enrollments=[e for e in enrollments if e.person_id == pid],
                assessments=[a for a in assessments if a.person_id == pid],
                describe=kpis.describe,
                nudges=nudges(pace, today),
            )
        )
    return sorted(out, key=_by_attainment)


def recommendations_in_reach(
    store: CoachingStore, viewer: Viewer, everyone: Sequence[Recommendation], *, today: date
) -> list[Recommendation]:
    """The recommendations of `everyone` (all at-risk reps, as `recommendations` gives an admin) about the
    reps `viewer` manages: what `recommendations` gives them, as a recommendation depends only on its rep."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
    return [r for r in everyone if scope.manages(r.person.id)]


def _by_attainment(rec: Recommendation) -> tuple[int, object, str]:
    attainment = rec.pace.attainment
    return (attainment is None, attainment if attainment is not None else 0, rec.person.name)


def pace_of(kpis: KpiSource, person_id: int, period: str, today: date) -> PaceRecord | None:
    found = [p for p in kpis.pace([person_id], period, as_of=today) if p.person_id == person_id]
    return found[0] if found else None


def schedule_from_recommendation(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    rep_id: int,
    period: str,
    held_on: date,
    today: date,
    kind: str | None = None,
    nudges: NudgeSource = no_nudges,
) -> tuple[SessionRecord, Recommendation]:
    """Plan a session with an at-risk rep on the recommended focus: its topic names the focus, its
    linked metrics are the lagging drivers, and its origin keeps the reason as it was shown."""
    found = recommendations(
        store, kpis, viewer, period=period, today=today, person_ids=[rep_id], nudges=nudges
    )
    if not found:
        pace = pace_of(kpis, rep_id, period, today)
        status = pace.status if pace is not None else None
        if pace is None or status is None:
            raise NotFound(f"person {rep_id} has no goal to pace in {period}", hint="set a goal first")
        raise InvalidInput(
            f"person {rep_id} is {status.replace('_', ' ')} in {period}, not at risk",
            hint="schedule a session without a recommendation instead",
        )
    rec = found[0]
    focus = focus_words(rec.focus) or "pipeline and pace review"
    session = schedule_session(
        store,
        viewer,
        rep_id=rep_id,
        kind=kind or rec.session_kind,
        held_on=held_on,
        topic=f"Focus: {focus}"[:200],
        today=today,
        metrics=[d.metric for d in rec.lagging],
        origin=f"recommendation {period}: {rec.reason}",
    )
    return session, rec
