"""Request dependencies: the store and the signed-in user."""

from __future__ import annotations

from fastapi import Request

from attain.app.ports import UserInfo
from attain.store.unit_of_work import SqlStore
from attain.web.security import SESSION_USER


def get_store(request: Request) -> SqlStore:
    store: SqlStore = request.app.state.store
    return store


def current_user(request: Request) -> UserInfo | None:
    """The signed-in, still active user, or None."""
    username = request.session.get(SESSION_USER)
    if not isinstance(username, str):
        return None
    with get_store(request).transaction() as tx:
        found = tx.users.by_username(username)
    if found is None or not found[0].is_active:
        request.session.clear()
        return None
    return found[0]
