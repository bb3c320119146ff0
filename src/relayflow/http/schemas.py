"""Wire models shared by every endpoint: the error body and the documented failure answers."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """`{"message": …}`, the public API's error body."""

    message: str


_LINE_BREAKS = frozenset("\n\r\t")


def _check_characters(value: str, allowed: frozenset[str] = frozenset()) -> str:
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in allowed:
            raise ValueError("must not contain control characters or unpaired surrogates")
    return value


def _printable(value: str) -> str:
    return _check_characters(value)


def _multiline(value: str) -> str:
    return _check_characters(value, _LINE_BREAKS)


Text = Annotated[str, AfterValidator(_printable)]
"""A string a person typed: no control characters, no broken Unicode."""

MultilineText = Annotated[str, AfterValidator(_multiline)]
"""Like `Text`, but line breaks and tabs are welcome."""


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
