"""Ports the use cases need from storage; `attain.store` implements them.

A `Store` opens `Transaction`s; a transaction groups repositories that all write in one database
transaction, so a failed use case leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from attain.domain.calendar import FiscalCalendar, Period

if TYPE_CHECKING:
    from attain.app.imports.ports import FactWriter


@dataclass(frozen=True, slots=True)
class CalendarInfo:
    id: int
    name: str
    start_month: int
    currency: str

    @property
    def fiscal(self) -> FiscalCalendar:
        return FiscalCalendar(self.start_month)


@dataclass(frozen=True, slots=True)
class StoredPeriod:
    id: int
    period: Period
    status: str


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    roles: tuple[str, ...]
    person_id: int | None
    is_active: bool


class CalendarRepository(Protocol):
    def default(self) -> CalendarInfo | None: ...
    def create(self, name: str, start_month: int, currency: str) -> CalendarInfo: ...
    def add_periods(self, calendar_id: int, periods: Sequence[Period]) -> int: ...
    def periods(self, calendar_id: int, kind: str | None = None) -> list[StoredPeriod]: ...
    def set_status(self, period_id: int, status: str, actor: str, at: datetime) -> None: ...


class AuditRepository(Protocol):
    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...
    def recent(self, limit: int = 50) -> list[dict[str, Any]]: ...
    def latest_id(self, *, ignoring: Collection[str] = ()) -> int:
        """The newest entry's id: every write is audited, so it versions the data; entries of the entities
        in `ignoring` do not count."""
        ...


class UserRepository(Protocol):
    def create(
        self,
        username: str,
        password_hash: str,
        roles: Sequence[str],
        *,
        email: str | None,
        person_id: int | None,
        at: datetime,
    ) -> UserInfo: ...
    def by_username(self, username: str) -> tuple[UserInfo, str] | None: ...
    def by_id(self, user_id: int) -> UserInfo | None: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...


class CountsRepository(Protocol):
    def table_counts(self) -> dict[str, int]: ...


class Transaction(Protocol):
    # Read-only members, so implementations may return their concrete repository types.
    @property
    def calendars(self) -> CalendarRepository: ...
    @property
    def people(self) -> PeopleRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def counts(self) -> CountsRepository: ...
    @property
    def facts(self) -> FactWriter: ...
    @property
    def tokens(self) -> TokenRepository: ...


class Store(Protocol):
    @property
    def dialect(self) -> str: ...
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def upgrade(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    external_id: str
    name: str
    role: str


class PeopleRepository(Protocol):
    def with_role_on(self, role: str, day: date) -> list[PersonRef]:
        """People whose assignment on `day` has `role`, ordered by name."""
        ...

    def manager_of(self, person_id: int, day: date) -> PersonRef | None:
        """Who was this person's manager on `day` (from the effective-dated assignments)."""
        ...

    def listing(self, day: date, ids: set[int] | None = None) -> list[dict[str, Any]]:
        """People with their assignment on `day`: id, external_id, name, email, hired_on, left_on,
        role, team, manager, manager_id; only `ids` when given."""
        ...

    def subtree(self, person_id: int, day: date) -> set[int]:
        """The person and everyone reporting to them, directly or not, on `day`."""
        ...


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user_id: int
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenRepository(Protocol):
    def create(
        self,
        user_id: int,
        name: str,
        token_hash: str,
        scopes: Sequence[str],
        *,
        at: datetime,
        expires_at: datetime | None,
    ) -> TokenInfo: ...
    def by_hash(self, token_hash: str) -> TokenInfo | None: ...
    def by_id(self, token_id: int) -> TokenInfo | None: ...
    def for_user(self, user_id: int) -> list[TokenInfo]: ...
    def revoke(self, token_id: int, at: datetime) -> None: ...
    def touch(self, token_id: int, at: datetime) -> None: ...
