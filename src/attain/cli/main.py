"""The `attain` entry point: global options, sub-command registration and error-to-exit-code mapping."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from attain.analytics.definitions import as_rows
from attain.app.setup import init_company
from attain.cli.context import CliState, state
from attain.cli.output import EXIT_BAD_INPUT, EXIT_INTERNAL, OutputFormat, err_console, print_rows
from attain.domain.errors import AttainError

app = typer.Typer(
    name="attain",
    help="Attain: Sales Performance Management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: ATTAIN_DATABASE_URL or sqlite:///attain.db)"),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="How to print data")] = OutputFormat.TABLE,
) -> None:
    ctx.obj = CliState(db_url=db, fmt=fmt)


@app.command()
def init(
    ctx: typer.Context,
    fiscal_year_start: Annotated[int, typer.Option(help="Month (1-12) in which the fiscal year starts")] = 1,
    currency: Annotated[str, typer.Option(help="Reporting currency (ISO 4217)")] = "USD",
    first_year: Annotated[int | None, typer.Option(help="First fiscal year to create periods for")] = None,
    last_year: Annotated[int | None, typer.Option(help="Last fiscal year to create periods for")] = None,
) -> None:
    """Create or upgrade the database and set up the fiscal calendar and its periods."""
    st = state(ctx)
    store = st.store(upgrade=True)
    this_year = datetime.now().astimezone().year
    result = init_company(
        store,
        start_month=fiscal_year_start,
        currency=currency,
        first_fy=first_year or this_year - 3,
        last_fy=last_year or this_year + 1,
    )
    with store.transaction() as tx:  # the published metric definitions, for anything reading the tables
        tx.metric_definitions.publish(as_rows())
    verb = "created" if result.created else "kept"
    err_console.print(
        f"[green]Calendar {verb}[/green] (fiscal year starts in month "
        f"{result.calendar.start_month}); {result.periods_added} periods added."
    )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply any pending schema migrations."""
    state(ctx).store(upgrade=True)
    err_console.print("[green]Schema is up to date.[/green]")


@app.command()
def status(ctx: typer.Context) -> None:
    """Row counts of the main tables."""
    st = state(ctx)
    with st.store().transaction() as tx:
        counts = tx.counts.table_counts()
    print_rows([{"table": k, "rows": v} for k, v in counts.items()], st.fmt, title="Attain database")


def _register() -> None:
    # Sub-command modules register themselves on `app`; imported here so `main` sees them all.
    from attain.cli import commands  # noqa: F401, PLC0415 (commands import `app` from here)


def main() -> None:
    _register()
    try:
        app()
    except AttainError as exc:
        err_console.print(f"[red]error[/red] ({exc.kind}): {exc.render()}")
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        err_console.print(f"[red]internal error[/red]: {type(exc).__name__}: {exc}")
        err_console.print("Please report this with the command you ran; nothing was half-written.")
        sys.exit(EXIT_INTERNAL)
