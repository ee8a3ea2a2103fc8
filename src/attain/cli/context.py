"""The state shared by CLI commands: database URL, output format, and the opened store."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from attain.cli.output import OutputFormat
from attain.store.unit_of_work import SqlStore, open_store


@dataclass
class CliState:
    db_url: str | None
    fmt: OutputFormat
    _store: SqlStore | None = field(default=None, repr=False)

    def store(self, *, upgrade: bool = False) -> SqlStore:
        """The opened store; with `upgrade`, the schema is migrated to the newest version first."""
        if self._store is None:
            self._store = open_store(self.db_url)
            if not upgrade:
                # Every command works on a current schema; migrating is idempotent and cheap.
                self._store.upgrade()
        if upgrade:
            self._store.upgrade()
        return self._store


def state(ctx: typer.Context) -> CliState:
    """The state the `attain` callback put on the context (a default one for a bare sub-app)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(db_url=None, fmt=OutputFormat.TABLE)
    obj: CliState = root.obj
    return obj
