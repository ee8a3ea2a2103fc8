"""`attain forecast`: statistical, pipeline-weighted and blended forecasts of a period per scope, against
goal; `backtest`; the weekly calls: `submit`, `override`, `rollup`, `snapshot`, `history`, `errors`;
and `earnings`, a rep's expected pay."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import polars as pl
import typer

from attain.analytics.facts import Source, read_facts
from attain.analytics.forecast.backtest import BACKTEST_METHODS
from attain.analytics.forecast.hierarchy import Reconciliation
from attain.analytics.forecast.methods import Method
from attain.analytics.forecast.outlook import ForecastRequest, backtest
from attain.analytics.forecast.series import Grain
from attain.analytics.ports import FactScope
from attain.app.forecasts.earnings import SCENARIOS, rep_expected_earnings
from attain.app.forecasts.outlook import MONEY_METHODS
from attain.app.forecasts.outlook import outlook_rows as forecast_outlook
from attain.app.forecasts.ports import Call
from attain.app.forecasts.snapshots import record_errors, snapshot, take_snapshot
from attain.app.forecasts.submissions import find_period, override, rollup, submit
from attain.cli.context import state
from attain.cli.kpis import AsOfOpt, today
from attain.cli.main import app
from attain.cli.output import OutputFormat, err_console, print_rows
from attain.domain.errors import NotFound
from attain.domain.money import from_minor, to_minor
from attain.store.unit_of_work import SqlStore

forecast_app = typer.Typer(help="Forecasts: statistical, pipeline-weighted, submitted calls, accuracy.")
app.add_typer(forecast_app, name="forecast")

PeriodOpt = Annotated[str, typer.Option("--period", help="Period key, e.g. FY2026-Q2")]
WeekOpt = Annotated[int, typer.Option("--week", help="Week of the period (1 = its first 7 days)")]


def _as_of(value: datetime | None) -> date:
    return value.date() if value else today()


def _money(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(from_minor(minor, currency))


def _now() -> datetime:
    return datetime.now(UTC)


def _currency(store: SqlStore) -> str:
    with store.transaction() as tx:
        cal = tx.calendars.default()
    return cal.currency if cal else "USD"


def outlook_rows(store: SqlStore, request: ForecastRequest) -> tuple[list[dict[str, Any]], str]:
    out = forecast_outlook(store, store, request)
    return out.rows, out.currency


@forecast_app.callback(invoke_without_command=True)
def forecast(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option("--period", help="Period key, e.g. FY2026-Q2")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="company, team:<id> or person:<id>")] = None,
    method: Annotated[Method, typer.Option("--method", help="Statistical method")] = Method.AUTO,
    grain: Annotated[Grain, typer.Option("--grain", help="Series of months or quarters")] = Grain.MONTH,
    reconciliation: Annotated[Reconciliation, typer.Option(help="How levels are made to add up")] = (
        Reconciliation.WLS_STRUCTURAL
    ),
    as_of: AsOfOpt = None,
    fmt: Annotated[OutputFormat | None, typer.Option("--format", help="How to print data")] = None,
) -> None:
    """Forecast a period for every scope (or one): actual to date, statistical, pipeline-weighted,
    commit, blended, goal, gap and probability of reaching the goal."""
    st = state(ctx)
    if fmt is not None:
        st.fmt = fmt  # also for the sub-command that follows
    if ctx.invoked_subcommand is not None:
        return
    if period is None:
        raise typer.BadParameter("give --period, e.g. --period FY2026-Q2")
    store = st.store()
    rows, currency = outlook_rows(
        store, ForecastRequest(period, _as_of(as_of), grain, method, reconciliation)
    )
    if scope:
        rows = [r for r in rows if r["scope"] == scope or r["name"] == scope]
    money = (
        "actual_to_date",
        "statistical",
        "statistical_lo_80",
        "statistical_hi_80",
        "pipeline_weighted",
        "commit",
        "blended",
        "goal",
        "gap",
    )
    shown = [{k: (_money(v, currency) if k in money else v) for k, v in r.items()} for r in rows]
    print_rows(shown, st.fmt, title=f"Forecast {period} ({currency})")


@forecast_app.command("backtest")
def backtest_cmd(
    ctx: typer.Context,
    grain: Annotated[Grain, typer.Option("--grain")] = Grain.MONTH,
    horizon: Annotated[int, typer.Option("--horizon", help="Periods ahead")] = 3,
    folds: Annotated[int, typer.Option("--folds", help="Rolling origins, one period apart")] = 3,
    method: Annotated[list[Method] | None, typer.Option("--method", help="Repeatable; default: all")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Rolling-origin backtest per method and scope: WAPE, MASE, sMAPE, bias, and the best method."""
    st = state(ctx)
    result = backtest(
        st.store(),
        as_of=_as_of(as_of),
        grain=grain,
        horizon=horizon,
        folds=folds,
        methods=tuple(method) if method else BACKTEST_METHODS,
    )
    best = dict(zip(result.best["scope"], result.best["method"], strict=True))
    rows = [
        {**r, "best": "*" if best.get(r["scope"]) == r["method"] else ""}
        for r in result.summary.sort(["scope", "wape"], nulls_last=True).iter_rows(named=True)
    ]
    print_rows(rows, st.fmt, title=f"Backtest, {folds} origins, {horizon} {grain}s ahead")


def _call(store: SqlStore, commit: str, best_case: str, pipeline: str) -> tuple[Call, str]:
    cur = _currency(store)
    return Call(to_minor(commit, cur), to_minor(best_case, cur), to_minor(pipeline, cur)), cur


@forecast_app.command("submit")
def submit_cmd(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Who calls (external id)")],
    period: PeriodOpt,
    week: WeekOpt,
    commit: Annotated[str, typer.Option("--commit")],
    best_case: Annotated[str, typer.Option("--best-case")],
    pipeline: Annotated[str, typer.Option("--pipeline")],
    note: Annotated[str | None, typer.Option("--note")] = None,
) -> None:
    """Submit a weekly call: commit, best case and pipeline."""
    store = state(ctx).store()
    call, cur = _call(store, commit, best_case, pipeline)
    submit(
        store,
        person=person,
        period=period,
        week=week,
        call=call,
        currency=cur,
        note=note,
        actor=person,
        at=_now(),
    )
    err_console.print(f"[green]Submitted[/green] {person}'s call for {period}, week {week}.")


@forecast_app.command("override")
def override_cmd(
    ctx: typer.Context,
    manager: Annotated[str, typer.Argument(help="The manager (external id)")],
    subject: Annotated[str, typer.Argument(help="The direct report whose call is replaced")],
    period: PeriodOpt,
    week: WeekOpt,
    commit: Annotated[str, typer.Option("--commit")],
    best_case: Annotated[str, typer.Option("--best-case")],
    pipeline: Annotated[str, typer.Option("--pipeline")],
    note: Annotated[str, typer.Option("--note", help="Why (required)")],
) -> None:
    """Override a direct report's call in the manager's roll-up, with a note."""
    store = state(ctx).store()
    call, cur = _call(store, commit, best_case, pipeline)
    override(
        store,
        manager=manager,
        subject=subject,
        period=period,
        week=week,
        call=call,
        currency=cur,
        note=note,
        actor=manager,
        at=_now(),
    )
    err_console.print(f"[green]Overrode[/green] {subject}'s call in {manager}'s roll-up.")


@forecast_app.command("rollup")
def rollup_cmd(ctx: typer.Context, period: PeriodOpt, week: WeekOpt) -> None:
    """Every call as it stood at the end of a week, rolled up the reporting lines."""
    st = state(ctx)
    store = st.store()
    cur = _currency(store)
    roll = rollup(store, period=period, week=week)

    def m(c: Call | None, part: str) -> str | None:
        return None if c is None else _money(getattr(c, part), cur)

    rows = [
        {
            "person": "  " * line.depth + line.name,
            "id": line.external_id,
            "submitted_commit": m(line.submitted, "commit"),
            "override_commit": m(line.overridden, "commit"),
            "team_commit": m(line.team, "commit"),
            "commit": m(line.effective, "commit"),
            "best_case": m(line.effective, "best_case"),
            "pipeline": m(line.effective, "pipeline"),
            "note": line.override_note,
            "missing": "yes" if line.missing else "",
        }
        for line in roll.lines
    ]
    rows.append(
        {
            "person": "Company",
            "id": "",
            "commit": m(roll.company, "commit"),
            "best_case": m(roll.company, "best_case"),
            "pipeline": m(roll.company, "pipeline"),
        }
    )
    print_rows(rows, st.fmt, title=f"Calls for {period}, week {week} (as of {roll.as_of})")


@forecast_app.command("snapshot")
def snapshot_cmd(ctx: typer.Context, period: PeriodOpt, week: WeekOpt, as_of: AsOfOpt = None) -> None:
    """Freeze a week: the rolled-up calls and the statistical, pipeline-weighted and blended forecasts."""
    store = state(ctx).store()
    rows, currency = outlook_rows(store, ForecastRequest(period, _as_of(as_of)))
    models = {
        (str(r["scope"]), m): int(r[m]) for r in rows for m in (*MONEY_METHODS, "blended") if r[m] is not None
    }
    frozen = take_snapshot(
        store, period=period, week=week, currency=currency, model_forecasts=models, actor="cli", at=_now()
    )
    err_console.print(f"[green]Snapshot[/green] of {period} week {week}: {len(frozen)} numbers frozen.")


@forecast_app.command("history")
def history_cmd(ctx: typer.Context, period: PeriodOpt, week: WeekOpt) -> None:
    """What was called and forecast for a period as frozen at a week."""
    st = state(ctx)
    store = st.store()
    cur = _currency(store)
    rows = [
        {"scope": r.scope, "method": r.method, "amount": _money(r.amount, cur)}
        for r in snapshot(store, period=period, week=week)
    ]
    print_rows(rows, st.fmt, title=f"{period} as of week {week}")


@forecast_app.command("errors")
def errors_cmd(ctx: typer.Context, period: PeriodOpt) -> None:
    """Record (once) and show each method's error against the closed period's actual revenue."""
    st = state(ctx)
    store = st.store()
    with store.transaction() as tx:
        stored = find_period(tx, period)
        cal = tx.fact_reader.calendar()
        currency = cal.currency if cal else "USD"
        scope = FactScope(start=stored.period.start, end=stored.period.end)
        orders = read_facts(tx.fact_reader, scope, {Source.ORDERS}, currency=currency).orders
    by_owner = orders.group_by("owner_id").agg(pl.col("amount").sum())
    actuals = {f"person:{o}": int(a) for o, a in by_owner.iter_rows() if o is not None}
    actuals["company"] = int(orders["amount"].sum())
    rows = record_errors(store, period=period, actuals=actuals, currency=currency, at=_now())
    shown = [
        {
            "week": r.week,
            "scope": r.scope,
            "method": r.method,
            "forecast": _money(r.forecast, currency),
            "actual": _money(r.actual, currency),
            "error": _money(r.forecast - r.actual, currency),
            "abs_pct_error": None if r.actual == 0 else round(abs(r.forecast - r.actual) / abs(r.actual), 4),
        }
        for r in rows
    ]
    print_rows(shown, st.fmt, title=f"Forecast errors of {period}")


@forecast_app.command("earnings")
def earnings_cmd(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="The rep (external id)")],
    period: PeriodOpt,
    scenarios: Annotated[int, typer.Option("--scenarios", help="Simulated outcomes")] = SCENARIOS,
    as_of: AsOfOpt = None,
) -> None:
    """A rep's expected payout for the period: their open deals x win probability x their comp plan."""
    st = state(ctx)
    store = st.store()
    with store.transaction() as tx:
        person_id = tx.forecasts.person_id(person)
    if person_id is None:
        raise NotFound(f"no person has the id '{person}'", hint="use the person's external id")
    found = rep_expected_earnings(store, person_id, period, _as_of(as_of), scenarios=scenarios)
    out, cur, deals = found.outlook, found.currency, found.open_deals
    row = {
        "person": person,
        "period": out.period,
        "open_deals": deals,
        "earned_so_far": _money(out.base, cur),
        "expected": _money(out.expected, cur),
        "low_10": _money(out.low, cur),
        "high_90": _money(out.high, cur),
        "scenarios": out.scenarios,
    }
    print_rows(
        [row],
        st.fmt,
        title=f"Expected earnings of {person}, {period}",
    )
