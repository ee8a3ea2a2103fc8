"""What the run, close, ledger, statement and inquiry use cases need from storage (`attain.store` has it).

A `PayTransaction` groups the repositories over one database transaction: a run's results, the switch of
the current pointer and the audit entry are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from attain.analytics.ports import FactReader
from attain.app.forecasts.ports import ForecastRepository
from attain.app.ports import AuditRepository, CalendarRepository
from attain.engine.inputs import (
    CreditSplit,
    ExchangeRate,
    ManagerLink,
    OrderRow,
    PersonRow,
    QuotaRow,
)
from attain.engine.results import MeasureResult


@dataclass(frozen=True, slots=True)
class PlanVersionRecord:
    id: int
    key: str
    name: str
    version: int
    document: str
    checksum: str

    @property
    def label(self) -> str:
        return f"{self.key}@{self.version}"


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    person_id: int
    person: str  # external id
    plan_version_id: int
    plan_key: str
    version: int
    target_incentive: int  # minor units of `currency`, for the plan year
    currency: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class OpportunityRecord:
    """An opportunity as a what-if reads it: what a won order of it would carry (ids are external ids)."""

    external_id: str
    name: str | None
    owner: str
    owner_name: str
    owner_id: int  # the owner's row id (whose reach the opportunity is in)
    account: str | None
    segment: str | None
    product: str | None
    product_family: str | None
    stage: str
    status: str  # open, won or lost
    amount: int | None  # minor units of `currency`
    currency: str | None
    created_on: date | None
    close_on: date | None  # expected close while open


@dataclass(frozen=True, slots=True)
class LineRecord:
    seq: int
    section: str  # earning or payout
    component: str
    kind: str
    amount: int
    order_ref: str | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PayeeRecord:
    """One person on one plan in a period, as a run stored it."""

    person_id: int
    person: str
    name: str
    period_key: str
    plan_key: str
    plan_version_id: int | None
    currency: str
    proration: Decimal
    target_incentive: int
    earnings: int
    payout: int
    balance: int
    measures: tuple[MeasureResult, ...] = ()
    lines: tuple[LineRecord, ...] = ()
    run_id: int = 0


@dataclass(frozen=True, slots=True)
class NewRun:
    period_id: int
    period_key: str
    purpose: str  # run
    scope: list[str] | None
    plan_versions: dict[str, str]
    as_of: date
    engine: str
    status: str  # succeeded or failed
    fingerprint: str
    inputs: dict[str, str]
    reconciled: dict[str, str]
    results_hash: str
    payees: int
    total: int
    error: str | None
    started_at: datetime
    finished_at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    period_id: int
    period_key: str
    scope: list[str] | None
    plan_versions: dict[str, str]
    as_of: date
    engine: str
    status: str
    fingerprint: str
    inputs: dict[str, str]
    reconciled: dict[str, str]
    results_hash: str
    payees: int
    total: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    actor: str


@dataclass(frozen=True, slots=True)
class NewLedgerEntry:
    person_id: int
    period_id: int
    plan_key: str
    kind: str
    amount: int
    currency: str
    component: str | None = None
    refers_period_id: int | None = None
    run_id: int | None = None
    reverses_id: int | None = None
    reason: str | None = None
    approver: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    id: int
    person_id: int
    person: str
    period_key: str
    plan_key: str
    kind: str
    component: str | None
    amount: int
    currency: str
    refers_period_key: str | None
    run_id: int | None
    reverses_id: int | None
    reason: str | None
    approver: str | None
    detail: dict[str, Any]
    posted_at: datetime
    posted_by: str


@dataclass(frozen=True, slots=True)
class InquiryRecord:
    id: int
    person_id: int
    person: str
    period_key: str
    line: dict[str, Any]
    question: str
    status: str
    raised_by: str
    raised_at: datetime
    adjustment_id: int | None
    history: tuple[tuple[datetime, str, str, str], ...]  # at, actor, action, text


class PayInputReader(Protocol):
    """The facts a calculation reads, as the engine's plain rows (ids are external ids)."""

    def people(self) -> list[PersonRow]: ...
    def person_ids(self) -> dict[str, int]: ...
    def managers(self) -> list[ManagerLink]: ...
    def orders(self, start: date, end: date) -> list[OrderRow]:
        """Orders with a booking, invoice or payment date in [start, end), and the originals they undo."""
        ...

    def splits(self, start: date, end: date) -> list[CreditSplit]: ...
    def quotas(self, period_keys: Sequence[str]) -> list[QuotaRow]:
        """Quota goals of people, and of teams as the quota of the team's manager on the period's start."""
        ...

    def rates(self, until: date) -> list[ExchangeRate]: ...
    def assignments(self, start: date, end: date) -> list[AssignmentRecord]: ...
    def plan_versions(self, ids: Sequence[int]) -> list[PlanVersionRecord]: ...
    def cost_centres(self, person_ids: Sequence[int], day: date) -> dict[int, str]: ...
    def role_spans(self, roles: Sequence[str]) -> list[tuple[str, str, date, date | None]]:
        """(person external id, role, valid_from, valid_to) of every assignment with one of `roles`."""
        ...

    def opportunity(self, external_id: str) -> OpportunityRecord | None: ...
    def open_opportunities(self, owner: str) -> list[OpportunityRecord]:
        """The open opportunities `owner` (an external id) owns, by expected close date."""
        ...


class PlanBook(Protocol):
    def latest(self, key: str) -> PlanVersionRecord | None: ...
    def version(self, key: str, version: int) -> PlanVersionRecord | None: ...
    def save(self, key: str, name: str, document: str, *, actor: str, at: datetime) -> int: ...
    def assign(
        self,
        person_id: int,
        plan_version_id: int,
        target_incentive: int,
        currency: str,
        valid_from: date,
        valid_to: date | None,
    ) -> None: ...


class RunRepository(Protocol):
    def add(self, run: NewRun) -> int: ...
    def add_payees(self, run_id: int, period_id: int, payees: Sequence[PayeeRecord]) -> None: ...
    def make_current(self, run_id: int, period_id: int, person_ids: Sequence[int] | None) -> None:
        """The run's payee rows become current; the replaced rows (of `person_ids`, or all) do not."""
        ...

    def get(self, run_id: int) -> RunInfo | None: ...
    def listing(self, period_id: int | None = None) -> list[RunInfo]: ...
    def payees(
        self, *, run_id: int | None = None, period_ids: Sequence[int] = (), person_ids: Sequence[int] = ()
    ) -> list[PayeeRecord]:
        """Payee rows with measures and lines: a run's, or the current ones of the periods (and people)."""
        ...


class LedgerRepository(Protocol):
    """Append-only: there is no update and no delete."""

    def append(self, entries: Sequence[NewLedgerEntry], *, actor: str, at: datetime) -> list[int]: ...
    def entries(
        self,
        *,
        person_ids: Sequence[int] = (),
        period_ids: Sequence[int] = (),
        refers_period_ids: Sequence[int] = (),
        kinds: Sequence[str] = (),
    ) -> list[LedgerRecord]: ...


class InquiryRepository(Protocol):
    def raise_(
        self, person_id: int, period_id: int, line: dict[str, Any], question: str, *, actor: str, at: datetime
    ) -> int: ...
    def get(self, inquiry_id: int) -> InquiryRecord | None: ...
    def listing(
        self, person_ids: Sequence[int] | None = None, status: str | None = None
    ) -> list[InquiryRecord]: ...
    def record(
        self, inquiry_id: int, action: str, text: str, status: str, *, actor: str, at: datetime
    ) -> None: ...
    def link_adjustment(self, inquiry_id: int, entry_id: int) -> None: ...


class PayTransaction(Protocol):
    @property
    def calendars(self) -> CalendarRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def pay_inputs(self) -> PayInputReader: ...
    @property
    def plan_book(self) -> PlanBook: ...
    @property
    def runs(self) -> RunRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def inquiries(self) -> InquiryRepository: ...
    @property
    def fact_reader(self) -> FactReader: ...
    @property
    def forecasts(self) -> ForecastRepository: ...


class PayStore(Protocol):
    def transaction(self) -> AbstractContextManager[PayTransaction]: ...
