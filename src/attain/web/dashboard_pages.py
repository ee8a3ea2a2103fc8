"""Dashboard pages: a rep's own figures (`/me`, `/people/{id}`), a manager's team (`/team`) and the company
(`/company`). Each page's tables also come as CSV from the same route with `.csv` (`?table=<id>`).

Pages read the cached company-wide figures and show only what the signed-in user's reach allows: a person
outside it answers 404, a page the role may not use 403.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from attain.app.access import people_scope
from attain.app.ports import UserInfo
from attain.domain.calendar import Period
from attain.domain.errors import Forbidden, NotFound
from attain.web import page_cache, whatif_pages
from attain.web.company_view import BY_CHOICES, company_view
from attain.web.dashboard_tables import company_tables, rep_tables, team_tables
from attain.web.figures import Figures
from attain.web.layout import choice, framed, framed_from_memory, gauge, page, served_paths, viewer_key
from attain.web.reach import ORG_WIDE, Reach
from attain.web.rep_view import action_items, rep_view
from attain.web.tables import Table, csv_response
from attain.web.team_view import BOARD_METRICS, members_of, team_view
from attain.web.whatif_pages import deal_rows

router = APIRouter(include_in_schema=False)
Build = Callable[[UserInfo], tuple[str, dict[str, Any], list[Table]]]


def reach_of(figures: Figures, user: UserInfo) -> Reach:
    return Reach(people_scope(figures.store, user, figures.today), figures.people())


class Output(StrEnum):
    HTML = "html"
    CSV = "csv"


def _both(request: Request, name: str, build: Build, output: Output) -> Response:
    """Render the page (its body cached per data version and reach), or one of its tables as CSV."""

    def run(user: UserInfo) -> Response:
        if output is Output.CSV:
            return csv_response(build(user)[2], request.query_params, name)

        def make() -> tuple[str, dict[str, Any]]:
            template, context, tables = build(user)
            return template, {**context, "tables": {t.id: t for t in tables}, "path": name}

        key = (*page_key(request, name), *viewer_key(user))
        return page_cache.cached(request, user, lambda: framed(request, user, key, make))

    return page(request, run)


def page_key(request: Request, name: str) -> tuple[Any, ...]:
    return ("page", name, tuple(sorted(request.query_params.multi_items())))


async def _serve(request: Request, name: str, build: Build, output: Output) -> Response:
    """Answer from memory on the event loop when the viewer and the page (or at least its body) are cached:
    no thread hop, no waiting for the interpreter lock behind other threads; otherwise build it on a
    worker thread."""
    if output is Output.HTML:
        fast = page_cache.from_memory(request, lambda: framed_from_memory(request, page_key(request, name)))
        if fast is not None:
            return fast
    return await run_in_threadpool(_both, request, name, build, output)


def _period(figures: Figures, key: str | None) -> Period:
    return figures.quarter(key or None)


# --- the rep page ---------------------------------------------------------------------------------


def _rep(request: Request, person_id: int | None, period: str | None) -> Build:
    def build(user: UserInfo) -> tuple[str, dict[str, Any], list[Table]]:
        figures = Figures.of(request)
        reach = reach_of(figures, user)
        if person_id is None:
            if user.person_id is None:
                raise NotFound(
                    "your login is not linked to a person, so there are no figures of yours",
                    hint="ask an admin to link it to a person, or open the Team or Company page",
                )
            person = reach.person_by_id(user.person_id)
        else:
            person = reach.person_by_id(person_id)
        chosen = _period(figures, period)
        view = rep_view(figures, person, chosen)
        own = user.person_id == person["id"]
        items = action_items(figures, user, int(person["id"])) if _coaching(request) else None
        deals, more_deals = (
            deal_rows(figures.store, view.external_id, view.currency)
            if whatif_pages.PATH in served_paths(request)
            else (None, 0)
        )
        context = {
            "title": "My figures" if own else str(person["name"]),
            "charts": True,
            "view": view,
            "own": own,
            "periods": figures.quarters_around(chosen),
            "gauge": gauge(
                None if view.headline is None else view.headline.get("attainment"),
                view.elapsed if view.headline is not None else None,
            ),
            "items": items,
            "coaching": _coaching(request),
            "statements": "/statements/{person_id}/{period}" in served_paths(request),
            "trend_chart": _rep_chart(view.trend),
            "deals": deals,
            "more_deals": more_deals,
        }
        return "dash_rep.html", context, rep_tables(request.query_params, view)

    return build


def _coaching(request: Request) -> bool:
    return "/coaching/me" in served_paths(request)


def _rep_chart(trend: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [r["period"] for r in trend],
        "series": [
            {
                "label": "Quota attainment %",
                "data": [
                    None if r["quota_attainment"] is None else round(r["quota_attainment"] * 100, 1)
                    for r in trend
                ],
            }
        ],
    }


@router.get("/me", response_class=HTMLResponse)
async def my_page(request: Request, period: str | None = None) -> Response:
    return await _serve(request, "/me", _rep(request, None, period), Output.HTML)


@router.get("/me.csv")
async def my_page_csv(request: Request, period: str | None = None) -> Response:
    return await _serve(request, "/me", _rep(request, None, period), Output.CSV)


# The CSV route comes first: `{person_id}` would otherwise match "12.csv" and reject it as no integer.
@router.get("/people/{person_id}.csv")
async def person_page_csv(request: Request, person_id: int, period: str | None = None) -> Response:
    return await _serve(request, f"/people/{person_id}", _rep(request, person_id, period), Output.CSV)


@router.get("/people/{person_id}", response_class=HTMLResponse)
async def person_page(request: Request, person_id: int, period: str | None = None) -> Response:
    return await _serve(request, f"/people/{person_id}", _rep(request, person_id, period), Output.HTML)


# --- the manager's team page ---------------------------------------------------------------------


def _team(request: Request, period: str | None, metric: str | None, lead: str | None) -> Build:
    def build(user: UserInfo) -> tuple[str, dict[str, Any], list[Table]]:
        roles = set(user.roles)
        if "manager" not in roles and not roles & ORG_WIDE:
            raise Forbidden("the team page is for managers", hint="your own figures are on /me")
        figures = Figures.of(request)
        reach = reach_of(figures, user)
        chosen = _period(figures, period)
        board_metric = choice(metric, BOARD_METRICS, "leaderboard metric")
        leader: Mapping[str, Any] | None = None
        subtree: set[int] | None = None
        if lead:
            leader = reach.person(lead)
        elif not reach.everyone and user.person_id is not None:
            leader = reach.person_by_id(user.person_id)
        if leader is not None:
            subtree = subtree_of(figures, int(leader["id"]))
        members = members_of(reach, leader, subtree)
        view = team_view(figures, members, chosen, board_metric)
        leads = [p for p in reach.people if p.get("role") == "manager" and reach.scope.allows(int(p["id"]))]
        context = {
            "title": "Team",
            "view": view,
            "leader": leader,
            "leads": leads if reach.everyone else [],
            "periods": figures.quarters_around(chosen),
            "board_metrics": BOARD_METRICS,
        }
        return "dash_team.html", context, team_tables(request.query_params, view, leader)

    return build


def subtree_of(figures: Figures, person_id: int) -> set[int]:
    def read() -> set[int]:
        with figures.store.transaction() as tx:
            return tx.people.subtree(person_id, figures.today)

    return figures.cache.get(("subtree", person_id, figures.today), read)


@router.get("/team", response_class=HTMLResponse)
async def team_page(
    request: Request, period: str | None = None, metric: str | None = None, lead: str | None = None
) -> Response:
    return await _serve(request, "/team", _team(request, period, metric, lead), Output.HTML)


@router.get("/team.csv")
async def team_page_csv(
    request: Request, period: str | None = None, metric: str | None = None, lead: str | None = None
) -> Response:
    return await _serve(request, "/team", _team(request, period, metric, lead), Output.CSV)


# --- the company page ----------------------------------------------------------------------------


def _company(request: Request, period: str | None, by: str | None) -> Build:
    def build(user: UserInfo) -> tuple[str, dict[str, Any], list[Table]]:
        if not set(user.roles) & ORG_WIDE:
            raise Forbidden(
                "the company page shows everyone's figures; your role sees its own people only",
                hint="your team is on /team, your own figures on /me",
            )
        figures = Figures.of(request)
        chosen = _period(figures, period)
        view = company_view(figures, chosen, choice(by, BY_CHOICES, "breakdown"))
        context = {
            "title": "Company",
            "charts": True,
            "view": view,
            "periods": figures.quarters_around(chosen),
            "by_choices": BY_CHOICES,
        }
        return "dash_company.html", context, company_tables(request.query_params, view)

    return build


@router.get("/company", response_class=HTMLResponse)
async def company_page(request: Request, period: str | None = None, by: str | None = None) -> Response:
    return await _serve(request, "/company", _company(request, period, by), Output.HTML)


@router.get("/company.csv")
async def company_page_csv(request: Request, period: str | None = None, by: str | None = None) -> Response:
    return await _serve(request, "/company", _company(request, period, by), Output.CSV)
