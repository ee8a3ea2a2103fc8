"""A first load into an empty fact table builds its secondary indexes once, at the end (PostgreSQL).

Inserting a million rows into random places of three B-trees costs several times more than
sorting them into new ones. So when a direct load starts on an empty table, the table is locked
(ACCESS EXCLUSIVE, until the transaction ends), its secondary indexes and unique constraints are
dropped, and the merge rebuilds them from their catalog definitions before anything reads the
table. It all happens in the import's transaction: on any failure PostgreSQL restores them. Readers
of that (empty) table wait for the import instead of seeing it empty; other tables are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from attain.store.fact_sql import q

SORT_MEMORY = "256MB"
LOCK_TIMEOUT = "2s"  # a table someone is reading is loaded row by row instead of waiting longer

_INDEXES = """
SELECT ic.relname, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('u', 'x')
WHERE i.indrelid = to_regclass(%(table)s) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY ic.relname
"""


@dataclass(slots=True)
class SuspendedIndexes:
    """The secondary indexes of one table, dropped for the load; `restore` rebuilds them."""

    session: Session
    table: str
    rebuild: list[str]

    @classmethod
    def suspend(cls, session: Session, table: str) -> SuspendedIndexes | None:
        """Lock `table` and drop its secondary indexes if it is empty; None (and nothing done) otherwise."""
        conn = session.connection()
        if conn.dialect.name != "postgresql" or not _empty(session, table):
            return None
        try:
            with session.begin_nested():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                conn.exec_driver_sql(f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE")
        except DBAPIError:
            return None  # busy: the rows go in one by one, with the indexes in place
        conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        if not _empty(session, table):  # rows committed while we waited for the lock
            return None
        raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
        with raw.cursor() as cur:
            cur.execute(_INDEXES, {"table": q(table)})
            found = cur.fetchall()
        rebuild = []
        for index, index_sql, constraint, constraint_sql in found:
            if constraint is not None:
                conn.exec_driver_sql(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(constraint)}")
                rebuild.append(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(constraint)} {constraint_sql}")
            else:
                conn.exec_driver_sql(f"DROP INDEX {q(index)}")
                rebuild.append(index_sql)
        return cls(session, table, rebuild)

    def restore(self) -> None:
        """Build the indexes again (a unique one fails, and rolls the import back, on a duplicate)."""
        conn = self.session.connection()
        # Sorting a million keys in PostgreSQL's default 64 MB spills to disk; for this transaction only.
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
        for sql in self.rebuild:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = DEFAULT")


def _empty(session: Session, table: str) -> bool:
    sql = f"SELECT NOT EXISTS (SELECT 1 FROM {q(table)})"  # noqa: S608 (a declared table name)
    return session.connection().exec_driver_sql(sql).scalar_one() is True
