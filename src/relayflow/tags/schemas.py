"""Wire models of the tags endpoints, in n8n's shapes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator

from relayflow.http.schemas import Text, WireModel

NAME_MAX = 24


def _trim(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _name_length(value: str) -> str:
    if not 1 <= len(value) <= NAME_MAX:
        raise ValueError(f"must be 1 to {NAME_MAX} characters long")
    return value


TagName = Annotated[Text, BeforeValidator(_trim), AfterValidator(_name_length)]
"""A tag name: trimmed, then 1–24 printable characters."""


class TagIn(WireModel):
    """`POST /tags` and `PUT /tags/{id}`."""

    name: TagName


class TagOut(BaseModel):
    """A tag as the public API shows it."""

    id: str
    name: str
    createdAt: str
    updatedAt: str


class TagList(BaseModel):
    """One page of tags."""

    data: list[TagOut]
    nextCursor: str | None
