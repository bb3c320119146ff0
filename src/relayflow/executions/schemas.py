"""Wire models of the execution endpoints, field for field as n8n's public API schema."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "error": ("error", "crashed"),
    "success": ("success",),
    "waiting": ("waiting",),
}
"""The `status` query values and the stored statuses each one selects."""

INTEGER = re.compile(r"-?[0-9]+")
"""An id as n8n's `number` parameters take it: an optional minus and ASCII digits."""


def _path_id(value: Any) -> Any:
    """An execution id from the path, refused in the words of n8n's validator."""
    if isinstance(value, str) and INTEGER.fullmatch(value):
        return int(value)
    raise ValueError("request/params/id must be number")


def _status(value: Any) -> Any:
    if value not in STATUS_FILTERS:
        allowed = ", ".join(STATUS_FILTERS)
        raise ValueError(
            f"request/query/status must be equal to one of the allowed values: {allowed}"
        )
    return value


ExecutionId = Annotated[int, BeforeValidator(_path_id)]
"""`{id}` in `/executions/{id}`: an integer (ids beyond the stored range are simply unknown)."""

StatusFilter = Annotated[Literal["error", "success", "waiting"], BeforeValidator(_status)]
"""`status` of `GET /executions`: `error` also selects crashed runs."""


class ExecutionSummary(BaseModel):
    """An execution in a list; the last three fields only with `includeData=true`."""

    id: str
    finished: bool
    mode: str
    retryOf: str | None
    retrySuccessId: str | None
    startedAt: str | None
    stoppedAt: str | None
    workflowId: str
    waitTill: str | None
    status: str
    data: dict[str, Any] | None = Field(
        default=None, description="The run data: `startData`, `resultData`, `executionData`."
    )
    workflowData: dict[str, Any] | None = Field(
        default=None, description="The workflow as it was when it ran."
    )
    customData: dict[str, str] | None = Field(
        default=None, description="The custom data the run's nodes set."
    )


class ExecutionOut(ExecutionSummary):
    """One execution, with every column."""

    createdAt: str
    deletedAt: str | None


class ExecutionList(BaseModel):
    """One page of executions."""

    data: list[ExecutionSummary]
    nextCursor: str | None
