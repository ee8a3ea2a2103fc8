"""Coaching set-up for admins: the skills framework (and the metrics each skill drives) and the course
catalogue, with forms to add or update them. Included by `coaching_pages.router`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from attain.analytics.compute import TABLE_METRICS
from attain.app.coaching.access import Viewer
from attain.app.coaching.skills import define_skill, list_skills
from attain.app.coaching.training import define_course, list_courses
from attain.app.ports import UserInfo
from attain.domain.errors import NotFound
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.web.coaching_views import Csrf, Store, form, page, render

router = APIRouter(include_in_schema=False)


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, store: Store) -> Response:
    """Admin set-up: the skills framework (and the metrics each skill drives) and the course catalogue."""

    def build(user: UserInfo, viewer: Viewer) -> Response:
        if not viewer.is_admin:
            raise NotFound("page not found")
        cs = SqlCoachingStore(store)
        return render(
            request,
            "coaching_setup.html",
            user,
            skills=list_skills(cs),
            courses=list_courses(cs),
            metrics=sorted(TABLE_METRICS),
        )

    return page(request, build)


@router.post("/setup/skills")
def add_skill(
    request: Request,
    store: Store,
    csrf: Csrf,
    key: Annotated[str, Form()],
    name: Annotated[str, Form()],
    metrics: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        chosen = [m.strip() for m in metrics.split(",") if m.strip()]
        define_skill(
            SqlCoachingStore(store),
            viewer,
            AnalyticsKpis(store),
            key=key,
            name=name,
            description=description,
            metrics=chosen,
        )
        return "/coaching/setup"

    return form(request, csrf, build)


@router.post("/setup/courses")
def add_course(
    request: Request,
    store: Store,
    csrf: Csrf,
    key: Annotated[str, Form()],
    name: Annotated[str, Form()],
    skills: Annotated[str, Form()] = "",
) -> Response:
    def build(user: UserInfo, viewer: Viewer) -> str:
        chosen = [k.strip() for k in skills.split(",") if k.strip()]
        define_course(SqlCoachingStore(store), viewer, key=key, name=name, skills=chosen)
        return "/coaching/setup"

    return form(request, csrf, build)
