"""`attain import maven-crm DIR` and `attain import classicmodels DIR`: the built-in dataset folders.

Each reads the folder as distributed through its source adapter (attain.app.imports.sources) and
loads it all-or-nothing; docs/imports.md describes the mapping and the quirks each one reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from attain.app.imports.sources.classicmodels import read_classicmodels
from attain.app.imports.sources.maven_crm import read_maven_crm
from attain.cli.imports import Rejects, SkipInvalid, import_app, invalid_rows, rejects_file, run_import

Folder = Annotated[
    Path,
    typer.Argument(help="The dataset folder, as distributed", exists=True, file_okay=False, dir_okay=True),
]


@import_app.command("maven-crm")
def import_maven_crm(
    ctx: typer.Context, folder: Folder, skip_invalid: SkipInvalid = False, rejects: Rejects = None
) -> None:
    """Import the Maven CRM dataset (accounts.csv, products.csv, sales_teams.csv, sales_pipeline.csv)."""
    on_invalid = invalid_rows(skip_invalid)
    run_import(
        ctx,
        lambda _progress: read_maven_crm(folder),
        on_invalid=on_invalid,
        rejects_path=rejects_file(rejects, on_invalid, folder),
    )


@import_app.command("classicmodels")
def import_classicmodels(
    ctx: typer.Context, folder: Folder, skip_invalid: SkipInvalid = False, rejects: Rejects = None
) -> None:
    """Import the classicmodels sample database exported as CSV (offices, employees, customers, ...)."""
    on_invalid = invalid_rows(skip_invalid)
    run_import(
        ctx,
        lambda _progress: read_classicmodels(folder),
        on_invalid=on_invalid,
        rejects_path=rejects_file(rejects, on_invalid, folder),
    )
