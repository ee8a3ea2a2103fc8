"""Drill-down: the deals and orders (by id) behind any figure, as a page (`/drill`, `/drill.csv`) and as
data for the API. Scoped like the dashboards: a person out of reach answers 404, and only the org-wide
roles may drill into a whole team, territory, region or the company.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from attain.analytics.drilldown import drill_down
from attain.analytics.org import Dimension
from attain.analytics.queries import Window
from attain.app.ports import UserInfo
from attain.domain.errors import InvalidInput
from attain.web.dashboard_pages import reach_of, subtree_of
from attain.web.figures import Figures
from attain.web.layout import framed, framed_from_memory, metric_label, page, viewer_key
from attain.web.reach import Reach
from attain.web.tables import Column, Kind, Table, csv_response

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 500  # a page lists this many; the CSV export has them all

COLUMNS = (
    Column("row_set", "Rows"),
    Column("external_id", "Id"),
    Column("person_name", "Owner"),
    Column("account_id", "Account", Kind.TEXT),
    Column("product_name", "Product"),
    Column("status", "Status"),
    Column("stage", "Stage"),
    Column("kind", "Kind"),
    Column("created_on", "Created", Kind.DATE),
    Column("close_on", "Close date", Kind.DATE),
    Column("booked_on", "Booked", Kind.DATE),
    Column("cycle_days", "Cycle", Kind.DAYS),
    Column("amount", "Amount", Kind.MONEY),
    Column("currency", "Currency"),
    Column("period", "Period"),
    Column("compared", "Compared period"),
)
GROUPS = ("person", "team", "territory", "region")


@dataclass(frozen=True, slots=True)
class DrillQuery:
    metric: str
    period: str | None = None
    person: str | None = None
    team: str | None = None
    territory: str | None = None
    region: str | None = None
    lead: str | None = None  # everyone in this manager's subtree

    def describe(self) -> str:
        named = [f"{g} {getattr(self, g)}" for g in (*GROUPS, "lead") if getattr(self, g)]
        return ", ".join(named) or "the whole company"


def drill_rows(figures: Figures, reach: Reach, q: DrillQuery) -> list[dict[str, Any]]:
    """The rows behind `q.metric` for one group, checked against the caller's reach."""
    period = figures.quarter(q.period).key
    chosen = [g for g in GROUPS if getattr(q, g)]
    if len(chosen) + (1 if q.lead else 0) > 1:
        raise InvalidInput(
            "drill into one group at a time", hint="give one of person, team, territory, region or lead"
        )
    group: dict[Dimension, str] = {}
    members: set[str] | None = None
    if q.person:
        reach.person(q.person)
        group[Dimension.PERSON] = q.person
    elif q.lead:
        leader = reach.person(q.lead)
        ids = subtree_of(figures, int(leader["id"]))
        members = {
            str(p["external_id"])
            for p in reach.people
            if int(p["id"]) in ids and reach.scope.allows(int(p["id"]))
        }
    elif not chosen and not reach.everyone:
        members = reach.visible_ids()  # no group: the rows behind the caller's own people's figures
        if len(members) == 1:
            group[Dimension.PERSON] = next(iter(members))
    else:
        reach.require_everyone("this drill-down")
        for g in chosen:
            group[Dimension(g)] = str(getattr(q, g))
    with figures.store.transaction() as tx:
        rows = drill_down(tx.fact_reader, q.metric, Window(period=period), group, today=figures.today)
    if members is not None:
        rows = [r for r in rows if r.get("person") in members]
    return rows


def _build(request: Request, q: DrillQuery, user: UserInfo) -> tuple[Table, Figures]:
    figures = Figures.of(request)
    rows = drill_rows(figures, reach_of(figures, user), q)
    present = {k for r in rows for k in r}
    columns = [c for c in COLUMNS if c.key in present] or list(COLUMNS[:3])
    table = Table(
        "rows",
        f"Rows behind {metric_label(q.metric)} for {q.describe()}",
        columns,
        rows,
        request.query_params,
        empty="No deals or orders make up this figure in this period.",
        page_size=PAGE_ROWS,
    )
    return table, figures


def _query(
    metric: str,
    period: str | None,
    person: str | None,
    team: str | None,
    territory: str | None,
    region: str | None,
    lead: str | None,
) -> DrillQuery:
    return DrillQuery(
        metric, period or None, person or None, team or None, territory or None, region or None, lead or None
    )


def _key(request: Request) -> tuple[Any, ...]:
    return ("drill", tuple(sorted(request.query_params.multi_items())))


@router.get("/drill", response_class=HTMLResponse)
async def drill_page(
    request: Request,
    metric: str = "revenue",
    period: str | None = None,
    person: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    region: str | None = None,
    lead: str | None = None,
) -> Response:
    q = _query(metric, period, person, team, territory, region, lead)
    fast = framed_from_memory(request, _key(request))
    if fast is not None:
        return fast

    def build(user: UserInfo) -> Response:
        def make() -> tuple[str, dict[str, Any]]:
            table, figures = _build(request, q, user)
            period = figures.quarter(q.period)
            return "dash_drill.html", {
                "title": "Rows behind a figure",
                "query": q,
                "period": period,
                "tables": {"rows": table},
            }

        return framed(request, user, (*_key(request), *viewer_key(user)), make)

    return await run_in_threadpool(page, request, build)


@router.get("/drill.csv")
def drill_csv(
    request: Request,
    metric: str = "revenue",
    period: str | None = None,
    person: str | None = None,
    team: str | None = None,
    territory: str | None = None,
    region: str | None = None,
    lead: str | None = None,
) -> Response:
    q = _query(metric, period, person, team, territory, region, lead)
    return page(
        request, lambda user: csv_response([_build(request, q, user)[0]], request.query_params, "drill")
    )
