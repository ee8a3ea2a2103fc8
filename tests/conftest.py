"""Shared fixtures: a fresh store per test on SQLite and (when reachable) PostgreSQL, and the shared data.

On PostgreSQL the test run creates a database of its own, gives every test a schema of its own
inside it, and drops the database at the end. Set ATTAIN_TEST_POSTGRES_URL to the server's URL;
where it is unset or unreachable the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest

import attain.app.users as users
from attain.store.testing import PostgresSandbox, postgres_unavailable_reason
from attain.store.unit_of_work import SqlStore, open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared_dataset(name: str) -> Path:
    """The path of a dataset in ../shared/data, or skip the test saying where it was looked for."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"shared dataset not found at {path} (it lives beside the repository, never inside)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2's cheapest profile in tests: the same code path, a fraction of the CPU."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session")
def postgres_sandbox() -> Iterator[PostgresSandbox | None]:
    url = os.environ.get("ATTAIN_TEST_POSTGRES_URL")
    reason = postgres_unavailable_reason(url)
    if reason:
        yield None
        return
    assert url is not None
    sandbox = PostgresSandbox.create(url, f"attain_test_{uuid.uuid4().hex[:10]}")
    try:
        yield sandbox
    finally:
        sandbox.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path, postgres_sandbox: PostgresSandbox | None) -> Iterator[SqlStore]:
    """A migrated, empty store of its own on each backend."""
    if backend == "sqlite":
        st = open_store(f"sqlite:///{tmp_path / 'attain.db'}")
        st.upgrade()
        yield st
        st.dispose()
        return
    if postgres_sandbox is None:
        pytest.skip(
            postgres_unavailable_reason(os.environ.get("ATTAIN_TEST_POSTGRES_URL")) or "no PostgreSQL"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    st = postgres_sandbox.store_in_schema(schema)
    try:
        st.upgrade()
        yield st
    finally:
        st.dispose()
        postgres_sandbox.drop_schema(schema)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    st = open_store(f"sqlite:///{tmp_path / 'attain.db'}")
    st.upgrade()
    yield st
    st.dispose()
