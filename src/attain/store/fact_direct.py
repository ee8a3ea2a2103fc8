"""The direct load: new fact rows written straight into their table, without the staging merge.

A row goes direct only when its outcome is already certain: its natural key is new (not in the
table, not earlier in the batch, not repeated in its chunk) and every reference resolves to an
existing row or to a row written directly before. Every other row goes to the staging table and
through the set-based merge of `attain.store.facts`, which also words every row error. Should a
later row supersede a direct one, or a row that direct rows refer to be rejected later, the direct
rows are moved back to staging before the merge ("rewound"), so the outcome is always exactly
that of the staged merge: docs/decisions/0007-fast-fact-loading.md.
"""

# ruff: noqa: S608  (table and column names come from attain.domain.facts, never from input)

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, cast

import polars as pl
import psycopg
from sqlalchemy.orm import Session

from attain.domain.facts import FactEntity, FactField, FieldType
from attain.store.fact_keys import KEYS, KeyLookup, ReferenceIds, empty_keys, target_of
from attain.store.fact_sql import q

ORIGINS = {"id": pl.Int64(), "_seq": pl.Int64(), "_source": pl.Utf8(), "_row": pl.Int64()}
MOSTLY_EXISTING = 0.5  # a chunk with more known keys than this stops the direct load of its group
STAGE = "_attain_stage"  # the routing column: True sends the row to staging
SEEN = "_attain_seen"  # the key was seen in an earlier chunk of the batch


def wire(f: FactField, dialect: str) -> pl.Expr:
    """The column as the driver expects it: SQLite stores dates and timestamps as SQLAlchemy's text."""
    col = pl.col(f.name)
    sqlite = dialect != "postgresql"
    if f.type is FieldType.DATE and sqlite:
        return col.dt.strftime("%Y-%m-%d")
    if f.type is FieldType.DATETIME:
        utc = col.dt.convert_time_zone("UTC")
        return utc.dt.strftime("%Y-%m-%d %H:%M:%S.%6f" if sqlite else "%Y-%m-%d %H:%M:%S.%6f+00")
    if f.type is FieldType.DECIMAL:
        return col.cast(pl.Utf8)
    if f.type is FieldType.BOOL and sqlite:
        return col.cast(pl.Int8)
    return col


class DirectLoad:
    """The direct load of one staging group (rows of one entity providing the same columns)."""

    def __init__(
        self,
        session: Session,
        fact: FactEntity,
        fields: tuple[FactField, ...],
        references: ReferenceIds,
        *,
        table_was_empty: bool,
    ) -> None:
        self._s = session
        self.fact = fact
        self.fields = fields
        self._references = references
        self._lookup = KeyLookup(session)
        # Locked while empty (see attain.store.bulk_indexes): every row in it is one of ours.
        self._table_was_empty = table_was_empty
        self._key = fact.key[0]
        self._refs = tuple(f for f in fields if f.type is FieldType.REF and f.ref != fact.name)
        self._self_refs = tuple(f for f in fields if f.type is FieldType.REF and f.ref == fact.name)
        self._known: list[pl.DataFrame] = []  # (hash, key, id) of every key seen; id null when staged
        self._referenced: dict[str, list[pl.DataFrame]] = {
            f.name: [] for f in (*self._refs, *self._self_refs)
        }
        self._origins: list[pl.DataFrame] = []
        self.created = 0
        self.superseded = False  # a later row repeats the key of a direct row
        self.open = True  # False once most keys turned out to exist: then everything is staged

    @property
    def _dialect(self) -> str:
        return self._s.connection().dialect.name

    # -- routing ------------------------------------------------------------------------------

    def write(self, frame: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """Write the rows of `frame` (with `_seq`) whose outcome is certain; return the others to stage.

        `rejected` holds the keys (column `key`) of this entity's rows rejected so far in the batch.
        """
        if frame.height == 0 or (not self.open and self.created == 0):
            return frame
        columns = frame.columns
        # Keys and references are text by contract; an all-empty column may arrive untyped.
        texts = [self._key, *(f.name for f in (*self._refs, *self._self_refs))]
        frame = frame.with_columns(pl.col(name).cast(pl.Utf8) for name in texts)
        chunk = self._route_known(frame)
        if not self.open:
            chunk = chunk.with_columns(pl.lit(True).alias(STAGE))
        else:
            chunk = self._route_existing(chunk)
            chunk = self._resolve_references(chunk)
            chunk = self._route_self_references(chunk, rejected)
        direct = chunk.filter(~pl.col(STAGE))
        if direct.height:
            self._insert(direct)
        staged = chunk.filter(pl.col(STAGE))
        first_seen = staged.filter(~pl.col(SEEN)).select(pl.col(self._key).alias("key")).unique()
        self._remember(first_seen.with_columns(pl.lit(None, pl.Int64).alias("id")))
        return staged.select(columns)

    def _known_keys(self, keys: pl.Series) -> pl.DataFrame:
        """(key, id) of those of `keys` seen earlier in the batch.

        A million seen keys are probed by their 64-bit hashes, which is cheaper than joining text;
        the few matches are then compared as text, so a hash collision costs nothing but time.
        """
        wanted = keys.drop_nulls().unique()
        if not self._known or wanted.len() == 0:
            return empty_keys()
        hashes = wanted.hash().implode()
        near = [known.filter(pl.col("hash").is_in(hashes)) for known in self._known]
        found = pl.concat(near).select(list(KEYS))
        return found.join(wanted.to_frame("key"), on="key", how="semi")

    def _remember(self, keys: pl.DataFrame) -> None:
        """Each key once: the id of its direct row, or null when its first row was staged."""
        if keys.height:
            self._known.append(keys.select(pl.col("key").hash().alias("hash"), *KEYS))

    def _route_known(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A key repeated in the chunk or seen earlier in the batch is staged, where the last row wins."""
        seen = self._known_keys(frame.get_column(self._key)).select(
            pl.col("key").alias(self._key), pl.col("id").alias("_attain_seen_id"), pl.lit(True).alias(SEEN)
        )
        chunk = frame.join(seen, on=self._key, how="left", maintain_order="left")
        if chunk.get_column("_attain_seen_id").is_not_null().any():
            self.superseded = True
        chunk = chunk.with_columns(pl.col(SEEN).fill_null(False)).drop("_attain_seen_id")
        return chunk.with_columns((pl.col(self._key).is_duplicated() | pl.col(SEEN)).alias(STAGE))

    def _route_existing(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Rows whose key is already in the table are updates or unchanged: the merge compares them."""
        if self._table_was_empty:
            return chunk
        asked = chunk.filter(~pl.col(STAGE)).get_column(self._key)
        existing = self._lookup.ids(self.fact, asked)
        if existing.height > MOSTLY_EXISTING * max(asked.len(), 1):
            self.open = False  # a re-import: the merge handles it as a whole
        if existing.height == 0:
            return chunk
        known = existing.select(pl.col("key").alias(self._key), pl.lit(True).alias("_attain_exists"))
        chunk = chunk.join(known, on=self._key, how="left", maintain_order="left")
        return chunk.with_columns(
            (pl.col(STAGE) | pl.col("_attain_exists").fill_null(False)).alias(STAGE)
        ).drop("_attain_exists")

    def _resolve_references(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Each reference to another entity becomes its row id; a row with an unknown one goes to staging."""
        for f in self._refs:
            ids = self._references.ids(target_of(f.ref or ""), chunk.get_column(f.name))
            ids = ids.rename({"key": f.name, "id": f.column})
            chunk = chunk.join(ids, on=f.name, how="left", maintain_order="left")
            unresolved = pl.col(f.name).is_not_null() & pl.col(f.column).is_null()
            chunk = chunk.with_columns((pl.col(STAGE) | unresolved).alias(STAGE))
        return chunk

    def _route_self_references(self, chunk: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """A self-reference must point at a direct row (earlier or in this chunk) or at an existing row."""
        for f in self._self_refs:
            outside = self._outside_ids(chunk, f, rejected)
            chunk = chunk.join(
                outside.rename({"key": f.name, "id": "_attain_outside"}),
                on=f.name,
                how="left",
                maintain_order="left",
            )
            while True:  # a row pointing at a staged row of the chunk is staged too, and so on
                inside = chunk.select(
                    pl.col(self._key).alias(f.name), (~pl.col(STAGE)).alias("_attain_inside")
                ).unique(subset=[f.name], keep="first")  # a repeated key is staged on every row
                probe = chunk.join(inside, on=f.name, how="left", maintain_order="left")
                ok = (
                    pl.col(f.name).is_null()
                    | pl.col("_attain_outside").is_not_null()
                    | pl.col("_attain_inside").fill_null(False)
                )
                again = probe.select((pl.col(STAGE) | ~ok).alias(STAGE)).get_column(STAGE)
                if again.sum() == chunk.get_column(STAGE).sum():
                    break
                chunk = chunk.with_columns(again)
            chunk = chunk.drop("_attain_outside")
        return chunk

    def _outside_ids(self, chunk: pl.DataFrame, f: FactField, rejected: pl.DataFrame) -> pl.DataFrame:
        """(key, id) of the self-reference values naming an earlier direct row or an existing row."""
        values = chunk.select(pl.col(f.name).alias("key")).drop_nulls().unique()
        values = values.join(chunk.select(pl.col(self._key).alias("key")), on="key", how="anti")
        values = values.join(rejected, on="key", how="anti")
        if values.height == 0:
            return empty_keys()
        known = self._known_keys(values.get_column("key"))
        found = known.filter(pl.col("id").is_not_null())
        unknown = values.join(known, on="key", how="anti")
        if unknown.height and not self._table_was_empty:
            found = pl.concat([found, self._lookup.ids(self.fact, unknown.get_column("key"))])
        return found

    # -- writing ------------------------------------------------------------------------------

    def _insert(self, direct: pl.DataFrame) -> None:
        direct = direct.with_columns(self._allocate(direct.height).alias("id"))
        mine = direct.select(pl.col(self._key).alias("key"), "id")
        for f in self._self_refs:
            pointed = direct.select(pl.col(f.name).alias("key")).drop_nulls().unique()
            earlier = self._known_keys(pointed.get_column("key")).filter(pl.col("id").is_not_null())
            outside = pointed.join(pl.concat([mine, earlier]), on="key", how="anti")
            found = pl.concat([mine, earlier]).join(pointed, on="key", how="semi")
            if outside.height:
                found = pl.concat([found, self._lookup.ids(self.fact, outside.get_column("key"))])
            direct = direct.join(
                found.rename({"key": f.name, "id": f.column}), on=f.name, how="left", maintain_order="left"
            )
        self._write(direct)
        self.created += direct.height
        self._remember(mine)
        for f in (*self._refs, *self._self_refs):
            self._referenced[f.name].append(direct.select(pl.col(f.name).alias("key")).drop_nulls().unique())
        self._origins.append(direct.select(list(ORIGINS)).cast(ORIGINS))  # type: ignore[arg-type]

    def _allocate(self, n: int) -> pl.Series:
        """`n` new ids, ascending, so that ids follow the file as they do in the staged merge."""
        conn = self._s.connection()
        table = self.fact.table
        if self._dialect != "postgresql":
            # SQLite has one writer at a time; a concurrent one would fail on the primary key.
            start = int(conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {q(table)}").scalar_one()) + 1
            return pl.int_range(start, start + n, dtype=pl.Int64, eager=True)
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        if self._table_was_empty:
            # The table is locked, so nothing else draws from its sequence: reserve the range at once.
            last = conn.exec_driver_sql(
                f"SELECT setval({sequence}, nextval({sequence}) + {int(n)} - 1)"
            ).scalar_one()
            return pl.int_range(int(last) - n + 1, int(last) + 1, dtype=pl.Int64, eager=True)
        ids = self._copy_out(
            f"SELECT nextval({sequence}) FROM generate_series(1, {int(n)})", {"id": pl.Int64()}
        )
        return ids.get_column("id").sort()

    def _copy_out(self, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        buffer = io.BytesIO()
        raw = cast("psycopg.Connection[Any]", self._s.connection().connection.dbapi_connection)
        with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as cp:
            for block in cp:
                buffer.write(block)
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)

    def _write(self, direct: pl.DataFrame) -> None:
        dialect = self._dialect
        exprs = [pl.col("id")]
        for f in self.fields:
            exprs.append(pl.col(f.column) if f.type is FieldType.REF else wire(f, dialect).alias(f.column))
        wire_frame = direct.select(exprs)
        names = ", ".join(q(c) for c in wire_frame.columns)
        conn = self._s.connection()
        if dialect == "postgresql":
            buffer = io.BytesIO()
            wire_frame.write_csv(buffer, include_header=False)
            raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {q(self.fact.table)} ({names}) FROM STDIN (FORMAT csv)") as cp,
            ):
                cp.write(buffer.getbuffer())
            return
        # A row may point at a row later in the chunk; SQLite checks foreign keys row by row unless told
        # to wait for the commit (PostgreSQL checks them at the end of the statement).
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        marks = ", ".join("?" for _ in wire_frame.columns)
        conn.exec_driver_sql(
            f"INSERT INTO {q(self.fact.table)} ({names}) VALUES ({marks})", list(wire_frame.iter_rows())
        )

    # -- at merge time ------------------------------------------------------------------------

    def must_rewind(self, rejected_keys: Callable[[str], pl.DataFrame]) -> bool:
        """True when a later row superseded a direct row, or a row that direct rows refer to was rejected."""
        if self.created == 0:
            return False
        if self.superseded:
            return True
        for f in (*self._refs, *self._self_refs):
            if not self._referenced[f.name]:
                continue
            referenced = pl.concat(self._referenced[f.name]).unique()
            if referenced.join(rejected_keys(f.ref or ""), on="key", how="semi").height:
                return True
        return False

    def _delete(self, temp: str) -> None:
        """Delete the direct rows listed in `temp`: rows created by this load, which only rows of this
        same load can refer to (entities that refer to this one merge later), so they all go together.

        PostgreSQL's guard checks a DELETE as a whole; SQLite's checks row by row and would refuse the
        first row another one points at, so this table's own guards are set aside for the statement.
        """
        conn = self._s.connection()
        table = self.fact.table
        guards: list[tuple[str, str]] = []
        if self._dialect != "postgresql":
            found = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
                "AND name LIKE 'guard%'",
                (table,),
            ).all()
            guards = [(str(name), str(sql)) for name, sql in found]
            for name, _sql in guards:
                conn.exec_driver_sql(f"DROP TRIGGER {q(name)}")
        conn.exec_driver_sql(f"DELETE FROM {q(table)} WHERE id IN (SELECT id FROM {q(temp)})")
        for _name, sql in guards:
            conn.exec_driver_sql(sql)

    def rewind(self, stage: str) -> int:
        """Move the direct rows back into the staging table `stage`, as they came; return how many."""
        conn = self._s.connection()
        origins = pl.concat(self._origins)
        temp = f"{stage}_direct"
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {q(temp)} (id BIGINT, _seq BIGINT, _source TEXT, _row BIGINT)"
        )
        if self._dialect == "postgresql":
            buffer = io.BytesIO()
            origins.write_csv(buffer, include_header=False)
            raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {q(temp)} (id, _seq, _source, _row) FROM STDIN (FORMAT csv)") as cp,
            ):
                cp.write(buffer.getbuffer())
            conn.exec_driver_sql(f"ANALYZE {q(temp)}")
        else:
            conn.exec_driver_sql(f"INSERT INTO {q(temp)} VALUES (?, ?, ?, ?)", list(origins.iter_rows()))
        values, joins = [], []
        for f in self.fields:
            if f.type is not FieldType.REF:
                values.append(f"t.{q(f.column)}")
                continue
            target = target_of(f.ref or "")
            table = "periods" if target.name == "period" else target.table
            alias = f"r_{f.name}"
            joins.append(f"LEFT JOIN {q(table)} AS {alias} ON {alias}.id = t.{q(f.column)}")
            values.append(f"{alias}.{q(target.key[0])}")
        names = ", ".join(["_seq", "_source", "_row", *(q(f.name) for f in self.fields)])
        conn.exec_driver_sql(
            f"INSERT INTO {q(stage)} ({names}) SELECT d._seq, d._source, d._row, {', '.join(values)} "
            f"FROM {q(self.fact.table)} AS t JOIN {q(temp)} AS d ON d.id = t.id {' '.join(joins)}"
        )
        self._delete(temp)
        conn.exec_driver_sql(f"DROP TABLE {q(temp)}")
        moved, self.created = self.created, 0
        self._origins.clear()
        return moved


__all__ = ["KEYS", "DirectLoad", "wire"]
