"""What the forecast use cases need from storage; `attain.store.forecasts` implements it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from attain.app.ports import AuditRepository, CalendarRepository


@dataclass(frozen=True, slots=True)
class Call:
    """A forecast call in minor units: what will surely close, what could, and the whole pipeline."""

    commit: int
    best_case: int
    pipeline: int

    def __add__(self, other: Call) -> Call:
        return Call(
            self.commit + other.commit, self.best_case + other.best_case, self.pipeline + other.pipeline
        )


ZERO = Call(0, 0, 0)


@dataclass(frozen=True, slots=True)
class Submission:
    period_id: int
    person_id: int
    week: int
    call: Call
    currency: str
    note: str | None
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Override:
    period_id: int
    manager_id: int
    subject_id: int
    week: int
    call: Call
    currency: str
    note: str
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class ReportingLine:
    """A person with an assignment on a day, and who they report to then."""

    person_id: int
    external_id: str
    name: str
    manager_id: int | None


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    scope: str
    method: str
    amount: int


@dataclass(frozen=True, slots=True)
class ErrorRow:
    week: int
    scope: str
    method: str
    forecast: int
    actual: int


class ForecastRepository(Protocol):
    def person_id(self, external_id: str) -> int | None: ...
    def add_submission(self, submission: Submission) -> None: ...
    def add_override(self, override: Override) -> None: ...

    def latest_submissions(self, period_id: int, week: int) -> dict[int, Submission]:
        """Each person's latest submission made in a week up to `week` (later week, then later time)."""
        ...

    def latest_overrides(self, period_id: int, week: int) -> dict[tuple[int, int], Override]:
        """The latest override per (manager, subject) made in a week up to `week`."""
        ...

    def reporting_lines(self, day: date) -> list[ReportingLine]: ...
    def snapshot_weeks(self, period_id: int) -> list[int]: ...

    def save_snapshot(
        self, period_id: int, week: int, rows: Sequence[SnapshotRow], currency: str, at: datetime, by: str
    ) -> int: ...

    def snapshot(self, period_id: int, week: int) -> list[SnapshotRow]: ...
    def record_errors(self, period_id: int, rows: Sequence[ErrorRow], currency: str, at: datetime) -> int: ...
    def errors(self, period_id: int | None = None) -> list[tuple[int, ErrorRow]]:
        """Recorded errors as (period id, row), of one period or all."""
        ...


class ForecastTransaction(Protocol):
    @property
    def calendars(self) -> CalendarRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def forecasts(self) -> ForecastRepository: ...


class ForecastStore(Protocol):
    def transaction(self) -> AbstractContextManager[ForecastTransaction]: ...
