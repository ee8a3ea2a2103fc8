"""Coaching, feedback, skills, training and appraisal vocabulary: kinds, statuses and rating scales.

Pure values and checks; no I/O. The names are the glossary's (CoachingSession, ActionItem, Feedback,
Skill, Course, Enrollment, Review).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from attain.domain.errors import InvalidInput


class SessionKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    DEAL_REVIEW = "deal_review"
    SHADOWING = "shadowing"  # a call or ride-along
    ROLE_PLAY = "role_play"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Visibility(StrEnum):
    """Who may read a piece of feedback besides its author and admins."""

    SHARED = "shared"  # the person it is about sees it
    PRIVATE = "private"  # only the author and admins


class AssessmentSource(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"


class CourseKind(StrEnum):
    COURSE = "course"
    PROGRAMME = "programme"  # a sequence of courses


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class LeaderboardDisplay(StrEnum):
    """How a contest leaderboard shows ranks: every rank, or bands so the bottom is not shamed."""

    RANKS = "ranks"
    BANDS = "bands"


@dataclass(frozen=True, slots=True)
class Scale:
    """A defined rating scale: integer levels from `low` to `high`, each with a label."""

    name: str
    labels: tuple[str, ...]
    low: int = 1

    @property
    def high(self) -> int:
        return self.low + len(self.labels) - 1

    def check(self, level: int, *, where: str) -> int:
        if not self.low <= level <= self.high:
            choices = ", ".join(f"{self.low + i} {label}" for i, label in enumerate(self.labels))
            raise InvalidInput(f"{level} is not on the {self.name} scale", where=where, hint=choices)
        return level

    def label(self, level: int) -> str:
        return self.labels[level - self.low]


SKILL_SCALE = Scale("skill", ("novice", "developing", "proficient", "advanced", "expert"))
RATING_SCALE = Scale(
    "review rating",
    ("needs improvement", "partially meets", "meets expectations", "exceeds", "outstanding"),
)

# Reviews at or above this rating are "top performers"; at or below NEEDS_IMPROVEMENT need help.
TOP_RATING = 4
NEEDS_IMPROVEMENT_RATING = 2


def check_key(key: str, *, what: str) -> str:
    """A machine key: lower-case letters, digits, '_' and '-' (used in URLs, files and the CLI)."""
    cleaned = key.strip().lower()
    if not cleaned or not cleaned.replace("_", "").replace("-", "").isalnum() or len(cleaned) > 64:
        raise InvalidInput(f"'{key}' is not a valid {what} key", hint="use letters, digits, '_' or '-'")
    return cleaned


def check_text(text: str, *, what: str, limit: int = 200) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"the {what} is empty", hint=f"give the {what}")
    if len(cleaned) > limit:
        raise InvalidInput(f"the {what} has {len(cleaned)} characters", hint=f"keep it under {limit}")
    return cleaned


def check_span(start: date, end: date, *, what: str) -> None:
    if end < start:
        raise InvalidInput(f"the {what} ends on {end}, before it starts on {start}", hint="swap the dates")


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """An action item's measurable part: move `metric` from `baseline` to `target` by the due date.

    `baseline` is the metric's value when the item was set, measured over `window_days` before
    `set_on`; progress is measured on the days since `set_on`.
    """

    metric: str
    baseline: Decimal | None
    target: Decimal
    set_on: date
    window_days: int = 90
    segment: str | None = None  # e.g. "MM": the metric on mid-market deals only

    def __post_init__(self) -> None:
        if self.window_days < 7:
            raise InvalidInput(f"a {self.window_days}-day window is too short", hint="use at least 7 days")

    def progress(self, current: Decimal | None) -> Decimal | None:
        """Share of the way from baseline to target covered by `current` (1 is reached); None if unknown."""
        if current is None or self.baseline is None or self.target == self.baseline:
            return None
        return (current - self.baseline) / (self.target - self.baseline)
