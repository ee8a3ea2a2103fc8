"""Writing many rows into one table inside the session's transaction: PostgreSQL `COPY ... FROM STDIN`,
elsewhere batched executemany. Callers give plain tuples in the order of `columns`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, insert
from sqlalchemy.orm import Session

from attain.store.models import Base

BATCH = 5_000  # rows per executemany call: bounds the memory of one write


def bulk_insert(
    session: Session, model: type[Base], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, model, columns, rows)
        return
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        # A Core insert: the ORM's bulk insert leaves out None values and so splits the rows into one
        # statement per run of rows with the same columns set.
        session.execute(insert(table_of(model)), [dict(zip(columns, row, strict=True)) for row in part])


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _copy(
    session: Session, model: type[Base], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """COPY in text format; JSON columns are serialised as SQLAlchemy's JSON type would (json.dumps)."""
    as_json = [isinstance(model.__table__.c[name].type, JSON) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    raw = cast(Any, session.connection().connection.dbapi_connection)
    with raw.cursor() as cur, cur.copy(f'COPY "{model.__tablename__}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                tuple(json.dumps(v) if j and v is not None else v for v, j in zip(row, as_json, strict=True))
                if any(as_json)
                else row
            )
