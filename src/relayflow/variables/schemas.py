"""Wire models of the variables endpoints, in n8n's shapes."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel

from relayflow.http.schemas import MultilineText, WireModel

KEY_MAX = 50
VALUE_MAX = 255
_KEY_CHARACTERS = re.compile(r"[A-Za-z0-9_]+")


def _key(value: str) -> str:
    if not 1 <= len(value) <= KEY_MAX:
        raise ValueError(f"must be 1 to {KEY_MAX} characters long")
    if not _KEY_CHARACTERS.fullmatch(value):
        raise ValueError("may only contain the characters A-Za-z0-9_")
    return value


def _value(value: str) -> str:
    if len(value) > VALUE_MAX:
        raise ValueError(f"must be at most {VALUE_MAX} characters long")
    return value


VariableKey = Annotated[str, AfterValidator(_key)]
"""1–50 characters of `[A-Za-z0-9_]`."""

VariableValue = Annotated[MultilineText, AfterValidator(_value)]
"""Up to 255 characters; line breaks and tabs allowed, other control characters not."""


class VariableIn(WireModel):
    """`POST /variables` and `PUT /variables/{id}`; `id` and `type` are read-only."""

    key: VariableKey
    value: VariableValue


class VariableOut(BaseModel):
    """A variable as the public API shows it; `type` is always `string`."""

    id: str
    key: str
    value: str
    type: Literal["string"]


class VariableList(BaseModel):
    """One page of variables."""

    data: list[VariableOut]
    nextCursor: str | None
