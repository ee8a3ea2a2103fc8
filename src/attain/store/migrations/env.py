"""Alembic environment: runs migrations on the engine the caller passes in (no ini file needed)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from attain.store.models import Base

config = context.config
engine: Engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
