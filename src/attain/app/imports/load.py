"""Loading a Batch: one database transaction, all-or-nothing by default, idempotent, audited.

`load_batch` is the one entry point every import source uses. Rows named by a parse error, rows
breaking an entity rule and rows whose references cannot be resolved are rejected; with the
default `InvalidRows.REJECT_BATCH` any rejection rolls everything back and raises ImportRejected.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from attain.app.imports.batch import (
    Batch,
    Chunk,
    EntityCounts,
    ImportRejected,
    ImportReport,
    InvalidRows,
    Quirk,
)
from attain.app.imports.ports import FactWriter, MergeResult
from attain.app.imports.readahead import read_ahead
from attain.app.imports.rejects import ErrorLog
from attain.app.imports.validation import check_rules
from attain.app.ports import Store
from attain.domain.facts import LOAD_ORDER, entity

REPORTED_ERRORS = 100  # errors kept in the import_batches row


class _Loader:
    """Stages frames (dropping and remembering rejected rows), then merges entity by entity."""

    def __init__(self, facts: FactWriter, log: ErrorLog, source: str) -> None:
        self.facts = facts
        self.log = log
        self.source = source
        self.counts: dict[str, EntityCounts] = {}
        self.quirks: list[Quirk] = []
        self._frames = 0

    def count(self, entity_name: str) -> EntityCounts:
        return self.counts.setdefault(entity_name, EntityCounts())

    def stage(self, entity_name: str, frame: pl.DataFrame, listed: pl.DataFrame | None) -> None:
        """Stage `frame`; rows that `listed` names (by `_source`, `_row`) were already found invalid."""
        fact = entity(entity_name)
        self._frames += 1
        frame = _with_origin(frame, self.source, self._frames)
        rejected: list[pl.DataFrame] = []
        if listed is not None and listed.height:
            mine = (
                listed.filter(pl.col("entity").is_null() | (pl.col("entity") == fact.name))
                .select("_source", "_row")
                .unique()
            )
            rejected.append(frame.join(mine, on=["_source", "_row"], how="semi"))
            frame = frame.join(mine, on=["_source", "_row"], how="anti")
        frame, rule_errors = check_rules(fact, frame)
        if rule_errors.height:
            self.log.add_frame(rule_errors)
            failing = rule_errors.select("_source", "_row").unique()
            rejected.append(frame.join(failing, on=["_source", "_row"], how="semi"))
            frame = frame.join(failing, on=["_source", "_row"], how="anti")
        for rows in rejected:
            if rows.height:
                self.count(fact.name).rejected += rows.height
                self.facts.reject(fact.name, rows)
        self.facts.stage(fact.name, frame)

    def merge_all(self) -> None:
        staged = set(self.facts.staged_entities())
        for name in [e for e in LOAD_ORDER if e in staged] + sorted(staged - set(LOAD_ORDER)):
            self._add(self.facts.merge(name))

    def _add(self, result: MergeResult) -> None:
        c = self.count(result.entity)
        c.created += result.created
        c.updated += result.updated
        c.unchanged += result.unchanged
        c.rejected += result.rejected
        self.log.add_frame(result.errors)
        if result.duplicates:
            self.quirks.append(
                Quirk(
                    "duplicate_keys",
                    f"{result.entity}: rows repeating the natural key of a later row in the same batch; "
                    "the last one was kept",
                    result.duplicates,
                )
            )


def _with_origin(frame: pl.DataFrame, source: str, number: int) -> pl.DataFrame:
    """Every staged row needs an origin for its errors: a frame without one is named by its position."""
    extra = []
    if "_source" not in frame.columns:
        extra.append(pl.lit(f"{source} frame {number}").alias("_source"))
    if "_row" not in frame.columns:
        extra.append(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    return frame.with_columns(extra) if extra else frame


def _listed(errors: Iterable[Any]) -> pl.DataFrame:
    rows = [(e.source, e.row, e.entity) for e in errors if e.row is not None]
    return pl.DataFrame(rows, schema={"_source": pl.Utf8, "_row": pl.Int64, "entity": pl.Utf8}, orient="row")


def _chunks(batch: Batch) -> Iterable[Chunk]:
    for stream in batch.streams:
        yield from stream


def load_batch(
    store: Store,
    batch: Batch,
    *,
    actor: str,
    on_invalid: InvalidRows = InvalidRows.REJECT_BATCH,
    rejects_path: Path | None = None,
) -> ImportReport:
    """Write `batch` in one transaction and report what it created, updated, left unchanged and rejected.

    Errors about a whole file (no row) reject the batch whatever `on_invalid` says. When
    `rejects_path` is given, every error is also written there as CSV (one line per error).
    """
    started = datetime.now(UTC)
    log = ErrorLog(rejects_path)
    loader: _Loader | None = None
    try:
        with store.transaction() as tx:
            loader = _Loader(tx.facts, log, batch.source)
            log.add(batch.errors)
            listed = _listed(batch.errors)
            for entity_name, frame in batch.frames:
                loader.stage(entity_name, frame, listed)
            with closing(read_ahead(_chunks(batch))) as chunks:
                for chunk in chunks:
                    log.add(chunk.errors)
                    loader.stage(chunk.entity, chunk.frame, _listed(chunk.errors) if chunk.errors else None)
            _count_unstaged_rejections(loader, batch, listed)
            loader.merge_all()
            report = _report(batch, loader, log, "committed")
            if log.total and (on_invalid is InvalidRows.REJECT_BATCH or log.structural):
                raise ImportRejected(_rejected(report))
            finished = datetime.now(UTC)
            report.batch_id = tx.facts.record_batch(
                source=batch.source,
                files=batch.files,
                started_at=started,
                finished_at=finished,
                status=report.status,
                actor=actor,
                counts=_counts(report),
                report=_summary(report),
            )
            tx.audit.record(
                at=finished,
                actor=actor,
                action="import",
                entity="import_batch",
                entity_id=str(report.batch_id),
                detail={"source": batch.source, **_summary(report)},
            )
    except ImportRejected as exc:
        log.close()
        _record_rejection(store, batch, exc.report, actor=actor, started=started)
        raise
    finally:
        log.close()
    return report


def _count_unstaged_rejections(loader: _Loader, batch: Batch, listed: pl.DataFrame) -> None:
    """Rows a source dropped itself (it only listed their errors) still count as rejected for their entity."""
    known = listed.filter(pl.col("entity").is_not_null()).unique()
    for (name,), rows in known.group_by("entity"):
        staged_rejects = 0  # rows also present in a frame were counted when they were dropped
        for entity_name, frame in batch.frames:
            if entity_name == name and "_source" in frame.columns and "_row" in frame.columns:
                staged_rejects += frame.join(rows, on=["_source", "_row"], how="semi").height
        loader.count(str(name)).rejected += max(rows.height - staged_rejects, 0)


def _report(batch: Batch, loader: _Loader, log: ErrorLog, status: str) -> ImportReport:
    return ImportReport(
        source=batch.source,
        status=status,
        counts=_in_load_order(loader.counts),
        errors=list(log.first),
        quirks=[*batch.quirks, *loader.quirks],
        error_count=log.total,
        rejects_file=str(log.rejects_path) if log.written and log.rejects_path else None,
    )


def _in_load_order(counts: dict[str, EntityCounts]) -> dict[str, EntityCounts]:
    rank = {name: i for i, name in enumerate(LOAD_ORDER)}
    return dict(sorted(counts.items(), key=lambda item: rank.get(item[0], len(rank))))


def _rejected(report: ImportReport) -> ImportReport:
    """Nothing was written: only the rejected counts stay meaningful."""
    report.status = "rejected"
    report.counts = {name: EntityCounts(rejected=c.rejected) for name, c in report.counts.items()}
    return report


def _counts(report: ImportReport) -> dict[str, Any]:
    return {name: c.as_dict() for name, c in report.counts.items()}


def _summary(report: ImportReport) -> dict[str, Any]:
    return {
        "counts": _counts(report),
        "quirks": [
            {"code": q.code, "message": q.message, "count": q.count, "examples": list(q.examples)}
            for q in report.quirks
        ],
        "error_count": report.error_count,
        "errors": [e.render() for e in report.errors[:REPORTED_ERRORS]],
        "rejects_file": report.rejects_file,
    }


def _record_rejection(
    store: Store, batch: Batch, report: ImportReport, *, actor: str, started: datetime
) -> None:
    """The attempt is kept (files, errors) even though none of its rows were written."""
    finished = datetime.now(UTC)
    with store.transaction() as tx:
        report.batch_id = tx.facts.record_batch(
            source=batch.source,
            files=batch.files,
            started_at=started,
            finished_at=finished,
            status=report.status,
            actor=actor,
            counts=_counts(report),
            report=_summary(report),
        )
        tx.audit.record(
            at=finished,
            actor=actor,
            action="import_rejected",
            entity="import_batch",
            entity_id=str(report.batch_id),
            detail={"source": batch.source, **_summary(report)},
        )
