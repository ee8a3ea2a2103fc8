"""What the pay pages share: who may open them (the API guard's rule, for signed-in page users), form
posts with their CSRF field, one-time notices after a redirect, and money as the tables show it.

A page about a person admits the caller like `guard(subject="person_id")`: a rep only themself, a manager
their subtree as of today, the org-wide roles everyone; anyone else gets the 404 of a person who does not
exist, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import Request, status
from fastapi.responses import RedirectResponse, Response

from attain.app.access import PeopleScope, people_scope
from attain.app.ports import UserInfo
from attain.domain.errors import Forbidden, NotFound
from attain.domain.money import from_minor
from attain.web.deps import get_store
from attain.web.layout import page
from attain.web.security import csrf_valid

PAY_ADMIN = ("admin", "comp_admin")
FINANCE = ("admin", "finance")
NOTICES = "notices"


def today(request: Request) -> date:
    """The organisation's local day, as the access rules use; `app.state.today` pins it (tests, demos)."""
    pinned = getattr(request.app.state, "today", None)
    return pinned if isinstance(pinned, date) else date.today()  # noqa: DTZ011


def admit(
    request: Request, user: UserInfo, roles: tuple[str, ...] = (), person_id: int | None = None
) -> PeopleScope:
    """The caller's scope, after checking their role (Forbidden) and, for a page about `person_id`, that
    the person is in reach (NotFound otherwise)."""
    if roles and not set(roles) & set(user.roles):
        raise Forbidden("your role may not open this page", hint="ask an admin if you need it")
    scope = people_scope(get_store(request), user, today(request))
    if person_id is not None and not scope.allows(person_id):
        raise NotFound(f"person {person_id} not found")
    return scope


def form_post(
    request: Request, csrf: str, roles: tuple[str, ...], write: Callable[[UserInfo], Response]
) -> Response:
    """A form post: signed in (else to sign-in), with the role and the session's CSRF token; then `write`."""

    def run(user: UserInfo) -> Response:
        admit(request, user, roles)
        if not csrf_valid(request, csrf):
            raise Forbidden("the form expired", hint="reload the page and submit it again")
        return write(user)

    return page(request, run)


def notify(request: Request, text: str) -> None:
    """A notice shown once, on the next page this session opens (after a redirect)."""
    found = request.session.get(NOTICES)
    request.session[NOTICES] = [*(found if isinstance(found, list) else []), text][-5:]


def notices(request: Request) -> list[str]:
    found = request.session.pop(NOTICES, None)
    return [str(x) for x in found] if isinstance(found, list) else []


def see_other(path: str) -> Response:
    return RedirectResponse(path, status.HTTP_303_SEE_OTHER)


def major(amount: int, currency: str) -> Decimal:
    """Minor units as the exact major-unit Decimal the tables format (money columns)."""
    return from_minor(amount, currency)


def context_of(request: Request, **context: Any) -> dict[str, Any]:
    """The context every pay page gets: the notices shown once after a redirect."""
    return {"notices": notices(request), **context}
