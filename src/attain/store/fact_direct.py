"""The direct load: fact rows whose outcome is already certain skip the staging merge.

A new row (its natural key not in the table, not earlier in the batch, not repeated in its chunk)
whose references all resolve, to existing rows or to rows written directly before, is written
straight into the table. On PostgreSQL an existing row equal to its stored version is counted
unchanged and goes no further. Every other row goes to the staging table and through the
set-based merge of `attain.store.facts`, which also words every row error. Should a later row
repeat the key of a row decided here, or a row that such rows refer to be rejected later, they are
handed back to staging before the merge (written ones are deleted again), so the outcome is always
exactly that of the staged merge: docs/decisions/0007-fast-fact-loading.md.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy.orm import Session

from attain.domain.facts import FactEntity, FactField, FieldType
from attain.store import fact_rows as rows
from attain.store.fact_keys import KEYS, KeyLookup, ReferenceIds, empty_keys, target_of
from attain.store.fact_sql import q

MOSTLY_EXISTING = 0.5  # where existing rows cannot be compared here, such a chunk ends the direct load
STAGE = "_attain_stage"  # True: the row goes to staging
DONE = "_attain_done"  # True: an existing row equal to the stored one
SEEN = "_attain_seen"  # the key was seen in an earlier chunk of the batch


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
        self._comparable = session.connection().dialect.name == "postgresql" and all(
            f.type in rows.COMPARABLE for f in fields
        )
        self._known: list[pl.DataFrame] = []  # (hash, key, id) of each key seen; id null when staged
        self._referenced: dict[str, list[pl.DataFrame]] = {
            f.name: [] for f in (*self._refs, *self._self_refs)
        }
        self._written: list[pl.DataFrame] = []  # origins (id, _seq, _source, _row) of rows written
        self._unchanged: list[pl.DataFrame] = []  # and of existing rows found equal
        self._done_ids = pl.DataFrame(schema={self._key: pl.Utf8(), "id": pl.Int64()})  # this chunk's
        self.created = 0
        self.unchanged = 0
        self.superseded = False  # a later row repeats the key of a row decided here
        self.open = True  # False once most keys exist and cannot be compared here: all is staged

    # -- routing ------------------------------------------------------------------------------

    def write(self, frame: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """Decide the rows of `frame` (with `_seq`) whose outcome is certain; return the others to stage.

        `rejected` holds the keys (column `key`) of this entity's rows rejected so far in the batch.
        """
        if frame.height == 0 or (not self.open and not self._decided()):
            return frame
        columns = frame.columns
        # Keys and references are text by contract; an all-empty column may arrive untyped.
        texts = [self._key, *(f.name for f in (*self._refs, *self._self_refs))]
        chunk = self._route_known(frame.with_columns(pl.col(name).cast(pl.Utf8) for name in texts))
        chunk = chunk.with_columns(pl.lit(False).alias(DONE))
        if not self.open:
            chunk = chunk.with_columns(pl.lit(True).alias(STAGE))
        else:
            chunk = self._resolve_references(chunk)
            chunk = self._route_existing(chunk, rejected)
            chunk = self._route_self_references(chunk, rejected)
        done = chunk.filter(pl.col(DONE))
        if done.height:
            self._keep_unchanged(done)
        direct = chunk.filter(~pl.col(STAGE) & ~pl.col(DONE))
        if direct.height:
            self._insert(direct)
        staged = chunk.filter(pl.col(STAGE))
        first_seen = staged.filter(~pl.col(SEEN)).select(pl.col(self._key).alias("key")).unique()
        self._remember(first_seen.with_columns(pl.lit(None, pl.Int64).alias("id")))
        return staged.select(columns)

    def _decided(self) -> bool:
        return self.created > 0 or self.unchanged > 0

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
        """Each key once: the id of its row when decided here, or null when its first row was staged."""
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

    def _resolve_references(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Each reference to another entity becomes its row id; a row with an unknown one goes to staging."""
        for f in self._refs:
            ids = self._references.ids(target_of(f.ref or ""), chunk.get_column(f.name))
            ids = ids.rename({"key": f.name, "id": f.column})
            chunk = chunk.join(ids, on=f.name, how="left", maintain_order="left")
            unresolved = pl.col(f.name).is_not_null() & pl.col(f.column).is_null()
            chunk = chunk.with_columns((pl.col(STAGE) | unresolved).alias(STAGE))
        return chunk

    def _route_existing(self, chunk: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """An existing row equal to its stored version is done; one that differs is an update, staged."""
        if self._table_was_empty:
            return chunk
        asked = chunk.filter(~pl.col(STAGE)).get_column(self._key)
        if not self._comparable:
            existing = self._lookup.ids(self.fact, asked).select(pl.col("key").alias(self._key))
            if existing.height > MOSTLY_EXISTING * max(asked.len(), 1):
                self.open = False  # a re-import: the merge compares it as a whole
            found = existing.with_columns(pl.lit(False).alias("_attain_same"))
        else:
            found = self._compare(chunk.filter(~pl.col(STAGE)), rejected)
        if found.height == 0:
            return chunk
        chunk = chunk.join(found, on=self._key, how="left", maintain_order="left")
        same = pl.col("_attain_same")
        return chunk.with_columns(
            (pl.col(STAGE) | (same.is_not_null() & ~same)).alias(STAGE), same.fill_null(False).alias(DONE)
        ).drop("_attain_same")

    def _compare(self, candidates: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """(key, _attain_same) for the candidates that exist; `id` of the equal ones is kept aside."""
        stored = rows.stored_rows(
            self._s, self._lookup, self.fact, self.fields, candidates.get_column(self._key)
        )
        if stored.height == 0:
            return pl.DataFrame(schema={self._key: pl.Utf8(), "_attain_same": pl.Boolean()})
        both = stored.join(candidates, on=self._key, how="inner")
        for f in self._self_refs:
            # Pointing at a row decided in this chunk, a staged row or a rejected one: let the merge judge.
            values = (
                both.get_column(f.name)
                .drop_nulls()
                .unique()
                .to_frame("key")
                .join(rejected, on="key", how="anti")
            )
            ids = self._lookup.ids(self.fact, values.get_column("key")) if values.height else empty_keys()
            both = both.join(ids.rename({"key": f.name, "id": f.column}), on=f.name, how="left")
        checks = []
        for f in self.fields:
            if f.name == self._key:
                continue
            mine = pl.col(f.column) if f.type is FieldType.REF else pl.col(f.name)
            if f.type is FieldType.REF:  # a given reference that did not resolve never equals
                checks.append(pl.col(f.name).is_null() | mine.is_not_null())
            if both.schema[f.column if f.type is FieldType.REF else f.name] == pl.Null:
                checks.append(pl.col(rows.STORED + f.column).is_null())
            else:
                checks.append(mine.eq_missing(pl.col(rows.STORED + f.column)))
        same = pl.all_horizontal(checks) if checks else pl.lit(True)
        self._done_ids = both.select(self._key, "id", same.alias("_attain_same"))
        return self._done_ids.select(self._key, "_attain_same")

    def _route_self_references(self, chunk: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
        """A new row's self-reference must name an existing row or one written here (earlier or now)."""
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
                    pl.col(DONE)
                    | pl.col(f.name).is_null()
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

    # -- deciding -----------------------------------------------------------------------------

    def _keep_unchanged(self, done: pl.DataFrame) -> None:
        done = done.join(
            self._done_ids.select(self._key, "id"), on=self._key, how="left", maintain_order="left"
        )
        self.unchanged += done.height
        self._remember(done.select(pl.col(self._key).alias("key"), "id"))
        self._note(done, self._unchanged)

    def _insert(self, direct: pl.DataFrame) -> None:
        table = self.fact.table
        ids = rows.reserve_ids(self._s, table, direct.height) if self._table_was_empty else None
        direct = direct.with_columns(
            (ids if ids is not None else rows.draw_ids(self._s, table, direct.height)).alias("id")
        )
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
        dialect = self._s.connection().dialect.name
        out = [pl.col("id")]
        out += [
            pl.col(f.column) if f.type is FieldType.REF else rows.wire(f, dialect).alias(f.column)
            for f in self.fields
        ]
        if dialect != "postgresql":
            # A row may point at a row later in the chunk; SQLite checks foreign keys row by row unless
            # told to wait for the commit (PostgreSQL checks them at the end of the statement).
            self._s.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        rows.copy_in(self._s, table, direct.select(out))
        self.created += direct.height
        self._remember(mine)
        self._note(direct, self._written)

    def _note(self, decided: pl.DataFrame, origins: list[pl.DataFrame]) -> None:
        """What a rewind needs: where the rows came from, and which keys they refer to."""
        for f in (*self._refs, *self._self_refs):
            self._referenced[f.name].append(decided.select(pl.col(f.name).alias("key")).drop_nulls().unique())
        origins.append(decided.select(list(rows.ORIGINS)).cast(rows.ORIGINS))  # type: ignore[arg-type]

    # -- at merge time ------------------------------------------------------------------------

    def must_rewind(self, rejected_keys: Callable[[str], pl.DataFrame]) -> bool:
        """True when a later row repeated a decided key, or a row decided rows refer to was rejected."""
        if not self._decided():
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

    def rewind(self, stage: str) -> int:
        """Hand every decided row back to the staging table `stage`, as it came; return how many.

        Rows written here are deleted again; existing rows found unchanged stay as they are.
        """
        conn = self._s.connection()
        moved = self.created + self.unchanged
        if self._written:
            temp = rows.hand_back(self._s, self.fact, self.fields, stage, pl.concat(self._written))
            rows.delete_listed(self._s, self.fact.table, temp)
            conn.exec_driver_sql(f"DROP TABLE {q(temp)}")
        if self._unchanged:
            temp = rows.hand_back(self._s, self.fact, self.fields, stage, pl.concat(self._unchanged))
            conn.exec_driver_sql(f"DROP TABLE {q(temp)}")
        self.created = self.unchanged = 0
        self._written.clear()
        self._unchanged.clear()
        return moved
