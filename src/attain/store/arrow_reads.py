"""Whole-table reads straight into Arrow through the ADBC PostgreSQL driver (no Python object per row).

Used for the big fact reads of company-wide KPIs on PostgreSQL; SQLite reads, and reads scoped to a
few owners, stay on the session's own connection.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy.engine import URL


def _connect(url: URL) -> Any | None:
    # The drivers load pyarrow: only these reads should pay for it, not every CLI command's start-up.
    import adbc_driver_postgresql.dbapi as adbc_postgresql  # noqa: PLC0415

    backend = url.get_backend_name()
    # Never for SQLite: the ADBC driver bundles its own copy of the SQLite library, and two copies in
    # one process break each other's POSIX file locks (closing one's descriptor drops the other's
    # locks), which showed up as "disk I/O error" on the session's connection after such a read.
    if backend == "postgresql":
        return adbc_postgresql.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    return None


def arrow_read(
    url: URL, search_path: str | None, sql: str, text_columns: list[str], names: list[str]
) -> pl.DataFrame | None:
    """Run `sql` (columns named `names`) and return its result, or None where ADBC cannot open the database.

    Text columns come back with '' for null: SQLite's driver infers a column's type from its first rows,
    and an all-null start would be taken for integers.
    """
    conn = _connect(url)
    if conn is None:
        return None
    columns = ", ".join(f"COALESCE({c}, '') AS {c}" if c in text_columns else c for c in names)
    query = f"WITH q({', '.join(names)}) AS ({sql}) SELECT {columns} FROM q"  # noqa: S608 (our names)
    with conn, conn.cursor() as cur:
        if search_path:
            cur.execute(f"SET search_path TO {search_path}")
        cur.execute(query)
        table = cur.fetch_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns([pl.col(c).cast(pl.Utf8).replace("", None) for c in text_columns])
