"""Migrations run up to head and back down to nothing on every backend, and the schema matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from attain.store.database import current_revision, downgrade, upgrade
from attain.store.models import Base
from attain.store.unit_of_work import SqlStore


def test_upgrade_creates_every_model_table(store: SqlStore) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(store.engine) is not None


def test_schema_after_migrations_matches_the_models(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(store: SqlStore) -> None:
    downgrade(store.engine, "base")
    assert current_revision(store.engine) is None
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade(store.engine)
    assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
