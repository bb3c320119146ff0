"""Activation: which nodes can start a workflow, and the port the trigger machinery plugs into.

Until the engine's node catalogue exists, trigger nodes are recognised by n8n's type names.
"""

from __future__ import annotations

from typing import Any, Protocol

from relayflow.core.errors import BadRequest

# Nodes that start a workflow only by hand or from another workflow: never a reason to activate.
_NOT_ACTIVATING = frozenset(
    {
        "n8n-nodes-base.manualTrigger",
        "n8n-nodes-base.executeWorkflowTrigger",
        "n8n-nodes-base.errorTrigger",
        "n8n-nodes-base.start",
        "@n8n/n8n-nodes-langchain.manualChatTrigger",
    }
)
_ACTIVATING = frozenset(
    {
        "n8n-nodes-base.webhook",
        "n8n-nodes-base.cron",
        "n8n-nodes-base.interval",
        "n8n-nodes-base.formTrigger",
    }
)


def is_trigger(node_type: str) -> bool:
    """Whether a node of this type starts a workflow on its own (webhook, schedule, poller)."""
    if node_type in _NOT_ACTIVATING:
        return False
    return node_type in _ACTIVATING or node_type.endswith("Trigger")


def trigger_nodes(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The enabled nodes that can start the workflow."""
    return [node for node in nodes if not node.get("disabled") and is_trigger(node["type"])]


def check_activatable(workflow_id: str, name: str, nodes: list[dict[str, Any]]) -> int:
    """The number of trigger nodes, or n8n's 400 when there is none."""
    count = len(trigger_nodes(nodes))
    if count == 0:
        raise BadRequest(
            f'Workflow "{name}" (ID: {workflow_id}) has no node to start the workflow - '
            "at least one trigger, poller or webhook node is required"
        )
    return count


class ActivationHook(Protocol):
    """Where activation changes go: the trigger manager registers and unregisters triggers."""

    async def activated(self, workflow_id: str, nodes: list[dict[str, Any]]) -> None:
        """The workflow is now active; raising refuses the activation."""
        ...

    async def deactivated(self, workflow_id: str) -> None:
        """The workflow is no longer active."""
        ...


class ActiveWorkflows:
    """The in-process record of active workflows, until the trigger manager replaces it."""

    def __init__(self) -> None:
        self.triggers: dict[str, list[str]] = {}

    async def activated(self, workflow_id: str, nodes: list[dict[str, Any]]) -> None:
        """Remember the workflow's trigger nodes."""
        self.triggers[workflow_id] = [node["name"] for node in trigger_nodes(nodes)]

    async def deactivated(self, workflow_id: str) -> None:
        """Forget the workflow."""
        self.triggers.pop(workflow_id, None)
