"""Training and development: courses and programmes (with the skills they build), enrollments, due
dates, completions and scores, certifications with expiry.

Managers enroll the people under them; people may enroll themselves. The LMS import lives in `lms`
and the before/after effect view in `effect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import CoachingScope, Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, CoachingTransaction
from attain.app.coaching.records import Certification, CourseInfo, EnrollmentRecord, PersonName
from attain.domain.coaching import CourseKind, check_key, check_text
from attain.domain.errors import Forbidden, InvalidInput, NotFound


def _now() -> datetime:
    return datetime.now(UTC)


def _course(tx: CoachingTransaction, key: str) -> CourseInfo:
    found = tx.training.course(key)
    if found is None:
        known = ", ".join(c.external_id for c in tx.training.courses()[:20]) or "none defined yet"
        raise NotFound(f"course '{key}' not found", hint=f"known courses: {known}")
    return found


def define_course(
    store: CoachingStore,
    viewer: Viewer,
    *,
    key: str,
    name: str,
    kind: str = CourseKind.COURSE,
    provider: str | None = None,
    hours: Decimal | None = None,
    skills: Sequence[str] = (),
    courses: Sequence[str] = (),
) -> CourseInfo:
    """Create or update a course, or a programme made of `courses` (admins only)."""
    if not viewer.is_admin:
        raise Forbidden("only an admin defines courses")
    try:
        chosen = CourseKind(kind)
    except ValueError:
        raise InvalidInput(f"'{kind}' is not a course kind", hint="course or programme") from None
    if courses and chosen is not CourseKind.PROGRAMME:
        raise InvalidInput("only a programme is made of courses", hint="use --kind programme")
    clean = key.strip()
    check_key(clean.replace(".", "-"), what="course")
    now = _now()
    with store.transaction() as tx:
        skill_ids = []
        for skill_key in skills:
            skill = tx.skills.by_key(skill_key)
            if skill is None:
                raise NotFound(
                    f"skill '{skill_key}' not found", hint="define it first with `attain coaching skill`"
                )
            skill_ids.append(skill.id)
        member_ids = [_course(tx, c).id for c in courses]
        info, created = tx.training.define_course(
            clean,
            check_text(name, what="course name"),
            kind=chosen,
            provider=provider,
            hours=hours,
            skill_ids=skill_ids,
            course_ids=member_ids,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create" if created else "update",
            entity="course",
            entity_id=clean,
            detail={"name": info.name, "kind": str(chosen), "skills": list(skills), "courses": list(courses)},
        )
    return info


def list_courses(store: CoachingStore) -> list[CourseInfo]:
    with store.transaction() as tx:
        return tx.training.courses()


def _may_enroll(scope: CoachingScope, person_id: int) -> None:
    scope.require_person(person_id)
    if person_id != scope.me:
        scope.require_coach_of(person_id)


def enroll(
    store: CoachingStore,
    viewer: Viewer,
    *,
    person_id: int,
    course: str,
    today: date,
    due_on: date | None = None,
) -> EnrollmentRecord:
    """Enroll a person on a course, or on every course of a programme (the programme row included)."""
    if due_on is not None and due_on < today:
        raise InvalidInput(f"the due date {due_on} is in the past", hint="give a date from today on")
    now = _now()
    with store.transaction() as tx:
        _may_enroll(coaching_scope(tx, viewer, today), person_id)
        found = _course(tx, course)
        record, created = tx.training.enroll(person_id, found.id, enrolled_on=today, due_on=due_on)
        for member in found.courses:
            tx.training.enroll(person_id, _course(tx, member).id, enrolled_on=today, due_on=due_on)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create" if created else "keep",
            entity="enrollment",
            entity_id=str(record.id),
            detail={
                "person_id": person_id,
                "course": course,
                "due_on": due_on.isoformat() if due_on else None,
            },
        )
    return record


def complete(
    store: CoachingStore,
    viewer: Viewer,
    *,
    person_id: int,
    course: str,
    completed_on: date,
    today: date,
    score: Decimal | None = None,
) -> EnrollmentRecord:
    """Record a completion (entered by hand; LMS files go through `lms.import_completions`)."""
    if completed_on > today:
        raise InvalidInput(f"the completion date {completed_on} is in the future")
    now = _now()
    with store.transaction() as tx:
        _may_enroll(coaching_scope(tx, viewer, today), person_id)
        found = _course(tx, course)
        record, _ = tx.training.enroll(person_id, found.id, enrolled_on=completed_on, due_on=None)
        tx.training.complete(record.id, completed_on=completed_on, score=score)
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="complete",
            entity="enrollment",
            entity_id=str(record.id),
            detail={
                "person_id": person_id,
                "course": course,
                "completed_on": completed_on.isoformat(),
                "score": str(score) if score is not None else None,
            },
        )
        done = tx.training.enrollments([person_id], found.id)
    return done[0]


def certify(
    store: CoachingStore,
    viewer: Viewer,
    *,
    person_id: int,
    name: str,
    certified_on: date,
    today: date,
    expires_on: date | None = None,
    course: str | None = None,
) -> Certification:
    if expires_on is not None and expires_on <= certified_on:
        raise InvalidInput(f"the certification expires on {expires_on}, not after {certified_on}")
    now = _now()
    with store.transaction() as tx:
        coaching_scope(tx, viewer, today).require_coach_of(person_id)
        course_id = _course(tx, course).id if course else None
        record = tx.training.certify(
            person_id,
            check_text(name, what="certification"),
            course_id=course_id,
            certified_on=certified_on,
            expires_on=expires_on,
            actor=viewer.username,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="certification",
            entity_id=str(record.id),
            detail={
                "person_id": person_id,
                "name": record.name,
                "expires_on": expires_on.isoformat() if expires_on else None,
            },
        )
    return record


@dataclass(frozen=True, slots=True)
class TrainingLine:
    person: PersonName
    course: CourseInfo
    enrollment: EnrollmentRecord
    overdue: bool


@dataclass(frozen=True, slots=True)
class CertificationLine:
    person: PersonName
    certification: Certification
    days_left: int | None  # None: does not expire; negative: expired


def training_of(
    store: CoachingStore,
    viewer: Viewer,
    *,
    today: date,
    person_id: int | None = None,
) -> list[TrainingLine]:
    """Enrollments of one person, or of everyone the viewer may see."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        if person_id is not None:
            scope.require_person(person_id)
        visible = scope.visible_people()
        people = [person_id] if person_id is not None else (None if visible is None else sorted(visible))
        enrollments = tx.training.enrollments(people)
        courses = {c.id: c for c in tx.training.courses()}
        names = tx.org.names([e.person_id for e in enrollments])
    return [
        TrainingLine(names[e.person_id], courses[e.course_id], e, e.overdue_on(today)) for e in enrollments
    ]


def certifications_expiring(
    store: CoachingStore,
    viewer: Viewer,
    *,
    today: date,
    within_days: int = 60,
) -> list[CertificationLine]:
    """Certifications of the viewer's people that expire within `within_days` (or already have)."""
    horizon = today + timedelta(days=within_days)
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        visible = scope.visible_people()
        certs = tx.training.certifications(None if visible is None else sorted(visible))
        names = tx.org.names([c.person_id for c in certs])
    lines = [
        CertificationLine(names[c.person_id], c, (c.expires_on - today).days)
        for c in certs
        if c.expires_on is not None and c.expires_on <= horizon
    ]
    return sorted(lines, key=lambda x: (x.days_left or 0, x.person.name))
