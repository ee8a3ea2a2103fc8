"""Reading source files as text: encoding detection, CSV streamed in chunks, XLSX sheets.

Every cell arrives as text (XLSX dates as ISO text) with a `_row` column numbered as a spreadsheet
shows it (the header is row 1). Files that are not UTF-8 are transcoded from Windows-1252.
"""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from attain.domain.errors import InvalidInput

BLOCK = 1 << 20
ROW = "_row"
FIRST_DATA_ROW = 2
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes Windows-1252 leaves undefined (0x81, 0x8D, ...) are read as Latin-1 instead of failing."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("attain-latin1", _latin1_fallback)


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    name: str
    sha256: str
    encoding: str  # utf-8, utf-8-sig or cp1252
    lines: int  # line breaks: the expected rows, for progress

    @property
    def transcoded(self) -> bool:
        return self.encoding == "cp1252"


def inspect_file(path: Path) -> SourceFile:
    """Hash the file and find its encoding in one streaming pass."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", hint="check the path")
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    lines = 0
    with path.open("rb") as fh:
        first = True
        while block := fh.read(BLOCK):
            digest.update(block)
            lines += block.count(b"\n")
            if first:
                bom = block.startswith(codecs.BOM_UTF8)
                first = False
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    encoding = ("utf-8-sig" if not first and bom else "utf-8") if utf8 else "cp1252"
    return SourceFile(path, path.name, digest.hexdigest(), encoding, lines)


def utf8_copy(source: SourceFile, folder: Path) -> Path:
    """The file itself when it is UTF-8, else a UTF-8 copy in `folder` (streamed, never whole in memory)."""
    if not source.transcoded:
        return source.path
    target = folder / f"{source.path.stem}.utf8{source.path.suffix}"
    with source.path.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as out:
        decoder = codecs.getincrementaldecoder("cp1252")(errors="attain-latin1")
        while block := raw.read(BLOCK):
            out.write(decoder.decode(block))
        out.write(decoder.decode(b"", final=True))
    return target


def _scan(path: Path, delimiter: str) -> pl.LazyFrame:
    return pl.scan_csv(
        path,
        separator=delimiter,
        infer_schema=False,
        empty_string_is_null=False,
        row_index_name=ROW,
        row_index_offset=FIRST_DATA_ROW,
        encoding="utf8",
    )


def csv_header(path: Path, delimiter: str) -> list[str]:
    try:
        return [c for c in _scan(path, delimiter).collect_schema().names() if c != ROW]
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(f"{path.name}: cannot read the header: {exc}", hint="is it a CSV file?") from None


def csv_chunks(path: Path, name: str, delimiter: str, rows: int) -> Iterator[pl.DataFrame]:
    """The CSV in chunks of about `rows` rows, every column as text."""
    try:
        yield from _scan(path, delimiter).collect_batches(chunk_size=rows)
    except pl.exceptions.PolarsError as exc:
        raise InvalidInput(
            f"{name}: the CSV cannot be read: {exc}",
            hint="check quoting and that every row has as many fields as the header",
        ) from None


def xlsx_sheet(path: Path, sheet: str | None) -> pl.DataFrame:
    """One sheet (the first when `sheet` is None) as text columns; dates become ISO text."""

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for unreadable workbooks
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook: {exc}") from None
    names: list[str] = list(reader.sheet_names)
    if sheet is not None and sheet not in names:
        raise InvalidInput(f"{path.name} has no sheet '{sheet}'", hint=f"sheets: {', '.join(names)}")
    frame = pl.read_excel(path, sheet_name=sheet or names[0], engine="calamine", infer_schema_length=None)
    as_text = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            as_text.append(col.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            as_text.append(col.dt.strftime("%Y-%m-%d %H:%M:%S"))
        elif dtype == pl.Float64:
            # Whole numbers stored as floats (Excel has no integers) read as 12, not 12.0.
            as_text.append(
                pl.when(col == col.round(0))
                .then(col.cast(pl.Int64, strict=False).cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8))
                .alias(name)
            )
        else:
            as_text.append(col.cast(pl.Utf8))
    return (
        frame.select(as_text)
        .with_row_index(ROW, offset=FIRST_DATA_ROW)
        .with_columns(pl.col(ROW).cast(pl.Int64))
    )


def is_xlsx(path: Path, declared: str) -> bool:
    return declared == "xlsx" or (declared == "auto" and path.suffix.lower() in XLSX_SUFFIXES)


def work_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="attain-import-"))
