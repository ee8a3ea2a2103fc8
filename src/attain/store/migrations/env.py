"""Alembic environment: runs migrations on the engine the caller passes in (no ini file needed).

On SQLite, batch migrations rebuild a table by copy-and-rename, which foreign-key enforcement
refuses on a database that holds rows; enforcement is switched off around the migration (it can
only be changed outside a transaction) and the references are checked before it is switched on.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from attain.store.models import Base

config = context.config
engine: Engine = config.attributes["engine"]
is_sqlite = engine.dialect.name == "sqlite"

with engine.connect() as connection:
    if is_sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    with connection.begin():
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=is_sqlite,
            compare_type=True,
        )
        context.run_migrations()
    if is_sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} broken references, e.g. {broken[0]}")
