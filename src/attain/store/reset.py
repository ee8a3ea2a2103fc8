"""Emptying a database before the demo replaces it: delete a SQLite file, or migrate another one down.

Kept apart from `database` because it destroys data; only `attain demo --replace` calls it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from attain.store.database import create_db_engine, database_url, downgrade


def sqlite_file(url: str | None) -> Path | None:
    """The file of a SQLite URL (None for any other database, or an in-memory one)."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def is_sqlite(url: str | None) -> bool:
    return make_url(database_url(url)).get_backend_name() == "sqlite"


def empty_database(url: str | None) -> str:
    """Remove everything from the database at `url` and say what was done."""
    path = sqlite_file(url)
    if path is not None:
        # WAL mode keeps two companion files beside the database; a stale one would resurrect data.
        for target in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            target.unlink(missing_ok=True)
        return f"removed {path}"
    engine = create_db_engine(url)
    try:
        downgrade(engine, "base")
    finally:
        engine.dispose()
    return f"dropped every table of {make_url(database_url(url)).render_as_string()}"
