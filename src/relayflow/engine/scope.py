"""What an expression can see while a node runs: n8n's `$json`, `$input`, `$('Node')`, …

The runner builds one `ExpressionScope` per node run; the evaluator reads it and never
changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from relayflow.engine.items import Items

TaskData = dict[str, Any]
"""One run of one node, in n8n's shape:

`{"startTime": ms, "executionTime": ms, "executionStatus": "success"|"error",
  "source": [{"previousNode": name, "previousNodeOutput": int, "previousNodeRun": int} | None],
  "data": {"main": [[items of output 0], [items of output 1], …]}, "error"?: {...}}`
"""

RunData = dict[str, list[TaskData]]
"""`resultData.runData`: for each node name, its runs in order."""


@dataclass(frozen=True)
class ExpressionScope:
    """The data behind n8n's expression variables, for one run of one node."""

    node_name: str
    node_parameters: dict[str, Any]
    """`$parameter`: the node's raw parameters."""
    input_items: Items
    """`$input.all()`, and `$json` / `$input.item` by index: the items on main input 0."""
    run_index: int
    """`$runIndex`: how many times this node ran before in this execution."""
    run_data: RunData
    """Every node run so far (`$('Node')`, `$node["Node"]`), including earlier runs of this one."""
    source: list[dict[str, Any] | None]
    """Where this run's input came from, per input: `previousNode`, `previousNodeOutput`,
    `previousNodeRun`. `$prevNode` and paired-item lookups start here."""
    workflow: dict[str, Any]
    """`$workflow`: `id`, `name`, `active`."""
    execution: dict[str, Any]
    """`$execution`: `id`, `mode` (`test` for manual runs, else `production`)."""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    """The workflow's node definitions: whether a referenced node exists, and its parameters."""
    variables: dict[str, str] = field(default_factory=dict)
    """`$vars`."""
    timezone: str = "America/New_York"
    """The zone `$now` and `$today` are in (the workflow's setting, else the instance's)."""
