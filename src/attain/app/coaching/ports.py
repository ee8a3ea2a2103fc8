"""What the coaching use cases need: repositories (implemented by `attain.store`) and the KPI layer's
figures (`KpiSource`, implemented over `attain.analytics` by the edges). This module imports neither.

A `CoachingTransaction` groups the repositories over one database transaction, so a use case that
fails leaves nothing behind; every write is recorded in the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from attain.app.coaching.records import (
    ActionItemRecord,
    Assessment,
    BadgeAward,
    BadgeInfo,
    Certification,
    ContestInfo,
    CourseInfo,
    EnrollmentRecord,
    FeedbackRecord,
    NewActionItem,
    NewFeedback,
    NewReview,
    NewSession,
    OutgoingNotice,
    PersonName,
    Prize,
    ReviewRecord,
    SessionRecord,
    SkillInfo,
)
from attain.app.ports import AuditRepository, StoredPeriod

# -- the KPI layer, as coaching sees it ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetricLabel:
    key: str
    name: str
    unit: str  # money, count, ratio, days, months
    higher_is_better: bool


@dataclass(frozen=True, slots=True)
class PaceRecord:
    """A person's goal pace in a period, as the KPI layer computes it."""

    person_id: int
    period_key: str
    status: str | None  # on_track, at_risk, off_track; None when there is no goal to pace
    attainment: Decimal | None  # actual to date / target
    projected_attainment: Decimal | None


@dataclass(frozen=True, slots=True)
class DriverRecord:
    """One driver metric of a person's pace against their team's median and their own history, as
    the KPI layer ranks it: `lag` is how far the value falls short (0.25 = 25 % worse; negative is
    better), `rank` 1 lags most. Sums and counts are full-period equivalents (`pace_adjusted`)."""

    metric: str
    value: Decimal | None
    team_median: Decimal | None
    own_history: Decimal | None
    lag_vs_team: Decimal | None
    lag_vs_own: Decimal | None
    lag: Decimal | None
    rank: int | None
    pace_adjusted: bool = False


@dataclass(frozen=True, slots=True)
class RankRecord:
    person_id: int
    value: Decimal | None
    rank: int | None  # None when the value is null (not ranked)


class KpiSource(Protocol):
    """Figures from the KPI layer; every method takes the as-of date it must answer for."""

    def describe(self, metric: str) -> MetricLabel: ...

    def values(
        self,
        metrics: Sequence[str],
        person_ids: Sequence[int],
        start: date,
        end: date,
        *,
        as_of: date,
        segment: str | None = None,
    ) -> dict[int, dict[str, Decimal | None]]:
        """Each person's metrics over [start, end) (optionally on one account segment's deals only)."""
        ...

    def pace(self, person_ids: Sequence[int], period_key: str, *, as_of: date) -> list[PaceRecord]: ...

    def drivers(self, person_id: int, period_key: str, *, as_of: date) -> list[DriverRecord]:
        """The driver metrics of the person's pace, ranked (most lagging first)."""
        ...

    def ranking(
        self, metric: str, person_ids: Sequence[int], start: date, end: date, *, as_of: date
    ) -> list[RankRecord]:
        """The people ranked on `metric` over [start, end), best first, ties sharing a rank."""
        ...

    def current_period(self, kind: str, day: date) -> StoredPeriod | None: ...


# -- repositories -------------------------------------------------------------------------------


class OrgReader(Protocol):
    def names(self, ids: Sequence[int]) -> dict[int, PersonName]: ...
    def by_external_id(self, external_id: str) -> PersonName | None: ...
    def reports_of(self, manager_id: int, day: date) -> set[int]:
        """Everyone under `manager_id` on `day`, directly or not (not the manager)."""
        ...

    def manager_of(self, person_id: int, day: date) -> int | None: ...
    def with_role(self, role: str, day: date) -> list[int]: ...
    def team_members(self, team_id: int, day: date) -> set[int]:
        """People in the team or any team nested in it on `day`."""
        ...

    def opportunity_ids(self, external_ids: Sequence[str]) -> dict[str, int]: ...
    def team_id(self, external_id: str) -> int | None: ...
    def plan_documents(self, person_id: int, day: date) -> list[str]:
        """The plan version documents assigned to the person on `day`."""
        ...

    def period(self, key: str) -> StoredPeriod | None: ...
    def periods_of_kind(self, kind: str) -> list[StoredPeriod]: ...


class SessionRepository(Protocol):
    def add(self, new: NewSession, *, actor: str, at: datetime) -> SessionRecord: ...
    def get(self, session_id: int) -> SessionRecord | None: ...
    def update(self, session_id: int, *, at: datetime, **changes: Any) -> SessionRecord: ...
    def for_people(self, person_ids: Sequence[int] | None, *, limit: int = 200) -> list[SessionRecord]:
        """Sessions whose rep, coach or a participant is one of `person_ids` (all when None)."""
        ...


class ActionItemRepository(Protocol):
    def add(self, new: NewActionItem, *, actor: str, at: datetime) -> ActionItemRecord: ...
    def get(self, item_id: int) -> ActionItemRecord | None: ...
    def set_status(self, item_id: int, status: str, completed_on: date | None, at: datetime) -> None: ...
    def for_owners(
        self, owner_ids: Sequence[int] | None, *, statuses: Sequence[str] | None = None
    ) -> list[ActionItemRecord]: ...
    def for_session(self, session_id: int) -> list[ActionItemRecord]: ...


class FeedbackRepository(Protocol):
    def add(self, new: NewFeedback, *, at: datetime) -> FeedbackRecord: ...
    def get(self, feedback_id: int) -> FeedbackRecord | None: ...
    def about(self, subject_ids: Sequence[int] | None) -> list[FeedbackRecord]: ...
    def by_author(self, username: str) -> list[FeedbackRecord]: ...


class SkillRepository(Protocol):
    def define(self, key: str, name: str, description: str, metrics: Sequence[str]) -> tuple[SkillInfo, bool]:
        """Create or update a skill (by key) and set the metrics it drives; True when created."""
        ...

    def all(self) -> list[SkillInfo]: ...
    def by_key(self, key: str) -> SkillInfo | None: ...
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
    ) -> Assessment: ...
    def assessments(self, person_ids: Sequence[int]) -> list[Assessment]: ...


class TrainingRepository(Protocol):
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
    ) -> tuple[CourseInfo, bool]: ...
    def courses(self) -> list[CourseInfo]: ...
    def course(self, external_id: str) -> CourseInfo | None: ...
    def enroll(
        self, person_id: int, course_id: int, *, enrolled_on: date, due_on: date | None
    ) -> tuple[EnrollmentRecord, bool]: ...
    def complete(self, enrollment_id: int, *, completed_on: date, score: Decimal | None) -> None: ...
    def enrollments(
        self, person_ids: Sequence[int] | None = None, course_id: int | None = None
    ) -> list[EnrollmentRecord]: ...
    def certify(
        self,
        person_id: int,
        name: str,
        *,
        course_id: int | None,
        certified_on: date,
        expires_on: date | None,
        actor: str,
    ) -> Certification: ...
    def certifications(self, person_ids: Sequence[int] | None = None) -> list[Certification]: ...


class ReviewRepository(Protocol):
    def add(self, new: NewReview, *, actor: str, at: datetime) -> ReviewRecord: ...
    def get(self, review_id: int) -> ReviewRecord | None: ...
    def find(self, person_id: int, period_id: int) -> ReviewRecord | None: ...
    def for_period(self, period_id: int, person_ids: Sequence[int] | None) -> list[ReviewRecord]: ...
    def for_people(self, person_ids: Sequence[int]) -> list[ReviewRecord]: ...
    def rate(
        self, review_id: int, *, rating: int | None, comments: str, next_goals: str, final_at: datetime | None
    ) -> ReviewRecord: ...


class RecognitionRepository(Protocol):
    def add_contest(
        self,
        *,
        key: str,
        name: str,
        metric: str,
        starts_on: date,
        ends_on: date,
        team_id: int | None,
        display: str,
        prizes: Sequence[Prize],
        actor: str,
        at: datetime,
    ) -> ContestInfo: ...
    def contest(self, key: str) -> ContestInfo | None: ...
    def contests(self) -> list[ContestInfo]: ...
    def define_badge(
        self,
        *,
        key: str,
        name: str,
        description: str,
        metric: str | None,
        threshold: Decimal | None,
        period_kind: str | None,
        course_id: int | None,
    ) -> tuple[BadgeInfo, bool]: ...
    def badges(self) -> list[BadgeInfo]: ...
    def award(
        self, badge_id: int, person_id: int, period_key: str, on: date, evidence: dict[str, Any]
    ) -> bool:
        """Record the award unless the person already holds it for that period; True when new."""
        ...

    def awards(self, person_ids: Sequence[int] | None = None) -> list[BadgeAward]: ...
    def notify(self, notice: OutgoingNotice, at: datetime) -> bool:
        """Queue a notification unless the same one is queued already; True when new."""
        ...

    def pending_notices(self) -> list[tuple[int, OutgoingNotice]]: ...
    def mark_sent(self, notice_ids: Sequence[int], at: datetime) -> None: ...


class CoachingTransaction(Protocol):
    @property
    def org(self) -> OrgReader: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def action_items(self) -> ActionItemRepository: ...
    @property
    def feedback(self) -> FeedbackRepository: ...
    @property
    def skills(self) -> SkillRepository: ...
    @property
    def training(self) -> TrainingRepository: ...
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def recognition(self) -> RecognitionRepository: ...
    @property
    def audit(self) -> AuditRepository: ...


class CoachingStore(Protocol):
    def transaction(self) -> AbstractContextManager[CoachingTransaction]:
        """One all-or-nothing unit over the coaching repositories."""
        ...
