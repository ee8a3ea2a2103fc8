"""CSV and XLSX files read through a declared mapping into a streamed Batch of typed frames.

Files are checked (header against the mapping, encoding, checksum) when the batch is built; their
rows are parsed chunk by chunk while `load_batch` consumes the stream, so memory stays bounded.
"""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from attain.app.imports.batch import Batch, Chunk, Quirk
from attain.app.imports.mapping import Mapping, TargetSpec
from attain.app.imports.parsing import ParsedTarget, parse_target
from attain.app.imports.readers import (
    SourceFile,
    csv_chunks,
    csv_header,
    inspect_file,
    is_xlsx,
    utf8_copy,
    work_folder,
    xlsx_sheet,
)
from attain.domain.errors import InvalidInput
from attain.domain.facts import entity

CHUNK_ROWS = 100_000
Progress = Callable[[str, int, int], None]  # file name, rows read so far, rows expected


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which file column feeds each field of each target."""

    columns: list[dict[str, str | None]]  # per target: field -> column


def _plan(mapping: Mapping, header: list[str], name: str) -> _Plan:
    present = set(header)
    plans: list[dict[str, str | None]] = []
    missing: list[str] = []
    for target in mapping.targets:
        chosen: dict[str, str | None] = {}
        for field_name, spec in target.fields.items():
            options = spec.columns()
            found = next((c for c in options if c in present), None)
            if options and found is None and not spec.optional:
                missing.append(" or ".join(f"'{c}'" for c in options))
            chosen[field_name] = found
        plans.append(chosen)
    if missing:
        close = {m: difflib.get_close_matches(m.split("'")[1], header, n=1) for m in missing}
        guesses = "; ".join(f"{m} (found '{c[0]}'?)" for m, c in close.items() if c)
        raise InvalidInput(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(dict.fromkeys(missing))} "
            f"that mapping '{mapping.name}' reads",
            hint=(guesses + "; " if guesses else "") + f"the file has: {', '.join(header)}",
        )
    return _Plan(plans)


def file_batch(
    paths: Sequence[Path],
    mapping: Mapping,
    *,
    sheet: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Batch:
    """A Batch over `paths` read through `mapping`; raises InvalidInput when a file does not fit it."""
    if not paths:
        raise InvalidInput("no files to import", hint="name at least one CSV or XLSX file")
    batch = Batch(source=mapping.name)
    for path in paths:
        info = inspect_file(path)
        record: dict[str, Any] = {"name": info.name, "sha256": info.sha256, "rows": 0}
        batch.files.append(record)
        if is_xlsx(path, mapping.format):
            frame = xlsx_sheet(path, sheet or mapping.sheet)
            plan = _plan(mapping, [c for c in frame.columns if c != "_row"], info.name)
            batch.add_stream(_stream(mapping, plan, info, record, iter([frame]), progress))
            continue
        if info.transcoded:
            batch.quirks.append(
                Quirk(
                    "latin1_encoding",
                    f"{info.name} is not UTF-8: read as Windows-1252 (Latin-1)",
                    1,
                    (info.name,),
                )
            )
        plan = _plan(mapping, csv_header(path, mapping.delimiter), info.name)
        batch.add_stream(_csv_stream(mapping, plan, info, record, progress, chunk_rows))
    return batch


def _csv_stream(
    mapping: Mapping,
    plan: _Plan,
    info: SourceFile,
    record: dict[str, Any],
    progress: Progress | None,
    chunk_rows: int,
) -> Iterator[Chunk]:
    folder = work_folder()
    try:
        readable = utf8_copy(info, folder)
        yield from _stream(
            mapping,
            plan,
            info,
            record,
            csv_chunks(readable, info.name, mapping.delimiter, chunk_rows),
            progress,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stream(
    mapping: Mapping,
    plan: _Plan,
    info: SourceFile,
    record: dict[str, Any],
    raws: Iterator[pl.DataFrame],
    progress: Progress | None,
) -> Iterator[Chunk]:
    emitted: dict[str, set[Any]] = {}
    for raw in raws:
        record["rows"] += raw.height
        main_failed = pl.Series("failed", [False] * raw.height, dtype=pl.Boolean)
        parsed: list[tuple[TargetSpec, ParsedTarget]] = []
        for target, columns in zip(mapping.targets, plan.columns, strict=True):
            result = parse_target(mapping, target, raw, columns, info.name)
            parsed.append((target, result))
            if not target.derived:
                main_failed = main_failed | result.failed
        for target, result in parsed:
            if target.derived:
                chunk = _derived(target, result, main_failed, emitted.setdefault(target.entity, set()))
                if chunk is not None:
                    yield chunk
            else:
                yield Chunk(target.entity, result.frame, result.errors)
        if progress is not None:
            progress(info.name, int(record["rows"]), info.lines)


def _derived(
    target: TargetSpec, result: ParsedTarget, main_failed: pl.Series, seen: set[Any]
) -> Chunk | None:
    """Dimension rows from rows whose main target parsed: one per key, the first occurrence, once per file."""
    fact = entity(target.entity)
    key = list(fact.key)
    rows = result.frame.with_columns(result.failed.alias("_failed")).filter(~main_failed)
    rows = rows.drop_nulls(subset=[k for k in key if fact.field(k).required])
    rows = rows.unique(subset=key, keep="first", maintain_order=True)
    if seen:
        keys = rows.select(
            pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in key], separator="\x1f")
        )
        rows = rows.filter(~keys.to_series().is_in(list(seen)))
    if rows.height == 0:
        return None
    seen.update(
        rows.select(pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in key], separator="\x1f"))
        .to_series()
        .to_list()
    )
    kept = set(rows.filter(pl.col("_failed")).get_column("_row").to_list())
    errors = [e for e in result.errors if e.row in kept]
    return Chunk(target.entity, rows.drop("_failed"), errors)
