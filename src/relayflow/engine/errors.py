"""Why a run, or one node of it, failed."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    """The workflow cannot run at all (no start node, unknown node type, bad graph)."""


class NodeError(Exception):
    """A node failed; recorded as n8n records node errors, in the run data and the execution.

    `message` is what clients show; `description` adds detail; `item_index` names the input
    item being processed when it failed. Messages never carry credential values.
    """

    name = "NodeOperationError"

    def __init__(
        self,
        message: str,
        *,
        description: str | None = None,
        item_index: int | None = None,
        http_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.description = description
        self.item_index = item_index
        self.http_code = http_code

    def to_json(self, node: dict[str, Any] | None) -> dict[str, Any]:
        """The error as it appears in run data (`resultData.error`, task `error`)."""
        body: dict[str, Any] = {"name": self.name, "message": self.message}
        if self.description is not None:
            body["description"] = self.description
        if self.item_index is not None:
            body["itemIndex"] = self.item_index
        if self.http_code is not None:
            body["httpCode"] = self.http_code
        if node is not None:
            body["node"] = {
                key: node[key]
                for key in ("id", "name", "type", "typeVersion", "position", "parameters")
                if key in node
            }
        return body


class NodeApiError(NodeError):
    """A node's call to an outside service failed."""

    name = "NodeApiError"


class ExpressionError(NodeError):
    """An expression could not be evaluated.

    `limit_reached` marks a failure of the evaluation as a whole (time or memory limit),
    which evaluating again, item by item, would only repeat.
    """

    name = "ExpressionError"
    limit_reached = False


class CredentialNotFound(NodeError):
    """A node refers to a credential that does not exist (or that its workflow may not use)."""

    name = "CredentialNotFoundError"
