"""Set-based bulk upsert of typed fact frames, driven by `attain.domain.facts` alone.

Rows go to a temporary staging table (PostgreSQL `COPY`, SQLite executemany); references are
resolved by natural key with joins; new rows are inserted and changed rows updated in one statement
each. No per-entity code: the schema says which columns, keys and references there are. New rows
whose outcome is already certain skip the staging table (`attain.store.fact_direct`).
"""

# ruff: noqa: S608  (table and column names come from attain.domain.facts, never from input)

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import polars as pl
import psycopg
from sqlalchemy import Column, MetaData, Table, Text, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.types import BigInteger, TypeEngine

from attain.app.imports.ports import ERROR_SCHEMA, MergeResult, empty_errors
from attain.domain.errors import InvalidInput
from attain.domain.facts import FactEntity, FactField, FieldType, entity
from attain.store import models as m
from attain.store.bulk_indexes import SuspendedIndexes
from attain.store.fact_direct import DirectLoad
from attain.store.fact_keys import KeyLookup, ReferenceIds
from attain.store.fact_rows import wire
from attain.store.fact_sql import MergeSql, q

ORIGIN = ("_source", "_row")
SLICE_ROWS = 100_000  # rows per COPY / executemany call: bounds the memory of one write
_names = itertools.count(1)


@dataclass(slots=True)
class _Group:
    """One staging table: rows of one entity that provide the same columns."""

    entity: FactEntity
    fields: tuple[FactField, ...]
    table: Table
    rows: int = 0  # every row given, staged or written directly (numbered by `_seq`)
    staged: int = 0
    direct: DirectLoad | None = None


class SqlFacts:
    """The store's FactWriter over the transaction's session."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._groups: dict[str, list[_Group]] = {}
        self._rejected_table: Table | None = None
        self._rejected_entities: set[str] = set()
        self._rejected_keys: dict[str, list[pl.DataFrame]] = {}
        self._references = ReferenceIds(KeyLookup(session))
        self._suspended: dict[str, SuspendedIndexes | None] = {}

    @property
    def _conn(self) -> Connection:
        return self._s.connection()

    @property
    def _dialect(self) -> str:
        return self._conn.dialect.name

    # -- staging ------------------------------------------------------------------------------

    def stage(self, entity_name: str, frame: pl.DataFrame) -> None:
        fact = entity(entity_name)
        unknown = [c for c in frame.columns if c not in fact.field_names and c not in ORIGIN]
        if unknown:
            raise InvalidInput(
                f"a {fact.name} frame has unknown columns {unknown}",
                hint=f"known fields: {', '.join(fact.field_names)}",
            )
        # A nullable key part left out (a company goal's person) is simply empty on every row.
        optional = [
            f
            for f in fact.fields
            if f.name in fact.key
            and not f.required
            and f.name not in frame.columns
            and f.type in (FieldType.REF, FieldType.TEXT, FieldType.ENUM)
        ]
        if optional:
            frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(f.name) for f in optional)
        missing_key = [k for k in fact.key if k not in frame.columns]
        if missing_key:
            raise InvalidInput(
                f"a {fact.name} frame lacks its key columns {missing_key}",
                hint="every row must carry the natural key that identifies it",
            )
        if frame.height == 0:
            return
        fields = tuple(f for f in fact.fields if f.name in frame.columns)
        group = self._group(fact, fields)
        frame = _with_origin(frame).with_columns(
            pl.int_range(group.rows, group.rows + frame.height, dtype=pl.Int64).alias("_seq")
        )
        group.rows += frame.height
        direct = self._direct(group)
        if direct is not None:
            frame = direct.write(frame, self._rejected_of(fact.name))
        for start in range(0, frame.height, SLICE_ROWS):
            part = frame.slice(start, SLICE_ROWS)
            self._write(group, part)
            group.staged += part.height

    def _direct(self, group: _Group) -> DirectLoad | None:
        """The group's direct load, while its rows may skip staging: see attain.store.fact_direct.

        One group per entity at most, and only while no entity it refers to has rows in this
        transaction (those are resolved by the merge, in load order).
        """
        fact = group.entity
        refs = {f.ref for f in group.fields if f.type is FieldType.REF and f.ref != fact.name}
        busy = {name for name, groups in self._groups.items() if any(g.rows for g in groups)}
        if refs & (busy | self._rejected_entities):
            return None
        if group.direct is not None:
            return group.direct
        provided = {f.name for f in group.fields}
        if (
            fact.key != ("external_id",)
            or any(f.required and f.name not in provided for f in fact.fields)
            or any(g.direct is not None for g in self._groups[fact.name])
        ):
            return None
        if fact.table not in self._suspended:
            self._suspended[fact.table] = SuspendedIndexes.suspend(self._s, fact.table)
        group.direct = DirectLoad(
            self._s,
            fact,
            group.fields,
            self._references,
            table_was_empty=self._suspended[fact.table] is not None,
        )
        return group.direct

    def _rejected_of(self, entity_name: str) -> pl.DataFrame:
        keys = self._rejected_keys.get(entity_name)
        return pl.concat(keys).unique() if keys else pl.DataFrame(schema={"key": pl.Utf8()})

    def _group(self, fact: FactEntity, fields: tuple[FactField, ...]) -> _Group:
        groups = self._groups.setdefault(fact.name, [])
        for g in groups:
            if g.fields == fields:
                return g
        target = m.Base.metadata.tables[fact.table]
        columns: list[Column[Any]] = [
            Column("_seq", BigInteger),
            Column("_source", Text),
            Column("_row", BigInteger),
        ]
        for f in fields:
            kind: TypeEngine[Any] = Text() if f.type is FieldType.REF else target.c[f.column].type
            columns.append(Column(f.name, kind))
        table = Table(
            f"_attain_stage_{next(_names)}_{fact.name}", MetaData(), *columns, prefixes=["TEMPORARY"]
        )
        table.create(self._conn)
        group = _Group(fact, fields, table)
        groups.append(group)
        return group

    def _write(self, group: _Group, part: pl.DataFrame) -> None:
        exprs = [pl.col("_seq"), pl.col("_source"), pl.col("_row")]
        wired = part.select(exprs + [wire(f, self._dialect).alias(f.name) for f in group.fields])
        names = ", ".join(q(c.name) for c in group.table.columns)
        if self._dialect == "postgresql":
            buffer = io.BytesIO()
            wired.write_csv(buffer, include_header=False)
            raw = cast("psycopg.Connection[Any]", self._conn.connection.dbapi_connection)
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {q(group.table.name)} ({names}) FROM STDIN (FORMAT csv)") as cp,
            ):
                cp.write(buffer.getbuffer())
        else:
            marks = ", ".join("?" for _ in group.table.columns)
            self._conn.exec_driver_sql(
                f"INSERT INTO {q(group.table.name)} ({names}) VALUES ({marks})", list(wired.iter_rows())
            )

    def reject(self, entity_name: str, rows: pl.DataFrame) -> None:
        fact = entity(entity_name)
        if fact.key != ("external_id",) or "external_id" not in rows.columns or rows.height == 0:
            return  # only rows with an external id can be referred to by others
        table = self._rejections()
        keys = rows.select(
            pl.lit(fact.name).alias("entity"),
            pl.col("external_id").cast(pl.Utf8).alias("key"),
            (pl.col("_source") if "_source" in rows.columns else pl.lit(None, pl.Utf8)).alias("_source"),
            (pl.col("_row") if "_row" in rows.columns else pl.lit(None, pl.Int64)).alias("_row"),
        ).filter(pl.col("key").is_not_null())
        if keys.height:
            self._conn.execute(insert(table), keys.to_dicts())
            self._rejected_entities.add(fact.name)
            self._rejected_keys.setdefault(fact.name, []).append(keys.select("key"))

    def _rejections(self) -> Table:
        if self._rejected_table is None:
            self._rejected_table = Table(
                f"_attain_rejected_{next(_names)}",
                MetaData(),
                Column("entity", Text),
                Column("key", Text),
                Column("_source", Text),
                Column("_row", BigInteger),
                prefixes=["TEMPORARY"],
            )
            self._rejected_table.create(self._conn)
        return self._rejected_table

    def staged_entities(self) -> list[str]:
        return [name for name, groups in self._groups.items() if groups]

    # -- merging ------------------------------------------------------------------------------

    def merge(self, entity_name: str) -> MergeResult:
        fact = entity(entity_name)
        result = MergeResult(fact.name)
        error_frames = []
        groups = self._groups.pop(fact.name, [])
        for group in groups:
            if group.direct is not None and group.direct.must_rewind(self._rejected_in_db):
                group.staged += group.direct.rewind(group.table.name)
        suspended = self._suspended.pop(fact.table, None)
        if suspended is not None:
            suspended.restore()
        for group in groups:
            if group.direct is not None:
                result.created += group.direct.created
                result.unchanged += group.direct.unchanged
            if group.staged == 0:
                self._conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(group.table.name)}")
                continue
            sql = MergeSql(
                fact,
                group.fields,
                group.table.name,
                self._dialect,
                self._rejected_table.name if self._rejected_table is not None else None,
                frozenset(self._rejected_entities),
            )
            try:
                errors = self._merge_group(group, sql, result)
            finally:
                self._conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(group.table.name)}")
            if errors.height:
                error_frames.append(errors)
        if error_frames:
            result.errors = pl.concat(error_frames)
        return result

    def _merge_group(self, group: _Group, sql: MergeSql, result: MergeResult) -> pl.DataFrame:
        conn = self._conn
        if self._dialect == "postgresql":
            # Temporary tables are never auto-analysed; without statistics the joins below go nested.
            conn.exec_driver_sql(f"ANALYZE {q(group.table.name)}")
        elif sql.self_refs():
            conn.exec_driver_sql(sql.stage_key_index())
        total = group.staged
        duplicates = total - int(conn.exec_driver_sql(sql.count_distinct_keys()).scalar_one())
        repeated = empty_errors()
        if duplicates and sql.fact.unique_in_batch:
            repeated = self._reject_repeated(sql)
            duplicates = 0  # every row of a repeated key is rejected, none superseded
        elif duplicates:
            conn.exec_driver_sql(sql.delete_superseded())
        errors = pl.concat([repeated, self._drop_unwritable(sql)])
        max_before = conn.exec_driver_sql(f"SELECT max(id) FROM {q(group.entity.table)}").scalar_one()
        created = conn.execute(text(sql.insert_new(table_empty=max_before is None))).rowcount
        updated = 0
        if max_before is not None and sql.compared_columns():
            updated = conn.execute(text(sql.update_changed()), {"max_id": max_before}).rowcount
        if sql.self_refs() and created:
            conn.execute(text(sql.link_new_self_refs()), {"max_id": max_before or 0})
        rejected = errors.select(pl.struct("_source", "_row").n_unique()).item() if errors.height else 0
        result.created += created
        result.updated += updated
        result.duplicates += duplicates
        result.rejected += rejected
        result.unchanged += total - duplicates - rejected - created - updated
        return errors

    def _rejected_in_db(self, entity_name: str) -> pl.DataFrame:
        """The keys of `entity_name` rows rejected so far in this batch (before or during merges)."""
        if self._rejected_table is None:
            return pl.DataFrame(schema={"key": pl.Utf8()})
        rows = self._conn.exec_driver_sql(
            f"SELECT DISTINCT key FROM {q(self._rejected_table.name)} WHERE entity = ?"
            if self._dialect != "postgresql"
            else f"SELECT DISTINCT key FROM {q(self._rejected_table.name)} WHERE entity = %s",
            (entity_name,),
        ).all()
        return pl.DataFrame({"key": [r[0] for r in rows]}, schema={"key": pl.Utf8()})

    def _drop_unwritable(self, sql: MergeSql) -> pl.DataFrame:
        """Rows whose references do not resolve (or point at rejected rows) are listed and removed.

        Removing a row can orphan rows of the same frame that refer to it, so this repeats until stable.
        """
        frames = []
        checks = sql.row_checks()
        while checks:
            found = [self._error_rows(check_sql, check) for check, check_sql in checks]
            found = [f for f in found if f.height]
            if not found:
                break
            errors = pl.concat(found).unique(
                subset=["_source", "_row", "column"], keep="first", maintain_order=True
            )
            frames.append(errors)
            self._remove(sql, checks)
            checks = sql.row_checks(self_refs_only=True)
        return pl.concat(frames) if frames else empty_errors()

    def _reject_repeated(self, sql: MergeSql) -> pl.DataFrame:
        """Each row whose key another row of the batch repeats is an error naming the key and those rows;
        the rows are removed, and remembered as rejected so that rows referring to them are rejected too."""
        check, check_sql = sql.repeated_key_rows()
        others: dict[tuple[int, str, int, str], list[tuple[str, int]]] = {}
        for seq, source, line, value, other_source, other_line in self._conn.exec_driver_sql(check_sql).all():
            others.setdefault((seq, source, line, str(value)), []).append((other_source, other_line))
        data = []
        for (_, source, line, value), rows in sorted(others.items()):
            where = ", ".join(f"{s} row {r}" for s, r in sorted(set(rows)))
            message = f"{sql.fact.name} '{value}' appears more than once in this batch: also at {where}"
            hint = f"give each {sql.fact.name} an id of its own, or keep one of these rows"
            data.append((source, line, sql.fact.name, check.field.name, value, message, hint))
        self._remove(sql, [(check, check_sql)])
        return pl.DataFrame(data, schema=ERROR_SCHEMA, orient="row")

    def _error_rows(self, check_sql: str, check: Any) -> pl.DataFrame:
        rows = self._conn.exec_driver_sql(check_sql).all()
        if not rows:
            return empty_errors()
        data = [check.describe(r) for r in rows]
        return pl.DataFrame(data, schema=ERROR_SCHEMA, orient="row")

    def _remove(self, sql: MergeSql, checks: list[Any]) -> None:
        if sql.fact.key == ("external_id",):
            rejections = self._rejections()
            self._conn.exec_driver_sql(sql.remember_rejected(rejections.name, checks))
            self._rejected_entities.add(sql.fact.name)
            sql.rejected_table = rejections.name
            sql.rejected_entities = frozenset(self._rejected_entities)
        self._conn.exec_driver_sql(sql.delete_failing(checks))

    # -- batches ------------------------------------------------------------------------------

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
        row = m.ImportBatch(
            source=source[:64],
            files=files,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            actor=actor,
            counts=counts,
            report=report,
        )
        self._s.add(row)
        self._s.flush()
        return row.id


def _with_origin(frame: pl.DataFrame) -> pl.DataFrame:
    """`_source` and `_row` as the staging table types them (null where a caller gave none)."""
    return frame.with_columns(
        pl.col("_source").cast(pl.Utf8)
        if "_source" in frame.columns
        else pl.lit(None, pl.Utf8).alias("_source"),
        pl.col("_row").cast(pl.Int64) if "_row" in frame.columns else pl.lit(None, pl.Int64).alias("_row"),
    )
