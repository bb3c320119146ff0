"""Wire models shared by every endpoint: the error body and the documented failure answers."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """`{"message": …}`, the public API's error body."""

    message: str


def _printable(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError("must not contain control characters or unpaired surrogates")
    return value


Text = Annotated[str, AfterValidator(_printable)]
"""A string a person typed: no control characters, no broken Unicode."""


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

OPTIONAL_ERRORS: dict[int, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such resource visible to the caller."},
    409: {"model": ErrorBody, "description": "Conflicts with what is stored (a duplicate)."},
    413: {"model": ErrorBody, "description": "The body is larger than the configured limit."},
}
