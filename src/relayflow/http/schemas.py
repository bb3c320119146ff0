"""Wire models shared by every endpoint: the error body and the documented failure answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """`{"message": …}`, the public API's error body."""

    message: str


class WireModel(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request is invalid."},
    401: {
        "model": ErrorBody,
        "description": "`'X-N8N-API-KEY' header required`, or `unauthorized` for a wrong, "
        "malformed, deleted or expired key.",
    },
    403: {
        "model": ErrorBody,
        "description": "`Forbidden`: the key lacks the scope named in `X-Required-Scopes`.",
    },
    429: {
        "model": ErrorBody,
        "description": "Too many requests; see `Retry-After` and `RateLimit`.",
    },
}
