"""Route guards: every API route declares who may call it and which person it is about.

`guard(...)` builds the dependency a route uses to get its `Caller`. The rule it carries is
readable from the route table, so the authorization-matrix test can check every route and a
route without a rule fails the suite.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.routing import APIRoute

from attain.app.access import PeopleScope, people_scope, token_user
from attain.app.ports import UserInfo
from attain.web.deps import current_user, get_store
from attain.web.security import SESSION_CSRF

ALL_ROLES = frozenset({"admin", "comp_admin", "manager", "rep", "finance", "viewer"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may call a route: `roles` (empty for a public route) and, when the route is about one
    person, the path parameter holding that person's id (checked against the caller's scope)."""

    roles: frozenset[str]
    subject: str | None = None
    public: bool = False


@dataclass
class Caller:
    user: UserInfo
    token_scopes: tuple[str, ...] | None  # None when signed in with a session cookie
    today: date
    _scope: PeopleScope | None = field(default=None, repr=False)
    _request: Request | None = field(default=None, repr=False)

    def scope(self) -> PeopleScope:
        if self._scope is None:
            assert self._request is not None
            self._scope = people_scope(get_store(self._request), self.user, self.today)
        return self._scope

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.user.roles))


def _authenticate(request: Request) -> tuple[UserInfo, tuple[str, ...] | None] | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = token_user(get_store(request), header[7:].strip())
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "invalid, expired or revoked token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return found
    user = current_user(request)
    return None if user is None else (user, None)


def guard(*roles: str, subject: str | None = None) -> Callable[[Request], Caller]:
    """A dependency admitting signed-in callers with one of `roles` (all roles when none given)."""
    rule = Rule(frozenset(roles) or ALL_ROLES, subject)

    def dependency(request: Request) -> Caller:
        found = _authenticate(request)
        if found is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "sign in or present an API token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user, scopes = found
        if request.method in UNSAFE:
            if scopes is not None and "write" not in scopes:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "this token lacks the 'write' scope")
            if scopes is None:
                # Cookie-authenticated writes must prove they come from our own pages.
                expected = request.session.get(SESSION_CSRF)
                sent = request.headers.get("x-csrf-token")
                if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
                    raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong X-CSRF-Token header")
        if not rule.roles & set(user.roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your role may not do this")
        caller = Caller(user, scopes, date.today(), _request=request)  # noqa: DTZ011 (the org's local day)
        if rule.subject is not None:
            person_id = request.path_params.get(rule.subject)
            if not _is_row_id(person_id) or not caller.scope().allows(int(str(person_id))):
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"person {person_id} not found")
        return caller

    dependency.rule = rule  # type: ignore[attr-defined]
    return dependency


def _is_row_id(value: object) -> bool:
    """A positive integer that fits a 64-bit id column (larger ones cannot name a row, and the
    database driver would fail on them)."""
    text = str(value) if value is not None else ""
    return text.isdigit() and 0 < int(text) < 2**63


def public() -> Callable[[], None]:
    """A dependency marking a route as deliberately open to anonymous callers."""

    def dependency() -> None:
        return None

    dependency.rule = Rule(frozenset(), public=True)  # type: ignore[attr-defined]
    return dependency


def rule_of(route: Any) -> Rule | None:
    """The guard rule declared on an APIRoute (searched through its dependencies), if any."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        rule = getattr(dep.call, "rule", None)
        if isinstance(rule, Rule):
            return rule
        stack.extend(dep.dependencies)
    return None


def api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of `app`, looking inside included routers (whatever FastAPI version wraps them)."""
    found: list[APIRoute] = []
    stack = list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return found
