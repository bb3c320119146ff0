"""Checks on a workflow's graph: unique node names, connections between existing nodes."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from relayflow.core.errors import BadRequest


def check_graph(nodes: list[dict[str, Any]], connections: dict[str, Any]) -> None:
    """Refuse duplicate node names and connections that name nodes the workflow lacks."""
    names = Counter(node["name"] for node in nodes)
    duplicates = sorted(name for name, count in names.items() if count > 1)
    if duplicates:
        raise BadRequest("Node names must be unique; used more than once: " + ", ".join(duplicates))
    for source, outputs in connections.items():
        if source not in names:
            raise BadRequest(f'Connection source "{source}" is not a node of this workflow')
        if not isinstance(outputs, dict):
            raise BadRequest(f"request/body/connections/{source} must be an object")
        for kind, branches in outputs.items():
            _check_branches(source, kind, branches, names)


def _check_branches(source: str, kind: str, branches: Any, names: Counter[str]) -> None:
    where = f"request/body/connections/{source}/{kind}"
    if not isinstance(branches, list):
        raise BadRequest(f"{where} must be an array")
    for branch in branches:
        if branch is None:
            continue
        if not isinstance(branch, list):
            raise BadRequest(f"{where} must hold arrays of connections")
        for link in branch:
            target = link.get("node") if isinstance(link, dict) else None
            if not isinstance(target, str):
                raise BadRequest(f"{where} holds a connection without a target node")
            if target not in names:
                raise BadRequest(
                    f'Connection from "{source}" targets "{target}", '
                    "which is not a node of this workflow"
                )


def with_node_ids(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes, each with an `id` (a new UUID where the client gave none)."""
    return [node if node.get("id") else {**node, "id": str(uuid.uuid4())} for node in nodes]
