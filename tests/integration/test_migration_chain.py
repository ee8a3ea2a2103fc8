"""The migration history stays one straight line: a single head, every revision reachable from it."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from attain.store.database import alembic_config, create_db_engine


def test_migrations_have_a_single_head() -> None:
    engine = create_db_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = script.get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: chain the newest on the previous head"
    assert len(list(script.walk_revisions())) >= 1
