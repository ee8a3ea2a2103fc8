"""Password rules and role checks for logins."""

from __future__ import annotations

import pytest

from attain.app.users import authenticate, create_user, hash_password, verify_password
from attain.domain.errors import Conflict, InvalidInput
from attain.store.unit_of_work import SqlStore


def test_passwords_are_hashed_with_argon2_and_verified() -> None:
    stored = hash_password("a long enough secret")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long enough secret")
    assert not verify_password(stored, "a long enough secreT")
    assert not verify_password("not-a-hash", "whatever")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 10"):
        hash_password("short")


def test_users_need_known_roles_and_unique_names(sqlite_store: SqlStore) -> None:
    with pytest.raises(InvalidInput, match="unknown or missing roles"):
        create_user(sqlite_store, "x", "long enough pw", ["superuser"])
    create_user(sqlite_store, "Finn", "long enough pw", ["finance"])
    with pytest.raises(Conflict, match="already exists"):
        create_user(sqlite_store, "finn", "long enough pw", ["viewer"])
    user = authenticate(sqlite_store, " FINN ", "long enough pw")
    assert user is not None
    assert user.roles == ("finance",)
    assert authenticate(sqlite_store, "nobody", "long enough pw") is None
