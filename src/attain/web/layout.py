"""What every dashboard page shares: the navigation a user's roles allow, metric labels and formats, the
gauge geometry, and rendering a page (or a domain error as a page with the matching status).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from attain.analytics.definitions import Direction, Unit, definition
from attain.app.ports import UserInfo
from attain.domain.errors import AttainError, InvalidInput
from attain.web.authz import api_routes
from attain.web.deps import current_user, known_user
from attain.web.errors import STATUS
from attain.web.figures import cache_of, today_of
from attain.web.freshness import keep_fresh
from attain.web.reach import ORG_WIDE
from attain.web.security import csrf_token
from attain.web.tables import Column, Kind, format_cell, trend_of

UNIT_KIND = {
    Unit.MONEY: Kind.MONEY,
    Unit.COUNT: Kind.COUNT,
    Unit.RATIO: Kind.PERCENT,
    Unit.DAYS: Kind.DAYS,
    Unit.MONTHS: Kind.NUMBER,
}
# Coverage is a multiple of the quota (2.1x), not a share of it.
MULTIPLES = frozenset({"pipeline_coverage"})


def metric_kind(metric: str) -> Kind:
    return Kind.NUMBER if metric in MULTIPLES else UNIT_KIND[definition(metric).unit]


def metric_label(metric: str) -> str:
    return definition(metric).name


def lower_is_better(metric: str) -> bool:
    return definition(metric).direction is Direction.DOWN


@dataclass(frozen=True, slots=True)
class NavLink:
    path: str
    label: str


def home_path(request: Request, user: UserInfo) -> str | None:
    """Each user's main page by role, if the app serves it; None keeps the plain home page."""
    found = _main_page(user)
    return found if found in served_paths(request) else None


def _main_page(user: UserInfo) -> str | None:
    roles = set(user.roles)
    if "manager" in roles:
        return "/team"
    if {"admin", "viewer"} & roles:
        return "/company"
    if "rep" in roles and user.person_id is not None:
        return "/me"
    if "comp_admin" in roles:
        return "/admin/runs"
    if "finance" in roles:
        return "/finance"
    return None


def nav_links(request: Request, user: UserInfo | None) -> list[NavLink]:
    """The pages this user's roles allow, among those the app serves."""
    if user is None:
        return []
    roles = set(user.roles)
    wanted: list[NavLink] = []
    if user.person_id is not None:
        wanted.append(NavLink("/me", "My figures"))
    if "manager" in roles or roles & ORG_WIDE:
        wanted.append(NavLink("/team", "Team"))
    if roles & ORG_WIDE:
        wanted.append(NavLink("/company", "Company"))
    if "manager" in roles or roles & ORG_WIDE:
        wanted.append(NavLink("/forecasts", "Forecast"))
    elif "rep" in roles and user.person_id is not None:
        wanted.append(NavLink("/forecasts/calls", "Forecast"))
    wanted.append(NavLink("/coaching", "Coaching"))
    if user.person_id is not None:
        wanted.append(NavLink("/statements", "Statements"))
    if {"admin", "comp_admin"} & roles:
        wanted.append(NavLink("/admin/runs", "Pay admin"))
    if {"admin", "finance"} & roles:
        wanted.append(NavLink("/finance", "Finance"))
    served = served_paths(request)
    return [link for link in wanted if link.path in served]


def served_paths(request: Request) -> frozenset[str]:
    """The paths of the app's routes (pages of other features appear only once they are installed)."""
    found = getattr(request.app.state, "served_paths", None)
    if not isinstance(found, frozenset):
        found = frozenset(r.path for r in api_routes(request.app))
        request.app.state.served_paths = found
    return found


def gauge(value: float | None, marker: float | None = None) -> dict[str, Any]:
    """An SVG half-circle gauge: the arc to `value` (capped at 150%) and a tick at `marker` (where pace
    stands today). Coordinates for a 200x110 viewBox."""

    def point(share: float, radius: float = 80) -> tuple[float, float]:
        angle = math.pi * (1 - min(max(share, 0.0), 1.5) / 1.5)
        return round(100 + radius * math.cos(angle), 2), round(100 - radius * math.sin(angle), 2)

    out: dict[str, Any] = {"value": value, "marker": marker}
    if value is not None:
        x, y = point(value)
        out["arc"] = f"M 20 100 A 80 80 0 0 1 {x} {y}"  # at most half a turn, so never the large arc
    if marker is not None:
        (x1, y1), (x2, y2) = point(marker, 68), point(marker, 92)
        out["tick"] = (x1, y1, x2, y2)
    full_x, full_y = point(1.0)
    out["full"] = (full_x, full_y)
    return out


def install_helpers(templates: Jinja2Templates) -> None:
    """Template globals the dashboard templates and base.html use."""
    env = templates.env
    env.globals["nav_links"] = nav_links
    env.globals["cell"] = format_cell
    env.globals["trend_of"] = trend_of
    env.globals["Kind"] = Kind
    env.globals["metric_label"] = metric_label
    env.globals["metric_kind"] = metric_kind


def render(request: Request, template: str, user: UserInfo, code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {"csrf": csrf_token(request), "user": user, **context}, status_code=code
    )
    return response


PAGE_BODIES = 1024


def framed(
    request: Request, user: UserInfo, key: tuple[Any, ...], make: Callable[[], tuple[str, dict[str, Any]]]
) -> HTMLResponse:
    """A dashboard page: its body (template and context from `make`) is rendered once per data version,
    day and `key` (which must name everything the body depends on: the page, its parameters and the
    viewer's reach), then framed per request with the viewer's navigation and CSRF token."""

    def body() -> tuple[str, str, bool]:
        template, context = make()
        html = request.app.state.templates.get_template(template).render(context)
        return html, str(context.get("title", "Attain")), bool(context.get("charts"))

    html, title, charts = cache_of(request, "pages", PAGE_BODIES).get((*key, today_of(request)), body)
    # The body comes from our own autoescaping templates, so it is markup already.
    page_body = Markup(html)  # noqa: S704
    return render(request, "dash_page.html", user, body=page_body, title=title, charts=charts)


def framed_from_memory(request: Request, key: tuple[Any, ...]) -> HTMLResponse | None:
    """The page for `key` (plus the viewer's reach) if the viewer and its body are both in memory and fresh;
    None sends the request the slow way (a worker thread that may read the database)."""
    pages = cache_of(request, "pages", PAGE_BODIES)
    keep_fresh(request, pages)
    user = known_user(request)
    if user is None:
        return None
    hit = pages.peek((*key, *viewer_key(user), today_of(request)))
    if hit is None:
        return None
    html, title, charts = hit[0]
    page_body = Markup(html)  # noqa: S704 (rendered by our autoescaping templates)
    return render(request, "dash_page.html", user, body=page_body, title=title, charts=charts)


def viewer_key(user: UserInfo) -> tuple[Any, ...]:
    """What a page's content may depend on about its viewer: their roles and person (their reach)."""
    return (tuple(sorted(user.roles)), user.person_id)


def page(request: Request, build: Callable[[UserInfo], Response]) -> Response:
    """Run a page for the signed-in user: anonymous callers go to sign-in; domain errors become an error
    page with the matching status (404 for a person out of reach, 403 for a page the role may not use)."""
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    try:
        return build(user)
    except AttainError as exc:
        return render(request, "dash_error.html", user, STATUS[exc.kind], error=exc)


def columns_for(
    metrics: tuple[str, ...], link: Any = None, compare_suffix: str | None = None
) -> list[Column]:
    """One column per metric, drilling down through `link(metric)` and, with `compare_suffix`, an arrow
    against the prior period's value kept under `<metric><compare_suffix>`."""
    return [
        Column(
            m,
            metric_label(m),
            metric_kind(m),
            link=None if link is None else link(m),
            trend=None if compare_suffix is None else f"{m}{compare_suffix}",
            better_lower=lower_is_better(m),
        )
        for m in metrics
    ]


def choice(value: str | None, allowed: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `allowed` (the first when None), else a clear 422."""
    if value is None or value == "":
        return allowed[0]
    if value not in allowed:
        raise InvalidInput(f"'{value}' is not a {what}", hint=f"one of: {', '.join(allowed)}")
    return value
