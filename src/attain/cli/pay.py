"""`attain run`, `close`, `adjust`, `explain`, `statement` and `export payroll|accruals`: incentive pay runs
and what comes out of them. The use cases live in attain.app.runs; this module parses and prints."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from attain.app.runs.calculate import run_period
from attain.app.runs.close import adjust, close_period
from attain.app.runs.documents import statement_html, statement_pdf
from attain.app.runs.engines import EngineKind
from attain.app.runs.reports import accrual_rows, compare_runs, payroll_rows
from attain.app.runs.statements import as_data, explain_text, money, statement
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import OutputFormat, err_console, print_rows
from attain.domain.errors import InvalidInput

ACTOR = "cli"
export_app = typer.Typer(help="Exports for payroll and finance.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@app.command("run")
def run(
    ctx: typer.Context,
    what: Annotated[
        list[str],
        typer.Argument(
            help="PERIOD to calculate (e.g. FY2025-Q1), or `compare RUN_A RUN_B`, or `list [PERIOD]`"
        ),
    ],
    people: Annotated[
        str | None, typer.Option("--people", help="Only these people (external ids, comma-separated)")
    ] = None,
    engine: Annotated[
        EngineKind | None, typer.Option("--engine", help="Calculation engine (default: fast when installed)")
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Ignore facts dated after this day"),
    ] = None,
) -> None:
    """Calculate a period (all or some people), compare two runs, or list runs."""
    st = state(ctx)
    store = st.store()
    if what[0] == "compare":
        if len(what) != 3 or not all(x.isdigit() for x in what[1:]):
            raise InvalidInput("compare needs two run ids", hint="attain run compare 12 15")
        summary, rows = compare_runs(store, int(what[1]), int(what[2]))
        err_console.print(
            f"Runs {what[1]} ({summary['periods'][0]}) and {what[2]} ({summary['periods'][1]}): "
            + ("identical results" if summary["same_results"] else "results differ")
            + (
                f"; changed inputs: {', '.join(summary['changed_inputs'])}"
                if summary["changed_inputs"]
                else ""
            )
        )
        print_rows(rows, st.fmt, title="Run comparison")
        return
    if what[0] == "list":
        with store.transaction() as tx:
            runs = tx.runs.listing()
        rows = [
            {
                "run": r.id,
                "period": r.period_key,
                "status": r.status,
                "engine": r.engine,
                "payees": r.payees,
                "payout": r.total,
                "as_of": r.as_of,
                "started_at": r.started_at.isoformat(timespec="seconds"),
                "actor": r.actor,
                "results_hash": r.results_hash[:12],
                "error": r.error or "",
            }
            for r in runs
            if len(what) < 2 or r.period_key == what[1].upper()
        ]
        print_rows(rows, st.fmt, title="Runs")
        return
    if len(what) != 1:
        raise InvalidInput(
            f"unexpected arguments {what[1:]}", hint="attain run FY2025-Q1 [--people E001,E002]"
        )
    chosen = [p.strip() for p in people.split(",") if p.strip()] if people else None
    done = run_period(
        store, what[0], people=chosen, engine=engine, as_of=as_of.date() if as_of else None, actor=ACTOR
    )
    paid = ", ".join(f"{money(v, c)} {c}" for c, v in sorted(done.payouts.items())) or "nothing"
    err_console.print(
        f"[green]Run {done.run_id}[/green] {done.period_key} ({done.engine}): {done.payees} payees, "
        f"payout {paid}, {done.prior_period_lines} prior-period lines; results {done.results_hash[:12]}"
    )


@app.command("close")
def close(
    ctx: typer.Context, period: Annotated[str, typer.Argument(help="Period key, e.g. FY2025-Q1")]
) -> None:
    """Close a period: post its current results to the ledger and freeze it (twice changes nothing)."""
    result = close_period(state(ctx).store(), period, actor=ACTOR)
    if result.already_closed:
        err_console.print(f"{result.period_key} was already closed; nothing changed.")
    else:
        what = f"from run {result.run_id}: {result.entries} ledger entries"
        err_console.print(f"[green]Closed[/green] {result.period_key} {what}.")


@app.command("adjust")
def adjust_command(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person (external id)")],
    period: Annotated[str, typer.Option("--period", help="An open period")],
    amount: Annotated[str, typer.Option("--amount", help="Major units, e.g. 250 or -99.50")],
    reason: Annotated[str, typer.Option("--reason", help="Why")],
    approver: Annotated[str, typer.Option("--approver", help="Who approved it")],
    plan: Annotated[str | None, typer.Option("--plan", help="Plan key (default: the person's plan)")] = None,
) -> None:
    """Append a manual adjustment to the ledger; the next run of the period pays it."""
    entry = adjust(
        state(ctx).store(),
        person,
        period,
        amount,
        reason=reason,
        approver=approver,
        plan_key=plan,
        actor=ACTOR,
    )
    err_console.print(f"[green]Adjustment[/green] ledger entry {entry}; run {period} again to include it.")


@app.command("explain")
def explain(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person (external id)")],
    period: Annotated[str, typer.Option("--period", help="Period key")],
    fmt: Annotated[
        OutputFormat | None, typer.Option("--format", help="table (plain text, the default) or json")
    ] = None,
) -> None:
    """Every earning and payout line of a person's period, traced to credits, orders, tiers, rates, caps."""
    st = state(ctx)
    s = statement(st.store(), person, period)
    if (fmt or st.fmt) is OutputFormat.JSON:
        sys.stdout.write(json.dumps(as_data(s), indent=2, default=str) + "\n")
    else:
        sys.stdout.write(explain_text(s))


@app.command("statement")
def statement_command(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person (external id)")],
    period: Annotated[str, typer.Option("--period", help="Period key")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the statement as PDF to this file")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the statement as HTML to this file")
    ] = None,
) -> None:
    """A person's statement: as HTML on standard output, or written to --html / --pdf files."""
    s = statement(state(ctx).store(), person, period)
    if pdf is not None:
        pdf.write_bytes(statement_pdf(s))
        err_console.print(f"Wrote {pdf}")
    if html is not None:
        html.write_text(statement_html(s), encoding="utf-8")
        err_console.print(f"Wrote {html}")
    if pdf is None and html is None:
        sys.stdout.write(statement_html(s))


def _write_csv(rows: list[dict[str, Any]], columns: list[str], output: Path | None) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")
        err_console.print(f"Wrote {len(rows)} rows to {output}")


@export_app.command("payroll")
def export_payroll(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="Period key")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV file (default: standard output)")
    ] = None,
) -> None:
    """Payouts for payroll as CSV: person id, period, amount, currency, cost centre."""
    final, rows = payroll_rows(state(ctx).store(), period)
    if not final:
        err_console.print(
            f"[yellow]{period} is open[/yellow]: these payouts are provisional until it is closed."
        )
    _write_csv(rows, ["person_id", "period", "amount", "currency", "cost_centre"], output)


@export_app.command("accruals")
def export_accruals(
    ctx: typer.Context,
    period: Annotated[str, typer.Argument(help="Period key")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV file (default: the --format)")
    ] = None,
) -> None:
    """Accrual report for finance: earned, paid, held back, draw balance and accrued per person and plan."""
    st = state(ctx)
    rows = accrual_rows(st.store(), period)
    columns = [
        "person_id",
        "name",
        "plan",
        "period",
        "currency",
        "earned",
        "paid",
        "held_back",
        "draw_balance",
        "accrued",
    ]
    if output is not None:
        _write_csv(rows, columns, output)
        return
    print_rows(rows, st.fmt, title=f"Accruals {period}", columns=columns)
