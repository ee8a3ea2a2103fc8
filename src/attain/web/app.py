"""The FastAPI application factory: no globals at import; the store and secret come in as arguments."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from attain import __version__
from attain.domain.errors import AttainError
from attain.store.unit_of_work import SqlStore, open_store
from attain.web import (
    admin_imports,
    admin_periods,
    admin_plans,
    admin_runs,
    api,
    api_kpis,
    coaching_api,
    coaching_pages,
    dashboard_pages,
    drill_pages,
    finance_pages,
    forecast_api,
    forecast_pages,
    inquiry_pages,
    pages,
    pay_api,
    statement_api,
    statement_pages,
    whatif_api,
    whatif_pages,
)
from attain.web.collector import freeze_warm_objects, tune_for_serving
from attain.web.errors import domain_error_response
from attain.web.figures import warm_up
from attain.web.forecast_cache import warm_up_forecasts
from attain.web.layout import install_helpers
from attain.web.row_ids import RowIdRange
from attain.web.security import LoginThrottle, SecurityHeaders

HERE = Path(__file__).parent


def create_app(store: SqlStore, *, secret_key: str | None = None, https_only: bool = False) -> FastAPI:
    """An Attain web app on `store`.

    Without a `secret_key` (ATTAIN_SECRET_KEY in `attain serve`), one is generated, so sessions
    last until the process restarts.
    """
    app = FastAPI(
        title="Attain",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.store = store
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    install_helpers(app.state.templates)
    app.state.throttle = LoginThrottle()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RowIdRange)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie="attain_session",
        same_site="lax",
        https_only=https_only,
        max_age=12 * 3600,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_exception_handler(AttainError, domain_error_response)
    app.include_router(api.router)
    app.include_router(api_kpis.router)
    app.include_router(pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(drill_pages.router)
    app.include_router(coaching_pages.router)
    app.include_router(coaching_api.router)
    app.include_router(pay_api.router)
    app.include_router(forecast_api.router)
    app.include_router(forecast_pages.router)
    app.include_router(statement_api.router)
    app.include_router(statement_pages.router)
    app.include_router(whatif_api.router)
    app.include_router(whatif_pages.router)
    for pay_pages in (admin_imports, admin_plans, admin_runs, admin_periods, inquiry_pages, finance_pages):
        app.include_router(pay_pages.router)
    return app


def app_from_environment() -> FastAPI:
    """The factory `attain serve` hands to uvicorn: reads ATTAIN_DATABASE_URL and ATTAIN_SECRET_KEY."""
    tune_for_serving()
    store = open_store(os.environ.get("ATTAIN_DATABASE_URL"))
    app = create_app(
        store,
        secret_key=os.environ.get("ATTAIN_SECRET_KEY"),
        https_only=os.environ.get("ATTAIN_HTTPS_ONLY", "") == "1",
    )
    warm_up(app)
    warm_up_forecasts(app, date.today())  # noqa: DTZ011 (the org's local day, as the dashboards' warm-up)
    freeze_warm_objects()
    return app
