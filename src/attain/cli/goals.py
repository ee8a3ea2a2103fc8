"""`attain goals set|allocate|show|thresholds|why-off-pace`: goals, top-down allocation, pace and status."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from attain.analytics.allocation import AllocationMethod, Level
from attain.analytics.goal_setting import GoalSpec, set_goal
from attain.analytics.org import Org
from attain.analytics.pace import Thresholds
from attain.analytics.progress import goal_progress, progress_rows, set_thresholds, thresholds_of
from attain.analytics.queries import id_of
from attain.analytics.standings import why_off_pace
from attain.analytics.timeframe import Shift
from attain.cli.context import state
from attain.cli.kpis import AsOfOpt, today
from attain.cli.main import app
from attain.cli.output import err_console, print_rows
from attain.domain.errors import InvalidInput

goals_app = typer.Typer(help="Goals: set, allocate top-down, and track pace.", no_args_is_help=True)
app.add_typer(goals_app, name="goals")

ScopeOpt = Annotated[str, typer.Option("--scope", help="company, or team:<id>, person:<id>, territory:<id>")]
PeriodArg = Annotated[str, typer.Option("--period", help="Period key, e.g. FY2026-Q1")]
KindOpt = Annotated[str, typer.Option("--kind", help="goal, or quota (what attainment is measured against)")]
LevelsOpt = Annotated[
    str, typer.Option("--levels", help="Comma-separated levels to allocate down: team,person")
]
WeightsOpt = Annotated[
    Path | None, typer.Option("--weights", help="CSV with kind,external_id,weight (for --allocate weight)")
]


def _scope(text: str) -> tuple[str, str | None]:
    kind, _, ext = text.partition(":")
    kind = kind.strip().lower()
    if kind == "company" and not ext:
        return "company", None
    if kind in ("team", "person", "territory") and ext:
        return kind, ext.strip()
    raise InvalidInput(
        f"'{text}' is not a goal scope", hint="company, team:<id>, person:<id> or territory:<id>"
    )


def _decimal(text: str, what: str) -> Decimal:
    try:
        return Decimal(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except InvalidOperation:
        raise InvalidInput(f"{what} '{text}' is not a number", hint="e.g. 250000, 0.1 or 10%") from None


def _weights(path: Path | None) -> dict[tuple[str, str], Decimal]:
    if path is None:
        return {}
    out = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                out[(row["kind"].strip(), row["external_id"].strip())] = Decimal(row["weight"])
            except (KeyError, InvalidOperation) as exc:
                raise InvalidInput(
                    f"{path} row {number}: needs kind, external_id and a numeric weight",
                    hint="header: kind,external_id,weight",
                ) from exc
    return out


def _levels(text: str) -> tuple[Level, ...]:
    try:
        return tuple(Level(p.strip()) for p in text.split(",") if p.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a list of levels", hint="team, person or team,person") from None


def _print_set(ctx: typer.Context, spec: GoalSpec) -> None:
    st = state(ctx)
    out = set_goal(st.store(), spec, actor="cli", today=today())
    rows = [
        {
            "goal": s.label,
            "parent": None if s.parent is None else next((o.label for o in out if o.goal is s.parent), None),
            "metric": s.goal.metric,
            "period": s.goal.period,
            "kind": s.goal.kind,
            "target": s.goal.target,
            "split": s.method,
        }
        for s in out
    ]
    print_rows(rows, st.fmt, title="Goals set")


@goals_app.command("set")
def set_command(
    ctx: typer.Context,
    metric: Annotated[str, typer.Argument(help="Metric key, e.g. revenue")],
    period: PeriodArg,
    scope: ScopeOpt = "company",
    target: Annotated[str | None, typer.Option(help="The target (currency units for money)")] = None,
    growth: Annotated[str | None, typer.Option(help="Growth over --over, e.g. 10% or 0.1")] = None,
    over: Annotated[Shift, typer.Option(help="Base period for --growth")] = Shift.YEAR_AGO,
    kind: KindOpt = "goal",
    allocate: Annotated[AllocationMethod | None, typer.Option(help="Also split it down the org")] = None,
    levels: LevelsOpt = "team,person",
    weights: WeightsOpt = None,
) -> None:
    """Set a goal, e.g. `goals set revenue --period FY2026-Q1 --growth 10% --allocate last-year-share`."""
    scope_kind, ext = _scope(scope)
    _print_set(
        ctx,
        GoalSpec(
            metric,
            period,
            scope_kind,
            ext,
            kind,
            _decimal(target, "target") if target else None,
            _decimal(growth, "growth") if growth else None,
            over,
            allocate,
            _levels(levels),
            _weights(weights),
        ),
    )


@goals_app.command("allocate")
def allocate_command(
    ctx: typer.Context,
    metric: Annotated[str, typer.Argument(help="Metric key of the existing goal")],
    period: PeriodArg,
    method: Annotated[AllocationMethod, typer.Option("--method")] = AllocationMethod.LAST_YEAR_SHARE,
    scope: ScopeOpt = "company",
    kind: KindOpt = "goal",
    levels: LevelsOpt = "team,person",
    weights: WeightsOpt = None,
) -> None:
    """Split an existing company or team goal down the org; children sum exactly to the parent."""
    scope_kind, ext = _scope(scope)
    st = state(ctx)
    with st.store().transaction() as tx:
        found = [
            g
            for g in tx.goals.find(periods=[period.upper()], metric=metric, scope_kind=scope_kind)
            if g.kind == kind
        ]
    if ext is not None:
        with st.store().transaction() as tx:
            sid = id_of(Org.read(tx.fact_reader), scope_kind, ext)
        found = [g for g in found if g.scope_id == sid]
    if not found:
        raise InvalidInput(
            f"no {kind} for {metric} of {scope} in {period}", hint="set it first with `attain goals set`"
        )
    _print_set(
        ctx,
        GoalSpec(
            metric,
            period,
            scope_kind,
            ext,
            kind,
            found[0].target,
            None,
            Shift.YEAR_AGO,
            method,
            _levels(levels),
            _weights(weights),
        ),
    )


@goals_app.command("show")
def show_command(
    ctx: typer.Context,
    period: PeriodArg,
    as_of: AsOfOpt = None,
    metric: Annotated[str | None, typer.Option(help="Only this metric")] = None,
    scope_kind: Annotated[
        str | None, typer.Option(help="Only company, team, person or territory goals")
    ] = None,
) -> None:
    """Goals with actual to date, projections (linear and seasonal), pace and status."""
    st = state(ctx)
    store = st.store()
    items = goal_progress(
        store,
        period,
        today=today(),
        as_of=as_of.date() if as_of else None,
        metric=metric,
        scope_kind=scope_kind,
    )
    with store.transaction() as tx:
        cal = tx.calendars.default()
    print_rows(progress_rows(items, cal.currency if cal else "USD"), st.fmt, title=f"Goals {period}")


@goals_app.command("thresholds")
def thresholds_command(
    ctx: typer.Context,
    on_track: Annotated[str | None, typer.Option(help="Pace at or above this is on track, e.g. 1.0")] = None,
    at_risk: Annotated[str | None, typer.Option(help="Pace at or above this is at risk, e.g. 0.9")] = None,
) -> None:
    """Show, or set (admin), the pace thresholds of on-track / at-risk / off-track."""
    st = state(ctx)
    store = st.store()
    if on_track is not None or at_risk is not None:
        now = thresholds_of(store)
        new = Thresholds(
            _decimal(on_track, "on-track") if on_track else now.on_track,
            _decimal(at_risk, "at-risk") if at_risk else now.at_risk,
        )
        set_thresholds(store, new, actor="cli", at=datetime.now(UTC))
        err_console.print("[green]Thresholds saved.[/green]")
    print_rows([thresholds_of(store).as_setting()], st.fmt, title="Pace thresholds")


@goals_app.command("why-off-pace")
def why_command(ctx: typer.Context, period: PeriodArg, as_of: AsOfOpt = None) -> None:
    """For each person at risk or off track, the driver metrics that lag most (own history, team median)."""
    st = state(ctx)
    rows = why_off_pace(st.store(), period, today=today(), as_of=as_of.date() if as_of else None)
    print_rows(rows, st.fmt, title=f"Why off pace, {period}")
