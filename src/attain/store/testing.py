"""Test support for PostgreSQL: a throw-away database for a test run and a schema per test."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from attain.store.database import database_url
from attain.store.unit_of_work import SqlStore


def postgres_unavailable_reason(url: str | None) -> str | None:
    """Why PostgreSQL tests cannot run, or None when the server answers."""
    if not url:
        return "ATTAIN_TEST_POSTGRES_URL is not set; PostgreSQL variants skipped"
    try:
        engine = create_engine(database_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {make_url(database_url(url)).render_as_string()} is not reachable: {exc}"
    return None


@dataclass
class PostgresSandbox:
    admin_url: str
    database: str

    @classmethod
    def create(cls, url: str, database: str) -> PostgresSandbox:
        admin = database_url(url)
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        return cls(admin, database)

    @property
    def url(self) -> str:
        return make_url(self.admin_url).set(database=self.database).render_as_string(hide_password=False)

    def store_in_schema(self, schema: str) -> SqlStore:
        engine = create_engine(self.url, connect_args={"options": f"-csearch_path={schema}"})
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return SqlStore(engine)

    def drop_schema(self, schema: str) -> None:
        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    def drop(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        engine.dispose()
