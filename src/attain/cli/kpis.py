"""`attain metrics`, `funnel`, `leaderboard`, `drill-down` and `metric-definitions`: the KPI read side."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from attain.analytics.compute import TABLE_METRICS, fact_scope
from attain.analytics.definitions import as_rows, render_markdown
from attain.analytics.drilldown import drill_down
from attain.analytics.facts import Source, read_facts
from attain.analytics.funnel import funnel
from attain.analytics.org import Dimension, Org
from attain.analytics.ports import Detail
from attain.analytics.queries import (
    Scope,
    Window,
    check_currency,
    label,
    metric_rows,
    require_calendar,
    scope_filters,
)
from attain.analytics.rowsets import Query
from attain.analytics.standings import leaderboard
from attain.cli.context import state
from attain.cli.main import app
from attain.cli.output import err_console, print_rows
from attain.domain.calendar import PeriodKind
from attain.domain.errors import InvalidInput

DEFAULT_METRICS = (
    "revenue",
    "won_revenue",
    "number_of_sales",
    "win_rate",
    "average_deal_size",
    "median_deal_size",
    "sales_cycle_median_days",
    "open_pipeline_value",
)

By = Annotated[
    str,
    typer.Option(
        "--by",
        help="Comma-separated: person, team, territory, region, product, "
        "product_family, segment, company, and month, quarter or year",
    ),
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="A period key: FY2025, FY2025-Q3, FY2025-M07")
]
FromOpt = Annotated[
    datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of a range")
]
ToOpt = Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of a range")]
AsOfOpt = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Count only facts up to this day (default: today)"),
]
PersonOpt = Annotated[str | None, typer.Option("--person", help="Only this person's facts (external id)")]
TeamOpt = Annotated[str | None, typer.Option("--team", help="Only this team's subtree (external id)")]


def today() -> date:
    return datetime.now(UTC).date()


def parse_by(text: str) -> tuple[tuple[Dimension, ...], PeriodKind | None]:
    dims: list[Dimension] = []
    grain: PeriodKind | None = None
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part in PeriodKind.__members__.values():
            grain = PeriodKind(part)
            continue
        try:
            dims.append(Dimension(part))
        except ValueError:
            known = ", ".join([d.value for d in Dimension] + [k.value for k in PeriodKind])
            raise InvalidInput(
                f"'{part}' is not a dimension or time grain", hint=f"one of: {known}"
            ) from None
    return tuple(dims), grain


def window(
    period: str | None,
    start: datetime | None,
    end: datetime | None,
    as_of: datetime | None,
    grain: PeriodKind | None,
) -> Window:
    return Window(
        period,
        start.date() if start else None,
        end.date() if end else None,
        grain,
        as_of.date() if as_of else None,
    )


@app.command("metrics")
def metrics_command(
    ctx: typer.Context,
    metrics: Annotated[list[str] | None, typer.Argument(help="Metric keys (default: the core set)")] = None,
    by: By = "",
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    person: PersonOpt = None,
    team: TeamOpt = None,
) -> None:
    """KPIs by dimension and period: one row per group, one column per metric."""
    st = state(ctx)
    dims, grain = parse_by(by)
    keys = tuple(metrics or DEFAULT_METRICS)
    with st.store().transaction() as tx:
        rows = metric_rows(
            tx.fact_reader,
            keys,
            dims,
            window(period, start, end, as_of, grain),
            Scope(person, team),
            today=today(),
            goal_reader=tx.goals,
        )
    print_rows(rows, st.fmt, title="Metrics")


@app.command("funnel")
def funnel_command(
    ctx: typer.Context,
    by: By = "",
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    person: PersonOpt = None,
    team: TeamOpt = None,
    stages: Annotated[
        str | None, typer.Option(help="Comma-separated stage order (default: from history)")
    ] = None,
) -> None:
    """Stage-to-stage conversion of the opportunities created in the period."""
    st = state(ctx)
    dims, grain = parse_by(by)
    with st.store().transaction() as tx:
        reader = tx.fact_reader
        info, calendar = require_calendar(reader)
        frame = window(period, start, end, as_of, grain).resolve(calendar, today())
        org = Org.read(reader)
        filters, owners = scope_filters(org, Scope(person, team))
        query = Query(("opportunities_created",), dims, frame, filters)
        scope, _ = fact_scope(query, owners, Detail.ROWS)
        facts = read_facts(reader, scope, {Source.OPPORTUNITIES, Source.STAGES}, org, currency=info.currency)
        check_currency(facts, info.currency)
    order = [s.strip() for s in stages.split(",")] if stages else None
    table = funnel(facts, query, order)
    print_rows(label(table, org).to_dicts() if table.height else [], st.fmt, title="Funnel")


@app.command("leaderboard")
def leaderboard_command(
    ctx: typer.Context,
    metric: Annotated[str, typer.Argument(help="Metric to rank by")] = "revenue",
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
    team: TeamOpt = None,
    top: Annotated[int | None, typer.Option(help="Only the first N ranks")] = None,
) -> None:
    """People ranked by a metric (ties share a rank), with percentiles and the most improved."""
    st = state(ctx)
    rows = leaderboard(
        st.store(), metric, window(period, start, end, as_of, None), Scope(None, team), today=today(), top=top
    )
    print_rows(rows, st.fmt, title=f"Leaderboard: {metric}")


@app.command("drill-down")
def drill_down_command(
    ctx: typer.Context,
    metric: Annotated[str, typer.Argument(help="The metric whose rows to list")],
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help="dimension=value, e.g. person=ann or region=East; repeatable"),
    ] = None,
    period: PeriodOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """The deals, orders or rep-months behind one figure."""
    st = state(ctx)
    parsed: dict[Dimension, str] = {}
    for item in group or []:
        dim, _, value = item.partition("=")
        if not value:
            raise InvalidInput(f"'{item}' is not dimension=value", hint="e.g. --group person=ann")
        parsed[parse_by(dim)[0][0]] = value
    with st.store().transaction() as tx:
        rows = drill_down(
            tx.fact_reader, metric, window(period, start, end, as_of, None), parsed, today=today()
        )
    print_rows(rows, st.fmt, title=f"Rows behind {metric}")


@app.command("metric-definitions")
def definitions_command(
    ctx: typer.Context,
    write_doc: Annotated[
        Path | None, typer.Option(help="Also write the Markdown reference to this file")
    ] = None,
) -> None:
    """The published metric definitions (also stored in the metric_definitions table)."""
    st = state(ctx)
    with st.store().transaction() as tx:
        changed = tx.metric_definitions.publish(as_rows())
    if write_doc is not None:
        write_doc.write_text(render_markdown(), encoding="utf-8")
        err_console.print(f"Wrote {write_doc}")
    if changed:
        err_console.print(f"{changed} stored definitions updated.")
    rows: list[dict[str, Any]] = [
        {k: r[k] for k in ("key", "name", "unit", "direction", "formula")}
        for r in as_rows()
        if r["key"] in TABLE_METRICS or r["key"] == "stage_conversion"
    ]
    print_rows(rows, st.fmt, title="Metric definitions")
