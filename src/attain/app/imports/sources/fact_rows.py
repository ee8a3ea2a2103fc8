"""Typed fact frames from row dictionaries, with the Polars types the import contract declares."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from attain.app.imports.batch import Batch
from attain.app.imports.sources.source_files import ROW, SOURCE
from attain.domain.facts import FieldType, entity

_TYPES: dict[FieldType, pl.DataType] = {
    FieldType.TEXT: pl.Utf8(),
    FieldType.ENUM: pl.Utf8(),
    FieldType.REF: pl.Utf8(),
    FieldType.INT: pl.Int64(),
    FieldType.DECIMAL: pl.Decimal(38, 6),
    FieldType.MONEY: pl.Int64(),
    FieldType.DATE: pl.Date(),
    FieldType.DATETIME: pl.Datetime("us", "UTC"),
    FieldType.BOOL: pl.Boolean(),
}


def fact_frame(entity_name: str, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """A frame of `entity_name` holding the fields the rows set (in declaration order) and the origin."""
    fact = entity(entity_name)
    present = {key for row in rows for key in row}
    unknown = present - set(fact.field_names) - {SOURCE, ROW}
    if unknown:
        raise ValueError(f"{entity_name} has no field {sorted(unknown)}")
    schema: dict[str, pl.DataType] = {f.name: _TYPES[f.type] for f in fact.fields if f.name in present}
    schema.update({SOURCE: pl.Utf8(), ROW: pl.Int64()})
    return pl.DataFrame([{k: row.get(k) for k in schema} for row in rows], schema=schema)


def add_facts(batch: Batch, entity_name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add the rows as one typed frame, unless there are none."""
    if rows:
        batch.add(entity_name, fact_frame(entity_name, rows))


def slug(name: str) -> str:
    """A stable external id derived from a name: lower case, runs of other characters become '-'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
