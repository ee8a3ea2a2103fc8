"""Tables of the coaching loop: skills and the metrics they drive, assessments, coaching sessions with
their links and action items, and structured feedback. Registered on `models.Base`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from attain.store.models import Base, _fk

Metric = String(64)
Who = String(128)  # a username: who did it
Value = Numeric(24, 6)  # a metric value: a ratio, a count, days or minor units


# -- skills -------------------------------------------------------------------------------------


class Skill(Base):
    __tablename__ = "skills"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class SkillMetric(Base):
    """A metric that a skill drives: the skill-gap view and the recommendations join on it."""

    __tablename__ = "skill_metrics"
    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = _fk("skills.id", nullable=False, ondelete="CASCADE")
    metric: Mapped[str] = mapped_column(Metric)
    __table_args__ = (UniqueConstraint("skill_id", "metric"),)


class SkillAssessment(Base):
    __tablename__ = "skill_assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    skill_id: Mapped[int] = _fk("skills.id", nullable=False)
    source: Mapped[str] = mapped_column(String(8))
    assessor_id: Mapped[int | None] = _fk("people.id")
    assessed_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(Who)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("source IN ('self', 'manager', 'peer')", name="source"),
        Index("ix_skill_assessments_person_skill", "person_id", "skill_id", "assessed_on"),
    )


# -- coaching sessions and action items ---------------------------------------------------------


class CoachingSession(Base):
    """A one-to-one, deal review, shadowing or role-play between a coach and the rep coached.

    `notes` are shared with the rep; `private_notes` are seen only by the coach and admins.
    """

    __tablename__ = "coaching_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    coach_id: Mapped[int] = _fk("people.id", nullable=False)
    rep_id: Mapped[int] = _fk("people.id", nullable=False)
    topic: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str | None] = mapped_column(Text)  # e.g. the recommendation it was scheduled from
    created_by: Mapped[str] = mapped_column(Who)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("kind IN ('one_to_one', 'deal_review', 'shadowing', 'role_play')", name="kind"),
        CheckConstraint("status IN ('planned', 'held', 'cancelled')", name="status"),
    )


class CoachingParticipant(Base):
    """Anyone besides the coach and the rep: a peer in a role-play, the colleague shadowed."""

    __tablename__ = "coaching_participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = _fk("coaching_sessions.id", nullable=False, ondelete="CASCADE")
    person_id: Mapped[int] = _fk("people.id", nullable=False)
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)


class CoachingLink(Base):
    """A metric or an opportunity discussed in a session (exactly one of the two)."""

    __tablename__ = "coaching_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = _fk("coaching_sessions.id", nullable=False, ondelete="CASCADE")
    metric: Mapped[str | None] = mapped_column(Metric)
    opportunity_id: Mapped[int | None] = _fk("opportunities.id")
    __table_args__ = (CheckConstraint("(metric IS NULL) <> (opportunity_id IS NULL)", name="one_target"),)


class ActionItem(Base):
    """Something the owner will do by `due_on`; optionally moving a metric from baseline to target."""

    __tablename__ = "action_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = _fk("coaching_sessions.id", ondelete="CASCADE")
    owner_id: Mapped[int] = _fk("people.id", nullable=False)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(8))
    metric: Mapped[str | None] = mapped_column(Metric)
    segment: Mapped[str | None] = mapped_column(String(32))
    baseline: Mapped[Decimal | None] = mapped_column(Value)
    target: Mapped[Decimal | None] = mapped_column(Value)
    set_on: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer, default=90)
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(Who)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'dropped')", name="status"),
        CheckConstraint("metric IS NOT NULL OR target IS NULL", name="target_needs_metric"),
    )


# -- feedback -----------------------------------------------------------------------------------


class Feedback(Base):
    """Feedback about `subject_id`; `visibility` shared (the subject reads it) or private."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = _fk("people.id", nullable=False)
    author_id: Mapped[int | None] = _fk("people.id")
    author_user: Mapped[str] = mapped_column(Who)
    session_id: Mapped[int | None] = _fk("coaching_sessions.id", ondelete="SET NULL")
    visibility: Mapped[str] = mapped_column(String(8))
    given_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("visibility IN ('shared', 'private')", name="visibility"),)


class FeedbackItem(Base):
    """One skill's part of a piece of feedback: what is strong and what to improve."""

    __tablename__ = "feedback_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = _fk("feedback.id", nullable=False, ondelete="CASCADE")
    skill_id: Mapped[int | None] = _fk("skills.id")
    strengths: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
