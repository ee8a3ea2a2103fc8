"""The one place where domain error kinds become HTTP statuses (a JSON body that says what and where)."""

from __future__ import annotations

from fastapi import Request, status
from fastapi.responses import JSONResponse

from attain.domain.errors import AttainError, ErrorKind

STATUS = {
    ErrorKind.INVALID: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.PERIOD_CLOSED: status.HTTP_409_CONFLICT,
}


async def domain_error_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AttainError)
    body = {"kind": str(exc.kind), "message": exc.message, "where": exc.where, "hint": exc.hint}
    return JSONResponse({"detail": body}, status_code=STATUS[exc.kind])
