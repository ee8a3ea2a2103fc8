"""Keeps what cached pages depend on fresh from a background thread: the data version (newest audit id) and
the records of recently signed-in users. Requests then answer from memory without waiting for the
database, and never all at once when an entry expires.

One thread per app, started on first use; it stops when the app is gone or the database cannot be read
(pages then simply take the slow path, which reads what it needs itself).

Two versions of the data, both read from the audit log: the data version (every audited write) and the
facts version (`facts_version`): only the writes that change what the analytics read (imports of orders,
opportunities, people, teams and goals; the calendar; goal setting and settings). A weekly call, a coaching
note or an inquiry leaves it unchanged, so figures that do not show them (the forecast fits) are kept.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from fastapi import Request

from attain.store.unit_of_work import SqlStore
from attain.web.deps import USER_SECONDS
from attain.web.figures import STAMP_SECONDS, FigureCache

RECENT_SECONDS = 60.0  # users signed in within this are kept fresh

# Audited entities whose writes change no fact, goal or calendar: the facts version skips them. Listed by
# what is quiet rather than by what counts, so a new kind of write moves the facts version until it is
# known to be harmless. Calls, overrides and snapshots are read per request by what shows them.
QUIET_ENTITIES = frozenset(
    {
        "forecast_submission",
        "forecast_override",
        "forecast_snapshot",
        "coaching_session",
        "action_item",
        "review",
        "course",
        "enrollment",
        "certification",
        "badge",
        "feedback",
        "skill",
        "skill_assessment",
        "notification",
        "inquiry",
        "user",
        "api_token",
        "plan",  # a plan is read when a payout is computed, never by the analytics' facts
        "run",
        "period",  # runs and closes of a pay period
        "ledger_entry",
    }
)


def facts_version(store: SqlStore) -> int:
    """The newest audit id of a write that changes the facts: what figures computed from facts depend on."""
    with store.transaction() as tx:
        return tx.audit.latest_id(ignoring=QUIET_ENTITIES)


class FactsVersion:
    """`facts_version`, trusted for `stamp_seconds` after each read so a burst of requests reads it once."""

    def __init__(self, store: SqlStore, stamp_seconds: float = STAMP_SECONDS) -> None:
        self._store, self._seconds = store, stamp_seconds
        self._seen: tuple[float, int] = (-float("inf"), -1)

    def __call__(self) -> int:
        at, value = self._seen
        if time.monotonic() - at < self._seconds:
            return value
        return self.read()

    def read(self) -> int:
        """Read it now (a write that records figures wants the current ones)."""
        now = time.monotonic()
        value = facts_version(self._store)
        self._seen = (now, value)
        return value


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
