"""The KPI API under /api/v1: metrics by dimension and period, goals and pace, the leaderboard, reps at
risk, drill-down to deals and orders, and a person's dashboard in one call.

Every route is guarded and scoped with the dashboards' reach: a rep gets only their own figures, a manager
their subtree as of today; asking for a person out of reach answers 404. Figures grouped by anything but
person cover the whole company, so only the org-wide roles may ask for them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from attain.analytics.org import Dimension
from attain.analytics.queries import Scope, Window
from attain.domain.calendar import PeriodKind
from attain.domain.errors import InvalidInput
from attain.web.api_models import (
    AtRiskRow,
    BoardRow,
    Dashboard,
    DrillRow,
    EarningsLine,
    EarningsOut,
    EarningsPeriod,
    GoalOut,
    MetricRow,
    PersonRef,
    TrendPoint,
)
from attain.web.authz import Caller, guard
from attain.web.drill_pages import DrillQuery, drill_rows
from attain.web.figures import TEAM_METRICS, Figures
from attain.web.reach import Reach
from attain.web.rep_view import rep_view
from attain.web.team_view import BOARD_METRICS, at_risk_rows

router = APIRouter(prefix="/api/v1", tags=["kpis"])
Signed = Annotated[Caller, Depends(guard())]
PeriodQ = Annotated[str | None, Query(description="A period key: FY2026, FY2026-Q3, FY2026-M07")]
DEFAULT_METRICS = ("revenue", "won_revenue", "number_of_sales", "win_rate", "average_deal_size")
_NAMES = {"person", "team", "territory", "product"}  # dimensions whose rows carry a <dim>_name


def _reach(figures: Figures, caller: Caller) -> Reach:
    return Reach(caller.scope(), figures.people())


def parse_by(text: str) -> tuple[tuple[Dimension, ...], PeriodKind | None]:
    dims: list[Dimension] = []
    grain: PeriodKind | None = None
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part in {k.value for k in PeriodKind}:
            grain = PeriodKind(part)
            continue
        try:
            dims.append(Dimension(part))
        except ValueError:
            known = ", ".join([d.value for d in Dimension] + [k.value for k in PeriodKind])
            raise InvalidInput(
                f"'{part}' is not a dimension or time grain", hint=f"one of: {known}"
            ) from None
    return tuple(dict.fromkeys(dims)), grain


@router.get("/metrics")
def metrics(
    request: Request,
    caller: Signed,
    metric: Annotated[
        list[str] | None, Query(description="metric keys (repeat); default: a core set")
    ] = None,
    by: Annotated[
        str, Query(description="comma-separated dimensions and a time grain, e.g. team,quarter")
    ] = "",
    period: PeriodQ = None,
    start: Annotated[date | None, Query(alias="from", description="first day of a date range")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day of a date range")] = None,
    as_of: Annotated[date | None, Query(description="count only facts up to this day")] = None,
    person: Annotated[str | None, Query(description="only this person's facts (external id)")] = None,
    team: Annotated[str | None, Query(description="only this team's subtree (external id)")] = None,
) -> list[MetricRow]:
    """KPIs by dimension and period: one row per group with one value per metric."""
    figures = Figures.of(request)
    reach = _reach(figures, caller)
    dims, grain = parse_by(by)
    if person:
        reach.person(person)
    if not reach.everyone and (team or set(dims) - {Dimension.PERSON}):
        reach.require_everyone(
            "grouping by " + ", ".join(d.value for d in dims if d is not Dimension.PERSON)
            if dims
            else "a team's figures"
        )
    if not reach.everyone and not person and Dimension.PERSON not in dims:
        dims = (Dimension.PERSON, *dims)
    keys = tuple(dict.fromkeys(metric or DEFAULT_METRICS))
    window = Window(period or None, start, end, grain, as_of)
    rows = figures.metrics(keys, dims, window, Scope(person or None, team or None))
    if Dimension.PERSON in dims:
        rows = reach.only(rows)
    return [_metric_row(r, dims, keys) for r in rows]


def _metric_row(row: Mapping[str, Any], dims: Sequence[Dimension], keys: Sequence[str]) -> MetricRow:
    group = {d.value: _text(row.get(d.value)) for d in dims}
    names = {d.value: _text(row.get(f"{d.value}_name")) for d in dims if d.value in _NAMES}
    return MetricRow(
        period=_text(row.get("period")), group=group, names=names, values={k: row.get(k) for k in keys}
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@router.get("/goals")
def goals(
    request: Request,
    caller: Signed,
    period: PeriodQ = None,
    metric: str | None = None,
    scope_kind: Annotated[str | None, Query(description="company, team, territory or person")] = None,
) -> list[GoalOut]:
    """The period's goals (default: the current quarter) with actual, projection, pace and status."""
    figures = Figures.of(request)
    reach = _reach(figures, caller)
    rows = figures.progress(figures.quarter(period))
    if metric:
        rows = [r for r in rows if r["metric"] == metric]
    if scope_kind:
        rows = [r for r in rows if r["scope_kind"] == scope_kind]
    if not reach.everyone:
        seen = reach.visible_ids()
        rows = [r for r in rows if r["scope_kind"] == "person" and r["scope"] in seen]
    return [GoalOut(**r) for r in rows]


@router.get("/leaderboard")
def leaderboard(
    request: Request,
    caller: Signed,
    metric: Annotated[
        str, Query(description=f"one of {', '.join(BOARD_METRICS)} or any per-group metric")
    ] = "revenue",
    period: PeriodQ = None,
    top: Annotated[int | None, Query(ge=1, le=10_000, description="only the first N company ranks")] = None,
) -> list[BoardRow]:
    """Sellers ranked company-wide by a metric (ties share a rank), with percentiles and change."""
    figures = Figures.of(request)
    reach = _reach(figures, caller)
    ids = {str(p["external_id"]): int(p["id"]) for p in figures.people()}
    rows = reach.only(figures.board(metric, figures.quarter(period)))
    if top is not None:
        rows = [r for r in rows if r.get("rank") is not None and int(r["rank"]) <= top]
    return [BoardRow(**dict(r, person_id=ids.get(str(r["person"])))) for r in rows]


@router.get("/at-risk")
def at_risk(request: Request, caller: Signed, period: PeriodQ = None) -> list[AtRiskRow]:
    """People at risk or off track on a goal, with the driver metrics that lag most."""
    figures = Figures.of(request)
    reach = _reach(figures, caller)
    chosen = figures.quarter(period)
    ids = {str(p["external_id"]): int(p["id"]) for p in figures.people()}
    rows = at_risk_rows(
        [r for r in reach.only(figures.at_risk(chosen)) if r["person"] in ids], figures.progress(chosen), ids
    )
    return [AtRiskRow(**r) for r in rows]


@router.get("/drill-down")
def drill_down(
    request: Request,
    caller: Signed,
    metric: Annotated[str, Query(description="the metric whose rows to list")] = "revenue",
    period: PeriodQ = None,
    person: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    region: str | None = None,
    lead: Annotated[str | None, Query(description="everyone in this manager's subtree")] = None,
) -> list[DrillRow]:
    """The deals and orders (by id) behind one figure."""
    figures = Figures.of(request)
    q = DrillQuery(
        metric, period or None, person or None, team or None, territory or None, region or None, lead or None
    )
    return [DrillRow(**r) for r in drill_rows(figures, _reach(figures, caller), q)]


@router.get("/people/{person_id}/dashboard")
def dashboard(
    request: Request,
    person_id: int,
    caller: Annotated[Caller, Depends(guard(subject="person_id"))],
    period: PeriodQ = None,
) -> Dashboard:
    """A person's quarter: KPIs against their team's median, goals and pace, trend and earnings."""
    figures = Figures.of(request)
    person = _reach(figures, caller).person_by_id(person_id)
    view = rep_view(figures, person, figures.quarter(period))
    e = view.earnings
    return Dashboard(
        person=PersonRef(
            id=int(person["id"]),
            external_id=str(person["external_id"]),
            name=str(person["name"]),
            team=person.get("team"),
            role=person.get("role"),
        ),
        period=view.period.key,
        as_of=figures.as_of(view.period),
        currency=view.currency,
        kpis={m: view.kpis.get(m) for m in TEAM_METRICS},
        team_median={m: view.median.get(m) for m in TEAM_METRICS},
        goals=[GoalOut(**g) for g in view.goals],
        trend=[TrendPoint(**t) for t in view.trend],
        earnings=EarningsOut(
            periods=[EarningsPeriod(**p) for p in e.periods],
            statement_period=e.period,
            final=e.final,
            currency=e.currency,
            earned=e.earned,
            paid=e.paid,
            lines=[EarningsLine(**x) for x in e.lines],
        ),
    )
