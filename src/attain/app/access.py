"""Who may see whose data: row-level scopes by role, and API tokens (hashed at rest, scoped, revocable).

A rep sees only themself; a manager sees their subtree as of the given day; admin, comp admin,
finance and viewer see everyone (what each role may *do* is decided per route).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from attain.app.ports import Store, TokenInfo, UserInfo
from attain.domain.errors import Forbidden, InvalidInput, NotFound

ORG_WIDE_ROLES = frozenset({"admin", "comp_admin", "finance", "viewer"})
TOKEN_SCOPES = ("read", "write")
TOKEN_PREFIX = "att_"  # noqa: S105 (a marker, not a secret)


@dataclass(frozen=True, slots=True)
class PeopleScope:
    """The people whose figures a user may see: everyone, or exactly `person_ids`."""

    everyone: bool
    person_ids: frozenset[int] = frozenset()

    def allows(self, person_id: int) -> bool:
        return self.everyone or person_id in self.person_ids


def people_scope(store: Store, user: UserInfo, day: date) -> PeopleScope:
    if ORG_WIDE_ROLES & set(user.roles):
        return PeopleScope(everyone=True)
    if user.person_id is None:
        return PeopleScope(everyone=False)
    if "manager" in user.roles:
        with store.transaction() as tx:
            return PeopleScope(False, frozenset(tx.people.subtree(user.person_id, day)))
    return PeopleScope(False, frozenset({user.person_id}))


def check_person_visible(scope: PeopleScope, person_id: int) -> None:
    """Raise NotFound (not Forbidden) so ids outside the scope cannot be probed for existence."""
    if not scope.allows(person_id):
        raise NotFound(f"person {person_id} not found")


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    store: Store, user: UserInfo, name: str, scopes: Sequence[str], *, valid_days: int | None = 90
) -> tuple[TokenInfo, str]:
    """A new API token for `user`; the plain token is returned once and never stored."""
    unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
    if unknown or not scopes:
        raise InvalidInput(
            f"unknown or missing token scopes {unknown}", hint=f"use {', '.join(TOKEN_SCOPES)}"
        )
    if not name.strip():
        raise InvalidInput("a token needs a name", hint="say what it is for, e.g. 'payroll export'")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(days=valid_days) if valid_days else None
    with store.transaction() as tx:
        info = tx.tokens.create(user.id, name.strip(), _digest(plain), scopes, at=now, expires_at=expires)
        tx.audit.record(
            at=now,
            actor=user.username,
            action="create",
            entity="api_token",
            entity_id=str(info.id),
            detail={"name": info.name, "scopes": list(info.scopes)},
        )
    return info, plain


def token_user(store: Store, plain: str) -> tuple[UserInfo, tuple[str, ...]] | None:
    """The active user and scopes behind a presented token, or None if unknown, revoked or expired."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    now = datetime.now(UTC)
    with store.transaction() as tx:
        info = tx.tokens.by_hash(_digest(plain))
        if info is None or info.revoked_at is not None:
            return None
        if info.expires_at is not None and _aware(info.expires_at) <= now:
            return None
        user = tx.users.by_id(info.user_id)
        if user is None or not user.is_active:
            return None
        tx.tokens.touch(info.id, now)
    return user, info.scopes


def revoke_token(store: Store, user: UserInfo, token_id: int) -> None:
    now = datetime.now(UTC)
    with store.transaction() as tx:
        mine = {t.id for t in tx.tokens.for_user(user.id)}
        if token_id not in mine:
            if "admin" not in user.roles:
                raise NotFound(f"token {token_id} not found")
            if tx.tokens.by_id(token_id) is None:
                raise NotFound(f"token {token_id} not found")
        tx.tokens.revoke(token_id, now)
        tx.audit.record(
            at=now, actor=user.username, action="revoke", entity="api_token", entity_id=str(token_id)
        )


def list_tokens(store: Store, user: UserInfo) -> list[TokenInfo]:
    with store.transaction() as tx:
        return tx.tokens.for_user(user.id)


def require_scope(scopes: tuple[str, ...], needed: str) -> None:
    if needed not in scopes:
        raise Forbidden(f"this token lacks the '{needed}' scope")


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
