"""Users and sign-in: argon2 password hashing, authentication, and the demo company's login users."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from attain.app.ports import Store, UserInfo
from attain.domain.errors import Conflict, InvalidInput

ROLES = ("admin", "comp_admin", "manager", "rep", "finance", "viewer")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against a dummy hash when the user does not exist keeps the response time the same,
    so timing does not reveal which usernames exist. Made on first use: a hash costs a fraction of a
    second and 64 MiB, which commands that sign nobody in (an import) should not pay at start-up."""
    return _hasher.hash("attain-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password has {len(password)} characters", hint=f"use at least {MIN_PASSWORD_LENGTH}"
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(
    store: Store,
    username: str,
    password: str,
    roles: Sequence[str],
    *,
    email: str | None = None,
    person_id: int | None = None,
    actor: str = "system",
) -> UserInfo:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InvalidInput(f"unknown or missing roles {unknown}", hint=f"choose from {', '.join(ROLES)}")
    name = username.strip().lower()
    if not name or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(f"'{username}' is not a valid username", hint="use letters, digits, '.', '-', '_'")
    password_hash = hash_password(password)
    now = datetime.now(UTC)
    with store.transaction() as tx:
        if tx.users.by_username(name) is not None:
            raise Conflict(f"user '{name}' already exists")
        user = tx.users.create(name, password_hash, roles, email=email, person_id=person_id, at=now)
        tx.audit.record(
            at=now,
            actor=actor,
            action="create",
            entity="user",
            entity_id=str(user.id),
            detail={"username": name, "roles": sorted(roles), "person_id": person_id},
        )
    return user


def authenticate(store: Store, username: str, password: str) -> UserInfo | None:
    """The active user with these credentials, or None (same work done either way)."""
    with store.transaction() as tx:
        found = tx.users.by_username(username.strip().lower())
    if found is None:
        verify_password(_dummy_hash(), password)
        return None
    user, password_hash = found
    if not verify_password(password_hash, password) or not user.is_active:
        return None
    return user


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: str
    person: str | None


def ensure_demo_users(store: Store, *, on: date) -> list[DemoLogin]:
    """Create one login per main role for the demo company, linked to real people of the org.

    Passwords are random per call; the caller prints them. Existing demo users are left alone
    (their passwords are not known any more, so they are not listed).
    """
    with store.transaction() as tx:
        managers = tx.people.with_role_on("manager", on)
        reps = tx.people.with_role_on("rep", on)
        existing = {
            name
            for name in ("admin", "compadmin", "finance", "manager", "rep")
            if tx.users.by_username(name) is not None
        }
    rep = reps[0] if reps else None
    manager = None
    if rep is not None:
        with store.transaction() as tx:
            manager = tx.people.manager_of(rep.id, on)
    manager = manager or (managers[0] if managers else None)
    wanted = [
        ("admin", "admin", None),
        ("compadmin", "comp_admin", None),
        ("finance", "finance", None),
        ("manager", "manager", manager),
        ("rep", "rep", rep),
    ]
    out: list[DemoLogin] = []
    for username, role, person in wanted:
        if username in existing or (role in ("manager", "rep") and person is None):
            continue
        password = secrets.token_urlsafe(12)
        create_user(store, username, password, [role], person_id=person.id if person else None, actor="demo")
        out.append(DemoLogin(username, password, role, person.name if person else None))
    return out
