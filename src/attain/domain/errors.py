"""Domain errors with a kind; only the edges map kinds to HTTP statuses or exit codes."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    PERIOD_CLOSED = "period_closed"


class AttainError(Exception):
    """A failure the user can act on: says what is wrong, where, and what to do next."""

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InvalidInput(AttainError):
    kind = ErrorKind.INVALID


class NotFound(AttainError):
    kind = ErrorKind.NOT_FOUND


class Conflict(AttainError):
    kind = ErrorKind.CONFLICT


class Forbidden(AttainError):
    kind = ErrorKind.FORBIDDEN


class PeriodClosed(AttainError):
    kind = ErrorKind.PERIOD_CLOSED
