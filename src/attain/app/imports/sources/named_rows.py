"""Rows of a source file known by a name, each with the external id derived from it.

Duplicate names, names that derive the same id, and references to unknown or invalid names are
row errors that point at both rows involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from attain.app.imports.sources.source_files import Record


@dataclass(slots=True)
class NamedRow:
    external_id: str
    record: Record  # the row that introduced the name
    data: dict[str, Any]
    mentions: list[Record] = field(default_factory=list)  # every row naming it, for names shared by rows

    @property
    def origin(self) -> dict[str, Any]:
        return self.record.origin

    def first_valid_origin(self) -> dict[str, Any] | None:
        """The origin of the first valid row naming it: a fact whose origin row failed is not loaded."""
        return next((rec.origin for rec in [self.record, *self.mentions] if not rec.failed), None)


class NameIndex:
    """The rows of one file by name (e.g. the accounts of accounts.csv)."""

    def __init__(self, noun: str, file_name: str) -> None:
        self.noun = noun
        self.file_name = file_name
        self._rows: dict[str, NamedRow] = {}
        self._names_by_id: dict[str, str] = {}

    def add(self, rec: Record, column: str, name: str, external_id: str, data: dict[str, Any]) -> None:
        if name in self._rows:
            rec.fail(
                column,
                f"repeats the {self.noun} of {self._rows[name].record.where}",
                f"keep one row per {self.noun}",
            )
            return
        clash = self._names_by_id.get(external_id)
        if clash is not None:
            rec.fail(
                column,
                f"derives the same id '{external_id}' as {self.noun} '{clash}'",
                "names must differ by more than case, spaces and punctuation",
            )
            return
        self._rows[name] = NamedRow(external_id, rec, data)
        self._names_by_id[external_id] = name

    def mention(self, rec: Record, name: str) -> None:
        """Note that `rec` also names `name` (see `NamedRow.first_valid_origin`)."""
        row = self._rows[name]
        if rec is not row.record:
            row.mentions.append(rec)

    def refer(self, rec: Record, column: str, name: str) -> str | None:
        """The external id of `name`, or None after recording why `rec` cannot refer to it."""
        target = self._rows.get(name)
        if target is None:
            rec.fail(
                column,
                f"names no {self.noun} of {self.file_name}",
                f"add it to {self.file_name} or correct the name",
            )
            return None
        if target.record.failed:
            rec.fail(column, f"refers to {target.record.where}, which is invalid", "fix that row first")
            return None
        return target.external_id

    def get(self, name: str) -> NamedRow | None:
        return self._rows.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._rows

    def __getitem__(self, name: str) -> NamedRow:
        return self._rows[name]

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> Iterator[tuple[str, NamedRow]]:
        return iter(self._rows.items())

    def values(self) -> Iterator[NamedRow]:
        return iter(self._rows.values())

    def valid(self) -> Iterator[tuple[str, NamedRow]]:
        """The rows whose source record has no error."""
        return ((name, row) for name, row in self._rows.items() if not row.record.failed)

    def facts(self) -> list[dict[str, Any]]:
        """One fact per valid row: its external id, its data and its origin."""
        return [{"external_id": row.external_id, **row.data, **row.origin} for _, row in self.valid()]
