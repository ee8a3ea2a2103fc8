"""Keeps what cached pages depend on fresh from a background thread: the data version (newest audit id) and
the records of recently signed-in users. Requests then answer from memory without waiting for the
database, and never all at once when an entry expires.

One thread per app, started on first use; it stops when the app is gone or the database cannot be read
(pages then simply take the slow path, which reads what it needs itself).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from fastapi import Request

from attain.web.deps import USER_SECONDS
from attain.web.figures import FigureCache

RECENT_SECONDS = 60.0  # users signed in within this are kept fresh


def keep_fresh(request: Request, cache: FigureCache) -> None:
    """Start the app's refresher once."""
    state = request.app.state
    if getattr(state, "refresher", None) is not None:
        return
    thread = threading.Thread(
        target=_run, args=(weakref.ref(state), cache), name="attain-freshness", daemon=True
    )
    state.refresher = thread
    thread.start()


def _run(state_ref: weakref.ref[Any], cache: FigureCache) -> None:
    period = min(USER_SECONDS, cache.stamp_seconds) / 2
    while True:
        time.sleep(period)
        state = state_ref()
        if state is None:
            return
        try:
            cache.refresh_stamp()
            _refresh_users(state)
        except Exception:  # e.g. the database went away: stop; requests then read what they need themselves
            return
        del state


def _refresh_users(state: Any) -> None:
    seen: dict[str, tuple[float, Any]] | None = getattr(state, "users_seen", None)
    used: dict[str, float] = getattr(state, "users_used", {})
    if not seen:
        return
    store = state.store
    now = time.monotonic()
    for username in list(seen):
        if now - used.get(username, 0.0) > RECENT_SECONDS:
            continue  # not kept fresh: its next request reads it again
        with store.transaction() as tx:
            found = tx.users.by_username(username)
        user = found[0] if found is not None and found[0].is_active else None
        seen[username] = (time.monotonic(), user)
