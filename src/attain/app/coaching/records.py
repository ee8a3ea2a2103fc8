"""The values the coaching use cases and their repositories exchange: plain frozen dataclasses.

Person references are row ids of `people`; metrics are keys of the KPI layer's definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class PersonName:
    id: int
    external_id: str
    name: str


@dataclass(frozen=True, slots=True)
class SkillInfo:
    id: int
    key: str
    name: str
    description: str
    metrics: tuple[str, ...]
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    person_id: int
    skill_id: int
    source: str
    assessor_id: int | None
    assessed_on: date
    level: int
    note: str


@dataclass(frozen=True, slots=True)
class NewSession:
    kind: str
    status: str
    held_on: date
    coach_id: int
    rep_id: int
    topic: str
    notes: str = ""
    private_notes: str = ""
    origin: str | None = None
    participants: tuple[int, ...] = ()
    metrics: tuple[str, ...] = ()
    opportunity_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    kind: str
    status: str
    held_on: date
    coach_id: int
    rep_id: int
    topic: str
    notes: str
    private_notes: str
    origin: str | None
    participants: tuple[int, ...]
    metrics: tuple[str, ...]
    opportunity_ids: tuple[int, ...]
    created_by: str


@dataclass(frozen=True, slots=True)
class NewActionItem:
    owner_id: int
    title: str
    due_on: date
    set_on: date
    session_id: int | None = None
    metric: str | None = None
    segment: str | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    window_days: int = 90


@dataclass(frozen=True, slots=True)
class ActionItemRecord:
    id: int
    session_id: int | None
    owner_id: int
    title: str
    due_on: date
    status: str
    metric: str | None
    segment: str | None
    baseline: Decimal | None
    target: Decimal | None
    set_on: date
    window_days: int
    completed_on: date | None
    created_by: str

    def overdue_on(self, day: date) -> bool:
        return self.status == "open" and self.due_on < day


@dataclass(frozen=True, slots=True)
class FeedbackPoint:
    """One skill's part of a piece of feedback (skill None: general)."""

    skill_id: int | None
    strengths: str
    improvements: str


@dataclass(frozen=True, slots=True)
class NewFeedback:
    subject_id: int
    author_id: int | None
    author_user: str
    visibility: str
    given_on: date
    summary: str
    points: tuple[FeedbackPoint, ...]
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    id: int
    subject_id: int
    author_id: int | None
    author_user: str
    session_id: int | None
    visibility: str
    given_on: date
    summary: str
    points: tuple[FeedbackPoint, ...]


@dataclass(frozen=True, slots=True)
class CourseInfo:
    id: int
    external_id: str
    name: str
    kind: str
    provider: str | None
    hours: Decimal | None
    skills: tuple[str, ...]  # skill keys it builds
    courses: tuple[str, ...] = ()  # for a programme: its courses' external ids, in order


@dataclass(frozen=True, slots=True)
class EnrollmentRecord:
    id: int
    person_id: int
    course_id: int
    status: str
    enrolled_on: date | None
    due_on: date | None
    completed_on: date | None
    score: Decimal | None

    def overdue_on(self, day: date) -> bool:
        return self.status == "enrolled" and self.due_on is not None and self.due_on < day


@dataclass(frozen=True, slots=True)
class Certification:
    id: int
    person_id: int
    name: str
    course_id: int | None
    certified_on: date
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class ReviewMetric:
    metric: str
    value: Decimal | None
    team_median: Decimal | None


@dataclass(frozen=True, slots=True)
class NewReview:
    person_id: int
    reviewer_id: int | None
    period_id: int
    snapshot_on: date
    attainment: Decimal | None
    rank: int | None
    rank_of: int | None
    metrics: tuple[ReviewMetric, ...]


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    id: int
    person_id: int
    reviewer_id: int | None
    period_id: int
    period_key: str
    status: str
    snapshot_on: date
    attainment: Decimal | None
    rank: int | None
    rank_of: int | None
    rating: int | None
    comments: str
    next_goals: str
    metrics: tuple[ReviewMetric, ...]
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Prize:
    rank: int
    amount: int  # minor units
    currency: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ContestInfo:
    id: int
    key: str
    name: str
    metric: str
    starts_on: date
    ends_on: date  # inclusive
    team_id: int | None
    display: str
    prizes: tuple[Prize, ...] = ()


@dataclass(frozen=True, slots=True)
class BadgeInfo:
    id: int
    key: str
    name: str
    description: str
    metric: str | None
    threshold: Decimal | None
    period_kind: str | None
    course_id: int | None


@dataclass(frozen=True, slots=True)
class BadgeAward:
    badge_key: str
    badge_name: str
    person_id: int
    period_key: str
    awarded_on: date
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutgoingNotice:
    recipient_id: int
    kind: str
    subject: str
    body: str
    entity: str
    entity_id: str
