"""What every coaching page shares: the day, rendering with the coaching context, signed-in pages whose
domain errors become an error page with the matching status, and CSRF-checked form posts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from attain.app.coaching.access import Viewer
from attain.app.coaching.wording import format_value
from attain.app.ports import UserInfo
from attain.domain.errors import AttainError, InvalidInput
from attain.store.unit_of_work import SqlStore
from attain.web.coaching_figures import saw_write
from attain.web.deps import current_user, get_store
from attain.web.errors import STATUS
from attain.web.security import csrf_token, csrf_valid

Store = Annotated[SqlStore, Depends(get_store)]
Csrf = Annotated[str, Form()]


def today_of(request: Request) -> date:
    """The organisation's local day, as the access rules use; `app.state.today` pins it (tests, demos)."""
    pinned = getattr(request.app.state, "today", None)
    return pinned if isinstance(pinned, date) else date.today()  # noqa: DTZ011


def render(request: Request, template: str, user: UserInfo, code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {
            "csrf": csrf_token(request),
            "user": user,
            "fmt": format_value,
            "today": today_of(request),
            **context,
        },
        status_code=code,
    )
    return response


def page(request: Request, build: Callable[[UserInfo, Viewer], Response]) -> Response:
    """Run a page for the signed-in user; domain errors become an error page with the matching status."""
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    try:
        return build(user, Viewer.of(user))
    except AttainError as exc:
        return render(request, "coaching_error.html", user, STATUS[exc.kind], error=exc)


def form(request: Request, csrf: str, build: Callable[[UserInfo, Viewer], str]) -> Response:
    """A form post: checks the CSRF token, runs the write, redirects to the page it returns (303)."""

    def run(user: UserInfo, viewer: Viewer) -> Response:
        if not csrf_valid(request, csrf):
            raise InvalidInput("the form expired", hint="reload the page and submit again")
        target = build(user, viewer)
        saw_write(request)  # the page it redirects to shows this write, not figures cached before it
        return RedirectResponse(target, status.HTTP_303_SEE_OTHER)

    return page(request, run)
