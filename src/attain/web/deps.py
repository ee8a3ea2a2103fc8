"""Request dependencies: the store and the signed-in user."""

from __future__ import annotations

import time

from fastapi import Request

from attain.app.ports import UserInfo
from attain.store.unit_of_work import SqlStore
from attain.web.security import SESSION_USER


def get_store(request: Request) -> SqlStore:
    store: SqlStore = request.app.state.store
    return store


# A signed-in user's record is read at most this often per process: the lookup is most of what a cached
# dashboard page costs, and a deactivation or role change still takes effect within these seconds.
USER_SECONDS = 2.0


def current_user(request: Request) -> UserInfo | None:
    """The signed-in, still active user, or None."""
    username = request.session.get(SESSION_USER)
    if not isinstance(username, str):
        return None
    seen: dict[str, tuple[float, UserInfo | None]] | None = getattr(request.app.state, "users_seen", None)
    if seen is None:
        seen = request.app.state.users_seen = {}
    hit = seen.get(username)
    now = time.monotonic()
    if hit is not None and now - hit[0] < USER_SECONDS:
        user = hit[1]
    else:
        with get_store(request).transaction() as tx:
            found = tx.users.by_username(username)
        user = found[0] if found is not None and found[0].is_active else None
        seen[username] = (now, user)
    if user is None:
        request.session.clear()
    return user


def known_user(request: Request) -> UserInfo | None:
    """The signed-in user if their record was read within USER_SECONDS, else None (no database call), so
    an async page can answer from memory and leave everything else to a worker thread."""
    username = request.session.get(SESSION_USER)
    seen: dict[str, tuple[float, UserInfo | None]] | None = getattr(request.app.state, "users_seen", None)
    if not isinstance(username, str) or seen is None or username not in seen:
        return None
    at, user = seen[username]
    now = time.monotonic()
    if now - at >= USER_SECONDS:
        return None
    used: dict[str, float] | None = getattr(request.app.state, "users_used", None)
    if used is None:
        used = request.app.state.users_used = {}
    used[username] = now
    return user
