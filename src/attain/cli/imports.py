"""`attain import ...`: files through a declared mapping, and the built-in CRM export mappings.

`import_app` is the sub-app every import command registers on; `print_report` prints an
ImportReport in the chosen --format and `run_import` loads a Batch with a progress bar.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from attain.app.imports.batch import Batch, ImportRejected, ImportReport, InvalidRows
from attain.app.imports.files import file_batch
from attain.app.imports.load import load_batch
from attain.app.imports.mapping import Mapping, builtin_mapping, load_mapping
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import EXIT_BAD_INPUT, OutputFormat, console, err_console, print_rows

import_app = typer.Typer(
    help="Import CSV/XLSX files and CRM exports (all-or-nothing per batch).", no_args_is_help=True
)
app.add_typer(import_app, name="import")

SHOWN_ERRORS = 50
ProgressHook = Callable[[str, int, int], None]

SkipInvalid = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Load the valid rows and write the rejected "
        "ones to the rejects file, instead of rejecting the whole batch",
    ),
]
Rejects = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="CSV file listing every rejected row and why "
        "(default with --skip-invalid: <first file>.rejects.csv)",
    ),
]


def report_dict(report: ImportReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "status": report.status,
        "batch_id": report.batch_id,
        "counts": {name: c.as_dict() for name, c in report.counts.items()},
        "quirks": [
            {"code": q.code, "message": q.message, "count": q.count, "examples": list(q.examples)}
            for q in report.quirks
        ],
        "error_count": max(report.error_count, len(report.errors)),
        "errors": [
            {
                "source": e.source,
                "row": e.row,
                "column": e.column,
                "value": e.value,
                "entity": e.entity,
                "message": e.message,
                "hint": e.hint,
            }
            for e in report.errors
        ],
        "rejects_file": report.rejects_file,
    }


def print_report(report: ImportReport, fmt: OutputFormat) -> None:
    """The report as a table (counts, quirks, errors), as CSV (the counts) or as JSON (everything)."""
    if fmt is OutputFormat.JSON:
        sys.stdout.write(json.dumps(report_dict(report), indent=2) + "\n")
        return
    rows = [{"entity": name, **c.as_dict()} for name, c in report.counts.items()]
    columns = ["entity", "created", "updated", "unchanged", "rejected"]
    if fmt is OutputFormat.CSV:
        print_rows(rows, fmt, columns=columns)
    else:
        print_rows(rows, fmt, title=f"Import {report.source}: {report.status}", columns=columns)
        if report.quirks:
            quirks = Table(title="Quirks handled")
            for name in ("quirk", "count", "what was done"):
                quirks.add_column(name, justify="right" if name == "count" else "left")
            for q in report.quirks:
                quirks.add_row(q.code, str(q.count), q.message)
            console.print(quirks)
    total = max(report.error_count, len(report.errors))
    for e in report.errors[:SHOWN_ERRORS]:
        err_console.print(Text.assemble(("error ", "red"), e.render()))
    if total > SHOWN_ERRORS:
        err_console.print(f"... and {total - SHOWN_ERRORS} more errors", highlight=False)
    if report.rejects_file:
        err_console.print(f"Rejected rows and reasons: {report.rejects_file}", highlight=False)
    if report.committed:
        err_console.print(f"[green]Imported[/green] (batch {report.batch_id}).")
    else:
        err_console.print(
            f"[red]Nothing was imported[/red]: {total} error(s). Fix the rows and import again, "
            "or use --skip-invalid to load the valid rows."
        )


@contextmanager
def import_progress() -> Iterator[ProgressHook]:
    """A Rich progress bar (on stderr) fed with (file, rows read, rows expected)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(name: str, done: int, expected: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"reading {name}", total=max(expected, 1))
            bar.update(tasks[name], completed=min(done, max(expected, done)), total=max(expected, done))

        yield advance


def invalid_rows(skip_invalid: bool) -> InvalidRows:
    """The policy the --skip-invalid flag asks for."""
    return InvalidRows.SKIP if skip_invalid else InvalidRows.REJECT_BATCH


def run_import(
    ctx: typer.Context,
    make_batch: Callable[[ProgressHook], Batch],
    *,
    on_invalid: InvalidRows,
    rejects_path: Path | None,
) -> ImportReport:
    """Build the batch (its reading feeds the progress bar), load it and print the report.

    Exits with code 2 when the batch is rejected, after printing the report with every error.
    """
    st = state(ctx)
    store = st.store()
    try:
        with import_progress() as progress:
            batch = make_batch(progress)
            with err_console.status("writing to the database"):
                report = load_batch(
                    store, batch, actor="cli", on_invalid=on_invalid, rejects_path=rejects_path
                )
    except ImportRejected as exc:
        print_report(exc.report, st.fmt)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    print_report(report, st.fmt)
    return report


def rejects_file(rejects: Path | None, on_invalid: InvalidRows, first: Path) -> Path | None:
    """The --rejects file, or `<first input>.rejects.csv` in the current folder when skipping invalid rows."""
    if rejects is not None:
        return rejects
    return Path(f"{first.stem}.rejects.csv") if on_invalid is InvalidRows.SKIP else None


def _import_files(
    ctx: typer.Context,
    paths: list[Path],
    mapping: Mapping,
    sheet: str | None,
    on_invalid: InvalidRows,
    rejects: Path | None,
) -> None:
    run_import(
        ctx,
        lambda progress: file_batch(paths, mapping, sheet=sheet, progress=progress),
        on_invalid=on_invalid,
        rejects_path=rejects_file(rejects, on_invalid, paths[0]),
    )


@import_app.command("file")
def import_file(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="CSV or XLSX files, read with the same mapping")],
    mapping: Annotated[
        Path, typer.Option("--mapping", "-m", help="Mapping file (YAML), see docs/imports.md")
    ],
    sheet: Annotated[
        str | None, typer.Option(help="XLSX sheet to read (default: the mapping's, else the first)")
    ] = None,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
) -> None:
    """Import files through a declared mapping."""
    _import_files(ctx, paths, load_mapping(mapping), sheet, invalid_rows(skip_invalid), rejects)


@import_app.command("salesforce")
def import_salesforce(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A Salesforce Opportunities report exported as CSV")],
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
) -> None:
    """Import a Salesforce opportunity report export (columns: docs/imports.md)."""
    _import_files(
        ctx, [path], builtin_mapping("salesforce-opportunities"), None, invalid_rows(skip_invalid), rejects
    )


@import_app.command("hubspot")
def import_hubspot(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A HubSpot deals export (CSV or XLSX)")],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet to read (default: the first)")] = None,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
) -> None:
    """Import a HubSpot deals export (columns: docs/imports.md)."""
    _import_files(ctx, [path], builtin_mapping("hubspot-deals"), sheet, invalid_rows(skip_invalid), rejects)
