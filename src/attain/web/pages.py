"""Server-rendered pages: sign-in, sign-out and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attain.app.users import authenticate
from attain.store.unit_of_work import SqlStore
from attain.web.deps import current_user, get_store
from attain.web.layout import home_path
from attain.web.security import SESSION_USER, csrf_token, csrf_valid

router = APIRouter(include_in_schema=False)


def _render(request: Request, template: str, code: int = 200, **context: object) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("user", current_user(request))
    response: HTMLResponse = templates.TemplateResponse(
        request, template, {"csrf": csrf_token(request), **context}, status_code=code
    )
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: Annotated[SqlStore, Depends(get_store)]) -> Response:
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    main_page = home_path(request, user)
    if main_page is not None:
        return RedirectResponse(main_page, status.HTTP_303_SEE_OTHER)
    with store.transaction() as tx:
        counts = tx.counts.table_counts()
        calendar = tx.calendars.default()
    counts.pop("users", None)
    return _render(request, "home.html", user=user, counts=counts, calendar=calendar)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    store: Annotated[SqlStore, Depends(get_store)],
) -> Response:
    if not csrf_valid(request, csrf):
        return _render(request, "login.html", code=400, error="The form expired; please sign in again.")
    throttle = request.app.state.throttle
    name = username.strip().lower()
    client = request.client.host if request.client else "unknown"
    if throttle.blocked(name, client):
        return _render(
            request,
            "login.html",
            code=429,
            error="Too many failed attempts; wait five minutes and try again.",
        )
    user = authenticate(store, name, password)
    if user is None:
        throttle.failed(name, client)
        return _render(request, "login.html", code=401, error="Wrong username or password.")
    throttle.succeeded(name)
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session[SESSION_USER] = user.username
    csrf_token(request)  # the new session's token now: its pages are then kept per session from the first
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    if csrf_valid(request, csrf):
        request.session.clear()
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
