"""The SQL of one staged merge: reference joins, key matching, checks, insert and update statements.

Generated from an entity's declaration in `attain.domain.facts`, for PostgreSQL or SQLite.
Identifiers come from that declaration, never from users; values are never spliced in.
"""

# ruff: noqa: S608  (statements are built from declared identifiers only; see the docstring)

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from attain.domain.facts import FactEntity, FactField, FieldType, entity


def q(name: str) -> str:
    return f'"{name}"'


class CheckKind(StrEnum):
    REJECTED_REF = "rejected-ref"  # refers to a row rejected earlier in the batch
    UNRESOLVED_REF = "unresolved-ref"  # refers to a key that exists nowhere
    CANNOT_CREATE = "cannot-create"  # new row, but the frame lacks a required field
    REPEATED_KEY = "repeated-key"  # the batch has another row with this key (entities unique in a batch)


@dataclass(frozen=True, slots=True)
class RowCheck:
    """One reason a staged row cannot be written; its SQL selects (_seq, _source, _row, value, src, row)."""

    kind: CheckKind
    fact: FactEntity
    field: FactField

    def describe(self, row: Any) -> tuple[Any, ...]:
        _seq, source, line, value, ref_source, ref_row = row
        f = self.field
        target = f.ref or ""
        if self.kind is CheckKind.REJECTED_REF:
            where = f"{ref_source} row {ref_row}" if ref_row is not None else str(ref_source or "that row")
            message = f"refers to a {target} whose own row was rejected"
            hint = f"fix {where} first, then import again"
        elif self.kind is CheckKind.UNRESOLVED_REF and target == "period":
            message = "no period has this key in the default calendar"
            hint = (
                "period keys look like FY2025, FY2025-Q1 or FY2025-M01; `attain init` creates missing years"
            )
        elif self.kind is CheckKind.UNRESOLVED_REF:
            message = f"no {target} has this external id"
            hint = f"import that {target} first (or in the same batch), or correct the reference"
        else:
            message = f"this {self.fact.name} does not exist yet and the data has no '{f.name}' to create it"
            hint = f"add a '{f.name}' column, or import the {self.fact.name} in full first"
        return (source, line, self.fact.name, f.name, None if value is None else str(value), message, hint)


class MergeSql:
    """Statements for merging one staging table into the entity's table."""

    def __init__(
        self,
        fact: FactEntity,
        fields: tuple[FactField, ...],
        stage: str,
        dialect: str,
        rejected_table: str | None,
        rejected_entities: frozenset[str],
    ) -> None:
        self.fact = fact
        self.fields = fields
        self.stage = q(stage)
        self.table = q(fact.table)
        self.pg = dialect == "postgresql"
        self.rejected_table = rejected_table
        self.rejected_entities = rejected_entities
        self.refs = tuple(f for f in fields if f.type is FieldType.REF)
        self.key_fields = tuple(fact.field(k) for k in fact.key)

    # -- pieces -------------------------------------------------------------------------------

    def self_refs(self) -> tuple[FactField, ...]:
        return tuple(f for f in self.refs if f.ref == self.fact.name)

    def compared_columns(self) -> tuple[FactField, ...]:
        return tuple(f for f in self.fields if f.name not in self.fact.key)

    @staticmethod
    def _target_key(f: FactField) -> tuple[str, str]:
        """The referenced table and the column holding the natural key written in files."""
        target = entity(f.ref or "")
        return target.table, target.key[0]

    def _ref_condition(self, alias: str, f: FactField, value: str) -> str:
        _, key = self._target_key(f)
        cond = f"{alias}.{q(key)} = {value}"
        if f.ref == "period":
            cond += f" AND {alias}.calendar_id = (SELECT min(id) FROM calendars WHERE is_default = true)"
        return cond

    def resolved(self) -> str:
        """The staged rows with each reference replaced by the referenced row's id (NULL when unknown)."""
        cols = [f"{self.stage}._seq AS _seq"]
        joins = []
        for f in self.fields:
            if f.type is FieldType.REF:
                alias = f"j_{f.name}"
                table, _ = self._target_key(f)
                on = self._ref_condition(alias, f, f"{self.stage}.{q(f.name)}")
                joins.append(f"LEFT JOIN {q(table)} AS {alias} ON {on}")
                cols.append(f"{alias}.id AS {q(f.column)}")
            else:
                cols.append(f"{self.stage}.{q(f.name)} AS {q(f.column)}")
        return f"SELECT {', '.join(cols)} FROM {self.stage} {' '.join(joins)}"

    def _same(self, left: str, right: str, f: FactField) -> str:
        if f.required:
            return f"{left} = {right}"
        return f"{left} IS NOT DISTINCT FROM {right}" if self.pg else f"{left} IS {right}"

    def _differs(self, left: str, right: str) -> str:
        return f"{left} IS DISTINCT FROM {right}" if self.pg else f"{left} IS NOT {right}"

    def _match(self, t: str, v: str) -> str:
        return " AND ".join(
            self._same(f"{t}.{q(f.column)}", f"{v}.{q(f.column)}", f) for f in self.key_fields
        )

    # -- duplicates ---------------------------------------------------------------------------

    def count_distinct_keys(self) -> str:
        keys = ", ".join(q(k) for k in self.fact.key)
        return f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {self.stage}) AS d"

    def delete_superseded(self) -> str:
        keys = ", ".join(q(k) for k in self.fact.key)
        return (
            f"DELETE FROM {self.stage} WHERE _seq NOT IN (SELECT max(_seq) FROM {self.stage} GROUP BY {keys})"
        )

    def repeated_key_rows(self) -> tuple[RowCheck, str]:
        """Every staged row whose key another staged row repeats, paired with each such other row."""
        s = self.stage
        first = self.fact.field(self.fact.key[0])
        same = " AND ".join(f"o.{q(k)} = {s}.{q(k)}" for k in self.fact.key)
        return (
            RowCheck(CheckKind.REPEATED_KEY, self.fact, first),
            f"SELECT {s}._seq, {s}._source, {s}._row, {s}.{q(first.name)}, "
            f"o._source AS o_source, o._row AS o_row FROM {s} JOIN {s} AS o ON {same} AND o._seq <> {s}._seq",
        )

    def stage_key_index(self) -> str:
        keys = ", ".join(q(k) for k in self.fact.key)
        return f"CREATE INDEX {q(self.stage.strip(chr(34)) + '_key')} ON {self.stage} ({keys})"

    # -- checks -------------------------------------------------------------------------------

    def row_checks(self, *, self_refs_only: bool = False) -> list[tuple[RowCheck, str]]:
        checks: list[tuple[RowCheck, str]] = []
        s = self.stage
        for f in self.refs:
            if self_refs_only and f.ref != self.fact.name:
                continue
            col = f"{s}.{q(f.name)}"
            if self.rejected_table and (f.ref in self.rejected_entities or f.ref == self.fact.name):
                rejected = (
                    f"SELECT key, min(_source) AS src, min(_row) AS rw FROM {q(self.rejected_table)} "
                    f"WHERE entity = '{f.ref}' GROUP BY key"
                )
                checks.append(
                    (
                        RowCheck(CheckKind.REJECTED_REF, self.fact, f),
                        f"SELECT {s}._seq, {s}._source, {s}._row, {col}, rj.src, rj.rw "
                        f"FROM {s} JOIN ({rejected}) AS rj ON rj.key = {col}",
                    )
                )
            table, key = self._target_key(f)
            missing = (
                f"{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(table)} AS x "
                f"WHERE {self._ref_condition('x', f, col)})"
            )
            if f.ref == self.fact.name:
                missing += f" AND NOT EXISTS (SELECT 1 FROM {s} AS s2 WHERE s2.{q(key)} = {col})"
            checks.append(
                (
                    RowCheck(CheckKind.UNRESOLVED_REF, self.fact, f),
                    f"SELECT {s}._seq, {s}._source, {s}._row, {col}, NULL, NULL FROM {s} WHERE {missing}",
                )
            )
        if self_refs_only:
            return checks
        provided = {f.name for f in self.fields}
        absent = [f for f in self.fact.fields if f.required and f.name not in provided]
        if absent:
            key_value = f"v_{self.key_fields[0].name}"
            new_rows = (
                f"SELECT v._seq, s._source, s._row, s.{q(self.key_fields[0].name)} AS {key_value} "
                f"FROM ({self.resolved()}) AS v JOIN {s} AS s ON s._seq = v._seq "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.table} AS t WHERE {self._match('t', 'v')})"
            )
            checks.append(
                (
                    RowCheck(CheckKind.CANNOT_CREATE, self.fact, absent[0]),
                    f"SELECT n._seq, n._source, n._row, n.{key_value}, NULL, NULL FROM ({new_rows}) AS n",
                )
            )
        return checks

    def _failing(self, checks: list[tuple[RowCheck, str]]) -> str:
        return " UNION ".join(f"SELECT c._seq FROM ({check_sql}) AS c" for _, check_sql in checks)

    def remember_rejected(self, rejected_table: str, checks: list[tuple[RowCheck, str]]) -> str:
        return (
            f"INSERT INTO {q(rejected_table)} (entity, key, _source, _row) "
            f"SELECT '{self.fact.name}', external_id, _source, _row FROM {self.stage} "
            f"WHERE _seq IN ({self._failing(checks)})"
        )

    def delete_failing(self, checks: list[tuple[RowCheck, str]]) -> str:
        return f"DELETE FROM {self.stage} WHERE _seq IN ({self._failing(checks)})"

    # -- writes -------------------------------------------------------------------------------

    def insert_new(self, *, table_empty: bool) -> str:
        """New rows in staging order (ids follow the file); self-references are linked afterwards."""
        cols = ", ".join(q(f.column) for f in self.fields)
        values = ", ".join("NULL" if f.ref == self.fact.name else f"v.{q(f.column)}" for f in self.fields)
        where = (
            ""
            if table_empty
            else (f" WHERE NOT EXISTS (SELECT 1 FROM {self.table} AS t WHERE {self._match('t', 'v')})")
        )
        return (
            f"INSERT INTO {self.table} ({cols}) SELECT {values} FROM ({self.resolved()}) AS v"
            f"{where} ORDER BY v._seq"
        )

    def update_changed(self) -> str:
        """Existing rows (id <= :max_id) whose provided columns differ; returns their count."""
        compared = self.compared_columns()
        sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in compared)
        differs = " OR ".join(self._differs(f"t.{q(f.column)}", f"v.{q(f.column)}") for f in compared)
        return (
            f"UPDATE {self.table} AS t SET {sets} FROM ({self.resolved()}) AS v "
            f"WHERE {self._match('t', 'v')} AND t.id <= :max_id AND ({differs})"
        )

    def link_new_self_refs(self) -> str:
        """Set the self-references of rows created by this merge (id > :max_id), now that all exist."""
        refs = self.self_refs()
        sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in refs)
        given = " OR ".join(f"v.{q(f.column)} IS NOT NULL" for f in refs)
        return (
            f"UPDATE {self.table} AS t SET {sets} FROM ({self.resolved()}) AS v "
            f"WHERE {self._match('t', 'v')} AND t.id > :max_id AND ({given})"
        )
