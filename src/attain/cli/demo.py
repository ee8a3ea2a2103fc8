"""`attain demo`: generate the demo company into the database, with a progress bar, and print what it made."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from attain.app.ports import Store
from attain.app.users import DemoLogin, ensure_demo_users
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console, print_rows
from attain.demo.install import Progress as ProgressHook
from attain.demo.install import install_demo
from attain.demo.pay import PayDemoResult, install_pay
from attain.demo.spec import MIN_REPS, DemoSpec
from attain.domain.errors import InvalidInput
from attain.store.reset import empty_database, is_sqlite


@contextmanager
def demo_progress() -> Iterator[ProgressHook]:
    """A Rich progress line on stderr: the current step, rows generated so far, time elapsed."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("preparing", rows="", total=None)

        def show(what: str, done: int, _expected: int) -> None:
            bar.update(task, description=what, rows=f"{done:,} rows" if done else "")

        yield show


def _logins(store: Store, on: date) -> list[DemoLogin]:
    return ensure_demo_users(store, on=on)


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and as-of date give the same company")
    ] = 7,
    reps: Annotated[int, typer.Option(help=f"Rep seats in the sales org (at least {MIN_REPS})")] = 60,
    orders: Annotated[
        int | None,
        typer.Option(
            help="Target number of order lines (default: the natural "
            "volume, about 5,000 for 60 reps); scales to millions"
        ),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="The 'today' of the history (default: today)"),
    ] = None,
    fiscal_year_start: Annotated[int, typer.Option(help="Month (1-12) in which the fiscal year starts")] = 1,
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty the database first (SQLite: the file is deleted)")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm --replace on a database that is not SQLite")
    ] = False,
) -> None:
    """Generate a realistic demo company (org, accounts, three fiscal years of deals, orders, quotas)."""
    st = state(ctx)
    spec = DemoSpec(
        as_of=as_of.date() if as_of else datetime.now().astimezone().date(),  # the user's today
        seed=seed,
        reps=reps,
        orders=orders,
        fiscal_start_month=fiscal_year_start,
    )
    if replace:
        if not is_sqlite(st.db_url) and not yes:
            raise InvalidInput(
                "--replace would drop every table of a database that is not a SQLite file",
                hint="add --yes if that is really what you want",
            )
        err_console.print(f"[yellow]Replacing[/yellow]: {empty_database(st.db_url)}", highlight=False)
    store = st.store(upgrade=True)
    with demo_progress() as progress:
        result = install_demo(
            store,
            spec,
            actor="cli",
            progress=progress,
            create_logins=_logins,
            set_up_pay=lambda s, p: install_pay(store, store, s, progress=p),
        )
    created = result.created()
    rows: list[dict[str, Any]] = [{"entity": name, "created": n} for name, n in created.items()]
    print_rows(
        rows,
        st.fmt,
        title=f"Demo company (seed {spec.seed}, as of {spec.as_of})",
        columns=["entity", "created"],
    )
    if isinstance(result.pay, PayDemoResult):
        pay = result.pay
        err_console.print(
            f"Incentive plans {', '.join(pay.plans)}: {pay.assignments} assignments, "
            f"{len(pay.closed)} quarters run and closed, "
            f"{pay.open_run or 'no quarter'} run as of {spec.as_of}."
        )
    _print_logins(result.logins)


def _print_logins(logins: Sequence[tuple[str, str, str]]) -> None:
    if not logins:
        err_console.print("No new demo logins (they exist already; `attain user add` makes more).")
        return
    err_console.print("[green]Demo logins[/green] (shown once; the web app is `attain serve`):")
    for username, password, role in logins:
        err_console.print(f"  {role:<11} {username:<10} {password}", highlight=False)
