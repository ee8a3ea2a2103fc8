"""The contract every import source meets: a Batch of typed fact frames, and the ImportReport it yields.

Typed frames (one per entity of `attain.domain.facts`) use the entity's field names as columns, a
subset being allowed (absent columns are left untouched on update, null on insert), with these
Polars types: text, enum and ref -> Utf8 (a ref holds the target's external id, or the period key);
int -> Int64; decimal -> Decimal(38, 6); money -> Int64 minor units of the row's `currency`;
date -> Date; datetime -> Datetime("us", "UTC"); bool -> Boolean. Two optional columns trace each
row to its origin for error messages: `_source` (file name) and `_row` (1-based data row number,
the header being row 1 so the first data row is 2, as a spreadsheet shows it).

Big sources stream: a Batch may also hold `streams`, iterables of `Chunk`s read lazily while the
batch loads, so a file of millions of rows never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import polars as pl

from attain.domain.errors import InvalidInput


class InvalidRows(StrEnum):
    """What to do when some rows of a batch are invalid."""

    REJECT_BATCH = "reject-batch"  # write nothing (the default: all-or-nothing)
    SKIP = "skip"  # write the valid rows, report and export the rejected ones


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: where it is, what is wrong, how to fix it."""

    source: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str | None = None
    entity: str | None = None

    def render(self) -> str:
        where = self.source + (f" row {self.row}" if self.row is not None else "")
        where += f", column '{self.column}'" if self.column else ""
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"{where}: {self.message}{shown}" + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True, slots=True)
class Quirk:
    """A known oddity of the source, handled in a documented way and reported with its count."""

    code: str
    message: str
    count: int
    examples: tuple[str, ...] = ()


@dataclass(slots=True)
class EntityCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class Chunk:
    """A slice of one entity's typed frame, with the row errors found while reading it.

    Rows of `frame` that one of `errors` names (same `_source` and `_row`) are rejected, not loaded.
    """

    entity: str
    frame: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)


@dataclass(slots=True)
class Batch:
    """Typed frames to load together, in `attain.domain.facts.LOAD_ORDER`, plus what parsing found."""

    source: str
    frames: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # name, sha256, rows
    streams: list[Iterable[Chunk]] = field(default_factory=list)  # read after `frames`, chunk by chunk

    def add(self, entity: str, frame: pl.DataFrame) -> None:
        self.frames.append((entity, frame))

    def add_stream(self, chunks: Iterable[Chunk]) -> None:
        self.streams.append(chunks)


@dataclass(slots=True)
class ImportReport:
    source: str
    status: str  # committed | rejected
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    quirks: list[Quirk] = field(default_factory=list)
    batch_id: int | None = None
    rejects_file: str | None = None
    error_count: int = 0  # every error found; `errors` may list only the first of them

    @property
    def committed(self) -> bool:
        return self.status == "committed"


class ImportRejected(InvalidInput):
    """The batch was not written because of invalid rows; the report lists each of them."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        first = report.errors[0].render() if report.errors else "invalid rows"
        total = max(report.error_count, len(report.errors))
        more = f" and {total - 1} more" if total > 1 else ""
        super().__init__(
            f"nothing was imported: {first}{more}",
            hint="fix the rows and import again, or use --skip-invalid to load the valid rows",
        )
