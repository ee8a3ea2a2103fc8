"""Structured feedback: strengths and improvements per skill, shared with the person or kept private.

Managers give feedback on the people under them and peers on each other (same manager on the day);
nobody writes feedback about themselves (that is a self-assessment). Reading goes through the
visibility rules of `access`: a private note never reaches the person it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from attain.app.coaching.access import CoachingScope, Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, CoachingTransaction
from attain.app.coaching.records import FeedbackPoint, FeedbackRecord, NewFeedback
from attain.domain.coaching import Visibility
from attain.domain.errors import InvalidInput, NotFound

# (skill key or None for general, strengths, improvements)
PointInput = tuple[str | None, str, str]


def _may_write_about(tx: CoachingTransaction, scope: CoachingScope, subject_id: int, today: date) -> None:
    if scope.me == subject_id:
        raise InvalidInput(
            "feedback about yourself is a self-assessment", hint="use `attain coaching assess`"
        )
    if scope.manages(subject_id):
        return
    me = scope.me
    if me is not None:
        boss = tx.org.manager_of(subject_id, today)
        if boss is not None and boss == tx.org.manager_of(me, today):
            return  # a peer
    # Out of reach looks the same as absent, so ids cannot be probed.
    raise NotFound(
        f"person {subject_id} not found", hint="only a person's manager or a peer may give them feedback"
    )


def give_feedback(
    store: CoachingStore,
    viewer: Viewer,
    *,
    subject_id: int,
    visibility: str,
    summary: str,
    points: Sequence[PointInput],
    today: date,
    session_id: int | None = None,
) -> FeedbackRecord:
    try:
        shown = Visibility(visibility)
    except ValueError:
        raise InvalidInput(f"'{visibility}' is not a visibility", hint="shared or private") from None
    if not summary.strip() and not any(s.strip() or i.strip() for _, s, i in points):
        raise InvalidInput(
            "the feedback is empty", hint="give a summary or at least one strength or improvement"
        )
    now = datetime.now(UTC)
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        _may_write_about(tx, scope, subject_id, today)
        if session_id is not None:
            session = tx.sessions.get(session_id)
            if session is None or not scope.sees_session(session) or session.rep_id != subject_id:
                raise NotFound(f"coaching session {session_id} not found for person {subject_id}")
        resolved: list[FeedbackPoint] = []
        for key, strengths, improvements in points:
            skill_id = None
            if key:
                skill = tx.skills.by_key(key)
                if skill is None:
                    known = ", ".join(s.key for s in tx.skills.all()) or "none defined yet"
                    raise NotFound(f"skill '{key}' not found", hint=f"known skills: {known}")
                skill_id = skill.id
            resolved.append(FeedbackPoint(skill_id, strengths.strip(), improvements.strip()))
        record = tx.feedback.add(
            NewFeedback(
                subject_id=subject_id,
                author_id=viewer.person_id,
                author_user=viewer.username,
                visibility=shown,
                given_on=today,
                summary=summary.strip(),
                points=tuple(resolved),
                session_id=session_id,
            ),
            at=now,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="feedback",
            entity_id=str(record.id),
            detail={"subject_id": subject_id, "visibility": str(shown), "points": len(resolved)},
        )
    return record


def feedback_about(
    store: CoachingStore, viewer: Viewer, subject_id: int, *, today: date
) -> list[FeedbackRecord]:
    """The feedback about `subject_id` this viewer may read, newest first."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        scope.require_person(subject_id)
        return [f for f in tx.feedback.about([subject_id]) if scope.sees_feedback(f)]


def feedback_visible(store: CoachingStore, viewer: Viewer, *, today: date) -> list[FeedbackRecord]:
    """Every piece of feedback this viewer may read (about anyone in their scope, or written by them)."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        people = scope.visible_people()
        found = tx.feedback.about(None if people is None else sorted(people))
        if people is not None:
            seen = {f.id for f in found}
            found += [f for f in tx.feedback.by_author(viewer.username) if f.id not in seen]
        return [f for f in found if scope.sees_feedback(f)]


def feedback_item(store: CoachingStore, viewer: Viewer, feedback_id: int, *, today: date) -> FeedbackRecord:
    """One piece of feedback, or NotFound when it does not exist or the viewer may not read it."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        found = tx.feedback.get(feedback_id)
        if found is None or not scope.sees_feedback(found):
            raise NotFound(f"feedback {feedback_id} not found")
        return found
