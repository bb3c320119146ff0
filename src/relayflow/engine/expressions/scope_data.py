"""The JSON an `ExpressionScope` becomes on its way into V8 (read by `prelude.js`)."""

from __future__ import annotations

import re
from typing import Any

from relayflow.engine.scope import ExpressionScope, RunData

_READS_OTHER_NODES = re.compile(r"\$\s*\(|\$node\b|\$items?\b|\[\s*['\"`]\$")
_READS_ALL_INPUT = re.compile(r"\$input\b|\$items?\b|\[\s*['\"`]\$")


def reads_other_nodes(code: str) -> bool:
    """Whether JavaScript `code` may read other nodes' output (`$()`, `$node`, `$items`)."""
    return _READS_OTHER_NODES.search(code) is not None


def reads_all_input(code: str) -> bool:
    """Whether JavaScript `code` may read input items other than the current one."""
    return _READS_ALL_INPUT.search(code) is not None


def compact_run_data(run_data: RunData) -> dict[str, list[dict[str, Any]]]:
    """What paired-item walking and `$('Node')` need of each task: `source` and `main`."""
    return {
        name: [
            {"source": task.get("source") or [], "main": (task.get("data") or {}).get("main") or []}
            for task in runs
        ]
        for name, runs in run_data.items()
    }


def scope_data(
    scope: ExpressionScope,
    *,
    with_run_data: bool,
    only_item: int | None = None,
) -> dict[str, Any]:
    """`scope` as `prelude.js` reads it.

    `with_run_data=False` leaves other nodes' output out; `only_item` sends just that input
    item instead of all of them.
    """
    data: dict[str, Any] = {
        "node": scope.node_name,
        "runIndex": scope.run_index,
        "source": scope.source,
        "workflow": scope.workflow,
        "execution": scope.execution,
        "vars": scope.variables,
        "parameter": scope.node_parameters,
        "timezone": scope.timezone,
        "nodes": _node_names(scope),
        "params": _node_parameters(scope),
    }
    if only_item is None:
        data["items"] = scope.input_items
    else:
        data["items"] = None
        data["itemIndex"] = only_item
        if only_item < len(scope.input_items):
            data["item"] = scope.input_items[only_item]
    if with_run_data:
        data["runData"] = compact_run_data(scope.run_data)
    return data


def _workflow_nodes(scope: ExpressionScope) -> list[dict[str, Any]] | None:
    """The workflow's nodes (None when the scope was built without them)."""
    nodes = [node for node in scope.nodes if isinstance(node, dict)]
    return nodes or None


def _node_names(scope: ExpressionScope) -> list[str] | None:
    nodes = _workflow_nodes(scope)
    return None if nodes is None else [str(node.get("name")) for node in nodes]


def _node_parameters(scope: ExpressionScope) -> dict[str, Any]:
    nodes = _workflow_nodes(scope) or []
    return {str(node.get("name")): node.get("parameters") or {} for node in nodes}
