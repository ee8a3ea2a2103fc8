"""Repositories for the skills framework and assessments, and for courses, programmes, enrollments and
certifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from attain.app.coaching.records import Assessment, Certification, CourseInfo, EnrollmentRecord, SkillInfo
from attain.store import coaching_models as c
from attain.store import development_models as d


class SqlSkills:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _info(self, row: c.Skill) -> SkillInfo:
        metrics = tuple(
            self._s.scalars(
                select(c.SkillMetric.metric)
                .where(c.SkillMetric.skill_id == row.id)
                .order_by(c.SkillMetric.id)
            )
        )
        return SkillInfo(row.id, row.key, row.name, row.description, metrics, row.is_active)

    def define(self, key: str, name: str, description: str, metrics: Sequence[str]) -> tuple[SkillInfo, bool]:
        row = self._s.scalars(select(c.Skill).where(c.Skill.key == key)).first()
        created = row is None
        if row is None:
            row = c.Skill(key=key, name=name, description=description, is_active=True)
            self._s.add(row)
        else:
            row.name, row.description, row.is_active = name, description, True
        self._s.flush()
        self._s.execute(delete(c.SkillMetric).where(c.SkillMetric.skill_id == row.id))
        self._s.add_all([c.SkillMetric(skill_id=row.id, metric=k) for k in dict.fromkeys(metrics)])
        self._s.flush()
        return self._info(row), created

    def all(self) -> list[SkillInfo]:
        return [self._info(r) for r in self._s.scalars(select(c.Skill).order_by(c.Skill.id))]

    def by_key(self, key: str) -> SkillInfo | None:
        row = self._s.scalars(select(c.Skill).where(c.Skill.key == key)).first()
        return None if row is None else self._info(row)

    def assess(
        self,
        *,
        person_id: int,
        skill_id: int,
        source: str,
        assessor_id: int | None,
        assessed_on: date,
        level: int,
        note: str,
        actor: str,
        at: datetime,
    ) -> Assessment:
        row = c.SkillAssessment(
            person_id=person_id,
            skill_id=skill_id,
            source=source,
            assessor_id=assessor_id,
            assessed_on=assessed_on,
            level=level,
            note=note,
            created_by=actor,
            created_at=at,
        )
        self._s.add(row)
        self._s.flush()
        return Assessment(row.id, person_id, skill_id, source, assessor_id, assessed_on, level, note)

    def assessments(self, person_ids: Sequence[int]) -> list[Assessment]:
        a = c.SkillAssessment
        rows = self._s.scalars(
            select(a)
            .where(a.person_id.in_(sorted(set(person_ids))))
            .order_by(a.person_id, a.skill_id, a.assessed_on, a.id)
        )
        return [
            Assessment(r.id, r.person_id, r.skill_id, r.source, r.assessor_id, r.assessed_on, r.level, r.note)
            for r in rows
        ]


class SqlTraining:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _info(self, row: d.Course) -> CourseInfo:
        skills = tuple(
            self._s.scalars(
                select(c.Skill.key)
                .join(d.CourseSkill, d.CourseSkill.skill_id == c.Skill.id)
                .where(d.CourseSkill.course_id == row.id)
                .order_by(d.CourseSkill.id)
            )
        )
        member = d.Course.__table__.alias("member")
        courses = tuple(
            self._s.scalars(
                select(member.c.external_id)
                .join(d.ProgrammeCourse, d.ProgrammeCourse.course_id == member.c.id)
                .where(d.ProgrammeCourse.programme_id == row.id)
                .order_by(d.ProgrammeCourse.position)
            )
        )
        return CourseInfo(
            row.id, row.external_id, row.name, row.kind, row.provider, row.hours, skills, courses
        )

    def define_course(
        self,
        external_id: str,
        name: str,
        *,
        kind: str,
        provider: str | None,
        hours: Decimal | None,
        skill_ids: Sequence[int],
        course_ids: Sequence[int],
    ) -> tuple[CourseInfo, bool]:
        row = self._s.scalars(select(d.Course).where(d.Course.external_id == external_id)).first()
        created = row is None
        if row is None:
            row = d.Course(external_id=external_id, name=name, kind=kind, provider=provider, hours=hours)
            self._s.add(row)
        else:
            row.name, row.kind, row.provider, row.hours = name, kind, provider, hours
        self._s.flush()
        self._s.execute(delete(d.CourseSkill).where(d.CourseSkill.course_id == row.id))
        self._s.execute(delete(d.ProgrammeCourse).where(d.ProgrammeCourse.programme_id == row.id))
        self._s.add_all([d.CourseSkill(course_id=row.id, skill_id=s) for s in dict.fromkeys(skill_ids)])
        self._s.add_all(
            [
                d.ProgrammeCourse(programme_id=row.id, course_id=cid, position=i)
                for i, cid in enumerate(dict.fromkeys(course_ids), start=1)
            ]
        )
        self._s.flush()
        return self._info(row), created

    def courses(self) -> list[CourseInfo]:
        return [self._info(r) for r in self._s.scalars(select(d.Course).order_by(d.Course.id))]

    def course(self, external_id: str) -> CourseInfo | None:
        row = self._s.scalars(select(d.Course).where(d.Course.external_id == external_id)).first()
        return None if row is None else self._info(row)

    @staticmethod
    def _enrollment(r: d.Enrollment) -> EnrollmentRecord:
        return EnrollmentRecord(
            r.id, r.person_id, r.course_id, r.status, r.enrolled_on, r.due_on, r.completed_on, r.score
        )

    def enroll(
        self, person_id: int, course_id: int, *, enrolled_on: date, due_on: date | None
    ) -> tuple[EnrollmentRecord, bool]:
        e = d.Enrollment
        row = self._s.scalars(select(e).where(e.person_id == person_id, e.course_id == course_id)).first()
        if row is not None:
            return self._enrollment(row), False
        row = e(
            person_id=person_id,
            course_id=course_id,
            status="enrolled",
            enrolled_on=enrolled_on,
            due_on=due_on,
        )
        self._s.add(row)
        self._s.flush()
        return self._enrollment(row), True

    def complete(self, enrollment_id: int, *, completed_on: date, score: Decimal | None) -> None:
        self._s.execute(
            update(d.Enrollment)
            .where(d.Enrollment.id == enrollment_id)
            .values(status="completed", completed_on=completed_on, score=score)
        )
        self._s.expire_all()

    def enrollments(
        self, person_ids: Sequence[int] | None = None, course_id: int | None = None
    ) -> list[EnrollmentRecord]:
        e = d.Enrollment
        query = select(e).order_by(e.person_id, e.id)
        if person_ids is not None:
            query = query.where(e.person_id.in_(sorted(set(person_ids))))
        if course_id is not None:
            query = query.where(e.course_id == course_id)
        return [self._enrollment(r) for r in self._s.scalars(query)]

    def certify(
        self,
        person_id: int,
        name: str,
        *,
        course_id: int | None,
        certified_on: date,
        expires_on: date | None,
        actor: str,
    ) -> Certification:
        x = d.Certification
        row = self._s.scalars(
            select(x).where(x.person_id == person_id, x.name == name, x.certified_on == certified_on)
        ).first()
        if row is None:
            row = x(
                person_id=person_id,
                name=name,
                course_id=course_id,
                certified_on=certified_on,
                expires_on=expires_on,
                created_by=actor,
            )
            self._s.add(row)
        else:
            row.course_id, row.expires_on = course_id, expires_on
        self._s.flush()
        return Certification(row.id, person_id, name, course_id, certified_on, expires_on)

    def certifications(self, person_ids: Sequence[int] | None = None) -> list[Certification]:
        x = d.Certification
        query = select(x).order_by(x.person_id, x.certified_on, x.id)
        if person_ids is not None:
            query = query.where(x.person_id.in_(sorted(set(person_ids))))
        return [
            Certification(r.id, r.person_id, r.name, r.course_id, r.certified_on, r.expires_on)
            for r in self._s.scalars(query)
        ]
