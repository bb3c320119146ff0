"""Wire models of the workflow endpoints, field for field as n8n's public API schema."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from relayflow.http.schemas import Text, WireModel

READ_ONLY = ("id", "active", "tags", "createdAt", "updatedAt")
"""Fields n8n returns but refuses on write, each with `request/body/<field> is read-only`."""


class Node(WireModel):
    """One node, with n8n's node fields and no others."""

    id: str | None = None
    name: Text = Field(min_length=1, max_length=128)
    type: Text = Field(min_length=1, max_length=256)
    typeVersion: float | int = Field(ge=0)
    position: list[float | int] = Field(min_length=2, max_length=2)
    parameters: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, Any] | None = None
    webhookId: str | None = None
    disabled: StrictBool | None = None
    notes: str | None = None
    notesInFlow: StrictBool | None = None
    executeOnce: StrictBool | None = None
    alwaysOutputData: StrictBool | None = None
    retryOnFail: StrictBool | None = None
    maxTries: int | None = None
    waitBetweenTries: int | None = None
    continueOnFail: StrictBool | None = None
    onError: Literal["stopWorkflow", "continueRegularOutput", "continueErrorOutput"] | None = None


class WorkflowSettings(BaseModel):
    """n8n's workflow settings; settings newer n8n versions add are kept as they come."""

    model_config = ConfigDict(extra="allow")

    saveExecutionProgress: StrictBool | None = None
    saveManualExecutions: StrictBool | None = None
    saveDataErrorExecution: Literal["all", "none"] | None = None
    saveDataSuccessExecution: Literal["all", "none"] | None = None
    executionTimeout: float | int | None = None
    errorWorkflow: str | None = None
    timezone: str | None = None
    executionOrder: Literal["v0", "v1"] | None = None
    callerPolicy: Literal["any", "none", "workflowsFromAList", "workflowsFromSameOwner"] | None = (
        None
    )
    callerIds: str | None = None
    timeSavedPerExecution: float | int | None = None


class WorkflowIn(WireModel):
    """`POST /workflows` and `PUT /workflows/{id}`: a whole workflow."""

    name: Text = Field(min_length=1, max_length=128)
    nodes: list[Node]
    connections: dict[str, Any]
    settings: WorkflowSettings
    staticData: dict[str, Any] | str | None = None
    shared: list[dict[str, Any]] | None = Field(
        default=None, description="Accepted for compatibility and ignored."
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for field in READ_ONLY:
                if field in data:
                    raise ValueError(f"request/body/{field} is read-only")
        return data

    @field_validator("staticData")
    @classmethod
    def _parse_static_data(cls, value: dict[str, Any] | str | None) -> dict[str, Any] | None:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("must be an object or a JSON string of one") from None
            if value is not None and not isinstance(value, dict):
                raise ValueError("must be an object or a JSON string of one")
        return value

    def node_dicts(self) -> list[dict[str, Any]]:
        """The nodes as stored: exactly the fields the client sent."""
        return [node.model_dump(exclude_unset=True) for node in self.nodes]

    def static_data(self) -> dict[str, Any] | None:
        """`staticData` as stored: an object (a JSON string was parsed on the way in)."""
        return self.staticData if isinstance(self.staticData, dict) else None

    def settings_dict(self) -> dict[str, Any]:
        """The settings as stored: exactly the fields the client sent."""
        return self.settings.model_dump(exclude_unset=True)


class TagRef(WireModel):
    """`{"id": …}` in `PUT /workflows/{id}/tags`."""

    id: str


class Transfer(WireModel):
    """`PUT /workflows/{id}/transfer`."""

    destinationProjectId: str


class TagOut(BaseModel):
    """A tag on a workflow."""

    id: str
    name: str
    createdAt: str
    updatedAt: str


class SharingOut(BaseModel):
    """A project's role over a workflow."""

    workflowId: str
    projectId: str
    role: str
    createdAt: str
    updatedAt: str


class WorkflowOut(BaseModel):
    """A workflow as n8n's public API returns it."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    active: bool
    isArchived: bool
    createdAt: str
    updatedAt: str
    nodes: list[dict[str, Any]]
    connections: dict[str, Any]
    settings: dict[str, Any]
    staticData: dict[str, Any] | None
    meta: dict[str, Any] | None
    versionId: str
    triggerCount: int
    shared: list[SharingOut]
    tags: list[TagOut]


class WorkflowList(BaseModel):
    """One page of workflows."""

    data: list[WorkflowOut]
    nextCursor: str | None


class WorkflowExecution(BaseModel):
    """The answer to `POST /workflows/{id}/execute`."""

    executionId: str
    waitingForWebhook: bool
