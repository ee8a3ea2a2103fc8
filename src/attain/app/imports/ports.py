"""What the import use case needs from storage: a set-based writer of typed fact frames.

`attain.store.facts` implements it; this module must not import the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import polars as pl

# Row errors travel as frames of this shape, so a million of them never become Python objects.
ERROR_SCHEMA: dict[str, pl.DataType] = {
    "_source": pl.Utf8(),
    "_row": pl.Int64(),
    "entity": pl.Utf8(),
    "column": pl.Utf8(),
    "value": pl.Utf8(),
    "message": pl.Utf8(),
    "hint": pl.Utf8(),
}


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


@dataclass(slots=True)
class MergeResult:
    """What merging one entity's staged rows did; `errors` names each row left out, and why."""

    entity: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # rows superseded by a later row of the same natural key (the last one wins)
    rejected: int = 0
    errors: pl.DataFrame = field(default_factory=empty_errors)


class FactWriter(Protocol):
    """Stages typed frames, then upserts them entity by entity on their natural keys.

    Staged rows live in the current transaction only; rows of one entity with different column
    sets are staged apart, because a frame updates only the columns it provides.
    """

    def stage(self, entity: str, frame: pl.DataFrame) -> None:
        """Append rows (a typed frame with `_source` and `_row`) to the entity's staging area."""
        ...

    def reject(self, entity: str, rows: pl.DataFrame) -> None:
        """Remember rows rejected before staging (`external_id`, `_source`, `_row`), so that rows
        referring to them are rejected too instead of silently pointing at older data."""
        ...

    def merge(self, entity: str) -> MergeResult:
        """Resolve references, drop rows that cannot be written (listed in the result's errors),
        insert new rows and update changed ones; everything staged for `entity` is consumed."""
        ...

    def staged_entities(self) -> list[str]:
        """Entities with rows staged and not merged yet."""
        ...

    def record_batch(
        self,
        *,
        source: str,
        files: list[dict[str, Any]],
        started_at: datetime,
        finished_at: datetime,
        status: str,
        actor: str,
        counts: dict[str, Any],
        report: dict[str, Any],
    ) -> int:
        """Store one `import_batches` row and return its id."""
        ...
