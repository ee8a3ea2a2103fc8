"""Ids in URL paths that cannot name a row answer 404 before any route runs.

Row ids are 64-bit integers; a longer run of digits in a path segment (as generated API tests send) would
otherwise reach the database driver, which fails on it with an overflow instead of a clean "not found".
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

LARGEST_ID = 2**63 - 1


def names_no_row(path: str) -> bool:
    return any(part.isdigit() and int(part) > LARGEST_ID for part in path.split("/"))


class RowIdRange:
    """Pure ASGI middleware: cheap enough to sit in front of every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not names_no_row(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": "not found: no row has an id that large"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
