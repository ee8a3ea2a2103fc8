"""`attain plan diff|backtest|assign|whatif`: compare plan versions on the same data, replay history under a
plan, assign a plan version to people, and estimate what an open opportunity would pay. Registered on the
`attain plan` sub-app."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from attain.app.runs.assignments import NewAssignment, assign_plan, find_version
from attain.app.runs.engines import EngineKind
from attain.app.runs.plan_tools import PlanText, backtest, diff_plans
from attain.app.runs.ports import PayStore
from attain.app.runs.whatif import SplitShare, estimate_opportunity
from attain.app.runs.whatif_report import as_data, whatif_text
from attain.cli.context import state
from attain.cli.output import OutputFormat, console, err_console, print_rows
from attain.cli.plans import plan_app
from attain.domain.errors import InvalidInput


def _plan_text(store: PayStore, ref: str) -> PlanText:
    """A stored version (`key` or `key@N`) or, when the path exists, a plan file."""
    path = Path(ref)
    if path.is_file():
        return PlanText(path.name, path.read_text(encoding="utf-8"))
    with store.transaction() as tx:
        version = find_version(tx, ref)
    return PlanText(version.label, version.document)


@plan_app.command("diff")
def diff(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="KEY@N, KEY (latest) or a plan file")],
    second: Annotated[str, typer.Argument(help="KEY@N, KEY (latest) or a plan file")],
    period: Annotated[str, typer.Option("--period", help="Period key, e.g. FY2025-Q1")],
    engine: Annotated[EngineKind | None, typer.Option("--engine", help="Calculation engine")] = None,
) -> None:
    """Per-person earnings of two plan versions on the same facts, and the delta."""
    st = state(ctx)
    store = st.store()
    rows = diff_plans(store, _plan_text(store, first), _plan_text(store, second), period, engine)
    print_rows(rows, st.fmt, title=f"{first} vs {second} in {period}")


@plan_app.command("backtest")
def backtest_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Plan document (YAML)")],
    first: Annotated[str, typer.Option("--from", help="First period, e.g. FY2024-Q1")],
    last: Annotated[str, typer.Option("--to", help="Last period, e.g. FY2024-Q4")],
    engine: Annotated[EngineKind | None, typer.Option("--engine", help="Calculation engine")] = None,
) -> None:
    """Replay history under a plan: per period and person, earnings on record and under FILE."""
    st = state(ctx)
    if not file.is_file():
        raise InvalidInput(f"cannot read {file}", hint="give the path of a plan document")
    rows = backtest(st.store(), PlanText(file.name, file.read_text(encoding="utf-8")), first, last, engine)
    print_rows(rows, st.fmt, title=f"Backtest of {file.name}, {first} to {last}")


@plan_app.command("assign")
def assign(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="KEY (latest version) or KEY@N")],
    people: Annotated[list[str], typer.Argument(help="People (external ids)")],
    target_incentive: Annotated[
        str, typer.Option("--target-incentive", help="Per plan year, major units of the plan currency")
    ],
    valid_from: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day")],
    valid_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: open)")
    ] = None,
) -> None:
    """Assign a plan version to people with a target incentive and dates."""
    rows = [
        NewAssignment(p, target_incentive, valid_from.date(), valid_to.date() if valid_to else None)
        for p in people
    ]
    version = assign_plan(state(ctx).store(), plan, rows, actor="cli")
    err_console.print(f"[green]Assigned[/green] {version.label} to {len(rows)} people.")


class WhatIfFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"--amount '{text}' is not a number", hint="e.g. --amount 125000.50") from None


@plan_app.command("whatif")
def whatif(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person (external id) whose earnings to estimate")],
    opportunity: Annotated[str, typer.Option("--opportunity", help="Open opportunity (external id)")],
    amount: Annotated[
        str | None,
        typer.Option("--amount", help="Amount it closes at, in its currency (default: its amount)"),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Period to estimate (default: the open one of the expected close)"),
    ] = None,
    split: Annotated[
        list[str] | None,
        typer.Option("--split", help="Credit split PERSON:SHARE[:overlay] (repeat; direct shares sum to 1)"),
    ] = None,
    fmt: Annotated[
        WhatIfFormat | None, typer.Option("--format", help="text or json (default: the global --format)")
    ] = None,
) -> None:
    """What PERSON earns if an open opportunity closes at an amount: before, after, delta and the lines."""
    st = state(ctx)
    result = estimate_opportunity(
        st.store(),
        person,
        opportunity,
        today=date.today(),  # noqa: DTZ011 (the organisation's local day)
        amount=_amount(amount),
        period_key=period,
        splits=[SplitShare.parse(s) for s in split or ()],
    )
    chosen = fmt or (WhatIfFormat.JSON if st.fmt is OutputFormat.JSON else WhatIfFormat.TEXT)
    if chosen is WhatIfFormat.JSON:
        sys.stdout.write(json.dumps(as_data(result), indent=2) + "\n")
    else:
        console.print(whatif_text(result), highlight=False, markup=False, soft_wrap=True)
