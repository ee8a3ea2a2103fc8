"""Tables of training and recognition: courses and programmes, enrollments, certifications, reviews with
their frozen metric snapshots, contests with prizes, badges and the notification outbox.

`courses` and `enrollments` are also fact tables (LMS imports), so their columns carry the field names
of `attain.domain.facts` and columns the import does not provide have server defaults or are nullable.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from attain.store.models import Base, Cur, Ext, _fk

Who = String(128)
Value = Numeric(24, 6)


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(Ext, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12), default="course", server_default="course")
    provider: Mapped[str | None] = mapped_column(String(100))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    description: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (CheckConstraint("kind IN ('course', 'programme')", name="kind"),)


class CourseSkill(Base):
    """A skill a course builds: the recommendations pick courses through it."""

    __tablename__ = "course_skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = _fk("courses.id", nullable=False, ondelete="CASCADE")
    skill_id: Mapped[int] = _fk("skills.id", nullable=False, ondelete="CASCADE")
    __table_args__ = (UniqueConstraint("course_id", "skill_id"),)


class ProgrammeCourse(Base):
    __tablename__ = "programme_courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = _fk("courses.id", nullable=False, ondelete="CASCADE")
    course_id: Mapped[int] = _fk("courses.id", nullable=False)
    position: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("programme_id", "course_id"),)


class Enrollment(Base):
    """A person on a course: one row per person and course (an LMS re-import updates it)."""

    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    course_id: Mapped[int] = _fk("courses.id", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="enrolled", server_default="enrolled")
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    __table_args__ = (
        UniqueConstraint("person_id", "course_id"),
        CheckConstraint("status IN ('enrolled', 'completed', 'withdrawn')", name="status"),
    )


class Certification(Base):
    __tablename__ = "certifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    name: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int | None] = _fk("courses.id")
    certified_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(Who)
    __table_args__ = (UniqueConstraint("person_id", "name", "certified_on"),)


# -- appraisals ---------------------------------------------------------------------------------


class Review(Base):
    """A periodic appraisal of one person; the metric snapshot is frozen when the review is created."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    reviewer_id: Mapped[int | None] = _fk("people.id")
    period_id: Mapped[int] = _fk("periods.id", nullable=False)
    status: Mapped[str] = mapped_column(String(8))
    snapshot_on: Mapped[date] = mapped_column(Date)  # the as-of date of the figures
    attainment: Mapped[Decimal | None] = mapped_column(Value)
    rank: Mapped[int | None] = mapped_column(Integer)
    rank_of: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[str] = mapped_column(Text, default="")
    next_goals: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(Who)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("person_id", "period_id"),
        CheckConstraint("status IN ('draft', 'final')", name="status"),
    )


class ReviewMetric(Base):
    __tablename__ = "review_metrics"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = _fk("reviews.id", nullable=False, ondelete="CASCADE")
    metric: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal | None] = mapped_column(Value)
    team_median: Mapped[Decimal | None] = mapped_column(Value)
    __table_args__ = (UniqueConstraint("review_id", "metric"),)


# -- gamification -------------------------------------------------------------------------------


class Contest(Base):
    """A contest on a metric over [starts_on, ends_on] (inclusive) among the reps of a team subtree."""

    __tablename__ = "contests"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    team_id: Mapped[int | None] = _fk("teams.id")
    display: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(Who)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="span"),
        CheckConstraint("display IN ('ranks', 'bands')", name="display"),
    )


class ContestPrize(Base):
    __tablename__ = "contest_prizes"
    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = _fk("contests.id", nullable=False, ondelete="CASCADE")
    rank: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    currency: Mapped[str] = mapped_column(Cur)
    description: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("contest_id", "rank"),)


class Badge(Base):
    """A milestone: a metric reaching a threshold within one period of `period_kind`, or a course done."""

    __tablename__ = "badges"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    metric: Mapped[str | None] = mapped_column(String(64))
    threshold: Mapped[Decimal | None] = mapped_column(Value)
    period_kind: Mapped[str | None] = mapped_column(String(8))
    course_id: Mapped[int | None] = _fk("courses.id")
    __table_args__ = (CheckConstraint("(metric IS NULL) = (threshold IS NULL)", name="metric_threshold"),)


class BadgeAward(Base):
    __tablename__ = "badge_awards"
    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = _fk("badges.id", nullable=False, ondelete="CASCADE")
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    period_key: Mapped[str] = mapped_column(String(16), default="")  # "" for once-only milestones
    awarded_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (UniqueConstraint("badge_id", "person_id", "period_key"),)


class Notification(Base):
    """Outbox: messages for people (an overdue item, a new review); an integration sends and marks them."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = _fk("people.id", nullable=False)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    __table_args__ = (UniqueConstraint("recipient_id", "kind", "entity", "entity_id"),)
