"""The one error model: domain errors carry their HTTP status; handlers shape the body."""

from __future__ import annotations


class AppError(Exception):
    """A failure a client caused or may see; `status` is the HTTP status it maps to."""

    status = 400
    code: int | None = None

    def __init__(
        self, message: str, *, hint: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.headers = headers or {}


class BadRequest(AppError):
    """The request is malformed or breaks a rule (400)."""

    status = 400


class Unauthorized(AppError):
    """No valid credentials came with the request (401)."""

    status = 401


class Forbidden(AppError):
    """The caller is known but may not do this (403)."""

    status = 403


class NotFound(AppError):
    """The thing does not exist, or the caller may not know it does (404)."""

    status = 404


class Conflict(AppError):
    """The request clashes with what is stored, such as a duplicate name (409)."""

    status = 409


class PayloadTooLarge(AppError):
    """The body exceeds `RELAYFLOW_PAYLOAD_SIZE_MAX` (413)."""

    status = 413


class TooManyRequests(AppError):
    """A rate limit was exceeded (429); headers say when to come back."""

    status = 429


class ServiceUnavailable(AppError):
    """A backing service the request needs is not reachable (503)."""

    status = 503
