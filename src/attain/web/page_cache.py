"""Rendered responses of the expensive GET pages (dashboards, statements), kept per session, URL and data
version, so a repeated request is answered without rendering; each carries a weak ETag, and a request whose
`If-None-Match` names the current one gets a 304 without a body.

A key holds everything such a page depends on: the user (id, name, roles and person: what they may see),
the session (pages embed the session's CSRF token, so a page is never served to another session, even of
the same user), the full URL (path and query), the day and the data version (the newest audit id: every
write is audited). A new data version drops every entry. Pages that show one-time notices are neither
served from the cache nor kept in it. Imports nothing of the store: the data version comes from the page
bodies' cache, which a background thread keeps fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from attain.app.ports import UserInfo
from attain.web.deps import known_user
from attain.web.figures import FigureCache, cache_of, today_of
from attain.web.freshness import keep_fresh
from attain.web.layout import PAGE_BODIES
from attain.web.pay_pages import NOTICES
from attain.web.security import SESSION_CSRF

MAX_BYTES = 64 * 2**20  # about 250 pages of a 2,000-rep company's team page, thousands of rep pages
MAX_ENTRIES = 4096
# The browser keeps the page but asks each time (If-None-Match): a page never outlives a data change.
CACHE_CONTROL = "private, no-cache"

Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str


class PageCache:
    """An LRU of rendered responses bounded in bytes and entries, holding one data version at a time."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self._max_bytes, self._max_entries = max_bytes, max_entries
        self._entries: OrderedDict[Key, Rendered] = OrderedDict()
        self._bytes = 0
        self._version = -1
        self._lock = threading.Lock()
        self.renders = 0  # responses rendered to be kept: what each hit saves (tests count them)
        self.hits = 0
        # ETags are keyed hashes, so only this process can have made one: a client cannot compute the tag
        # of a page it was never sent and have a refusal (403, 404) answered with a 304.
        self._tag_key = secrets.token_bytes(32)

    def etag(self, key: Key) -> str:
        return 'W/"' + hmac.new(self._tag_key, repr(key).encode(), hashlib.sha256).hexdigest()[:32] + '"'

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key, version: int) -> Rendered | None:
        with self._lock:
            if version != self._version:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key: Key, version: int, rendered: Rendered) -> None:
        with self._lock:
            self.renders += 1
            if version < self._version or len(rendered.body) > self._max_bytes:
                return  # rendered from data older than what is cached: not worth keeping
            if version > self._version:
                self._drop_all()
                self._version = version
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = rendered
            self._bytes += len(rendered.body)
            while self._bytes > self._max_bytes or len(self._entries) > self._max_entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def forget(self) -> None:
        with self._lock:
            self._drop_all()

    def _drop_all(self) -> None:
        self._entries.clear()
        self._bytes = 0


def page_cache_of(request: Request) -> PageCache:
    cache = getattr(request.app.state, "page_cache", None)
    if not isinstance(cache, PageCache):
        cache = request.app.state.page_cache = PageCache()
    return cache


def _versions(request: Request) -> FigureCache:
    """The page bodies' cache (layout.framed): its data version is the one kept fresh in the background."""
    return cache_of(request, "pages", PAGE_BODIES)


def key_of(request: Request, user: UserInfo, version: int) -> Key | None:
    """The cache key of this request for `user`, or None when the page must be rendered afresh (one-time
    notices to show, or a session without its CSRF token yet)."""
    session = request.session
    token = session.get(SESSION_CSRF)
    if session.get(NOTICES) or not isinstance(token, str):
        return None
    session_id = hashlib.sha256(token.encode()).hexdigest()
    roles = tuple(sorted(user.roles))
    url = (request.url.path, request.url.query)
    return (user.id, user.username, roles, user.person_id, session_id, url, today_of(request), version)


def matches(header: str | None, etag: str) -> bool:
    """Whether `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks for GET). "*" is not taken:
    it would answer 304 before the route has admitted the caller."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _answer(request: Request, etag: str, found: Rendered | None) -> Response | None:
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Cookie"}
    # The ETag names the user, session, URL, day and data version and only comes from this process after
    # a successful page, so a match means the client holds exactly what would be rendered now, whether or
    # not the entry is still in memory.
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if found is None:
        return None
    return Response(found.body, media_type=found.media_type, headers=headers)


def from_memory(request: Request, fallback: Callable[[], Response | None] | None = None) -> Response | None:
    """The page from memory on the event loop (no database call): the kept response, a 304, or what
    `fallback` renders from memory (then kept); None sends the request the slow way."""
    versions = _versions(request)
    keep_fresh(request, versions)
    version = versions.fresh_stamp()
    user = known_user(request)
    if version is None or user is None:
        return None
    key = key_of(request, user, version)
    if key is None:
        return None
    cache = page_cache_of(request)
    answer = _answer(request, cache.etag(key), cache.get(key, version))
    if answer is not None or fallback is None:
        return answer
    return _keep(request, cache, key, version, fallback())


def cached(request: Request, user: UserInfo, render: Callable[[], Response]) -> Response:
    """The page for a signed-in, admitted `user` from the cache (or a 304), else rendered and kept; may read
    the database (the data version), so it runs on a worker thread."""
    version = _versions(request).stamp()  # read before rendering: a change meanwhile is never hidden
    cache = page_cache_of(request)
    key = key_of(request, user, version)
    if key is not None:
        answer = _answer(request, cache.etag(key), cache.get(key, version))
        if answer is not None:
            return answer
    notices = bool(request.session.get(NOTICES))
    response = render()
    if notices:
        return response
    key = key_of(request, user, version)  # the CSRF token may have been created by this rendering
    return response if key is None else (_keep(request, cache, key, version, response) or response)


def _keep(
    request: Request, cache: PageCache, key: Key, version: int, response: Response | None
) -> Response | None:
    """Keep a successful page and send it with its ETag; anything else (an error, a redirect) as it is."""
    if response is None or response.status_code != 200 or not isinstance(response.body, bytes):
        return response
    etag = cache.etag(key)
    media_type = response.headers.get("content-type", "text/html; charset=utf-8")
    cache.put(key, version, Rendered(bytes(response.body), media_type, etag))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Cookie"
    return response
