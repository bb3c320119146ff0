"""Wire models of the projects endpoints, in n8n's shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from relayflow.http.schemas import Text, WireModel
from relayflow.projects.roles import TEAM_ROLES

_ROLE_DOC: dict[str, Any] = {"enum": list(TEAM_ROLES)}


class ProjectOut(BaseModel):
    """A project as the public API shows it."""

    id: str
    name: str
    type: str
    icon: dict[str, Any] | None
    description: str | None
    createdAt: str
    updatedAt: str


class ProjectCreated(ProjectOut):
    """A new team project with the creator's role in it and what that role allows."""

    role: str
    scopes: list[str]


class ProjectList(BaseModel):
    """One page of projects."""

    data: list[ProjectOut]
    nextCursor: str | None


class ProjectBody(WireModel):
    """`POST /projects` and `PUT /projects/{projectId}`."""

    name: Text = Field(min_length=1, max_length=255)


class Relation(WireModel):
    """One user and the role it gets in the project."""

    userId: Text
    role: str = Field(json_schema_extra=_ROLE_DOC)


class AddUsers(WireModel):
    """`POST /projects/{projectId}/users`."""

    relations: list[Relation] = Field(min_length=1)


class MemberRoleChange(WireModel):
    """`PATCH /projects/{projectId}/users/{userId}`."""

    role: str = Field(json_schema_extra=_ROLE_DOC)
