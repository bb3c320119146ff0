"""The engine in-process: what expressions and a Code node cost per item and per run.

Runs small workflows straight through `WorkflowRun` (no server, no database), each started
from its Manual Trigger with N input items (default 1 000 and 10 000):

* `plain`: Set (two fixed fields) → NoOp, no expression anywhere: the engine's own cost;
* `expressions`: Set (two `{{ }}` fields) → If (a `{{ }}` condition) → NoOp: three
  parameters evaluated for every item in V8, one worker round trip per parameter;
* `code`: a Code node mapping every item in JavaScript (a fresh V8 context per run, in a
  worker process).

For each it reports the median wall and process-CPU time of `--runs` runs, per run and per
item, the CPU of the worker processes that ended during a run (each Code node run ends its
own; the shared expression worker keeps running, so its CPU is not counted), and the ratio
to `plain` in the same run.

    uv run python -m bench.engine_items [--sizes 1000,10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import resource
import statistics
import time
from typing import Any

from relayflow.engine.expressions import V8Evaluator
from relayflow.engine.nodes.base import RunState
from relayflow.engine.runner import WorkflowRun, start_node

MANUAL = {
    "name": "Manual",
    "type": "n8n-nodes-base.manualTrigger",
    "typeVersion": 1,
    "position": [0, 0],
    "parameters": {},
}


def _set(values: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "position": [200, 0],
        "parameters": {
            "assignments": {
                "assignments": [
                    {"name": name, "type": kind, "value": value} for name, kind, value in values
                ]
            },
            "includeOtherFields": True,
        },
    }


IF = {
    "name": "If",
    "type": "n8n-nodes-base.if",
    "typeVersion": 2,
    "position": [400, 0],
    "parameters": {
        "conditions": {
            "conditions": [
                {
                    "leftValue": "={{ $json.double }}",
                    "rightValue": 100,
                    "operator": {"type": "number", "operation": "gt"},
                }
            ],
            "combinator": "and",
        }
    },
}
NOOP = {
    "name": "NoOp",
    "type": "n8n-nodes-base.noOp",
    "typeVersion": 1,
    "position": [600, 0],
    "parameters": {},
}
CODE = {
    "name": "Code",
    "type": "n8n-nodes-base.code",
    "typeVersion": 2,
    "position": [200, 0],
    "parameters": {
        "jsCode": "return $input.all().map(i => ({json: {...i.json, double: i.json.n * 2}}));"
    },
}


def _chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    names = [node["name"] for node in nodes]
    connections = {
        source: {"main": [[{"node": target, "type": "main", "index": 0}]]}
        for source, target in itertools.pairwise(names)
    }
    return {
        "id": "bench",
        "name": "Bench",
        "active": False,
        "nodes": list(nodes),
        "connections": connections,
        "settings": {"executionOrder": "v1"},
    }


WORKFLOWS = {
    "plain": _chain(MANUAL, _set([("double", "number", "2"), ("label", "string", "x")]), NOOP),
    "expressions": _chain(
        MANUAL,
        _set(
            [("double", "number", "={{ $json.n * 2 }}"), ("label", "string", "=item {{ $json.n }}")]
        ),
        IF,
        NOOP,
    ),
    "code": _chain(MANUAL, CODE, NOOP),
}


class _NoCredentials:
    async def get(self, node: dict[str, Any], type_name: str) -> dict[str, Any]:
        raise RuntimeError("no credentials in this bench")


async def _once(
    workflow: dict[str, Any], items: list[dict[str, Any]], evaluator: V8Evaluator
) -> None:
    state = RunState(
        workflow=workflow,
        execution_id="1",
        mode="manual",
        evaluator=evaluator,
        credentials=_NoCredentials(),
    )
    result = await WorkflowRun(state).run(start_node(workflow), items)
    if result.status != "success":
        raise RuntimeError(result.data["resultData"].get("error"))


def _children_cpu() -> float:
    """CPU seconds of the worker processes that have ended (Code node runs end theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    evaluator = V8Evaluator()
    print(
        "| workflow | items | wall per run (ms) | µs per item | process CPU per run (ms) "
        "| ended workers' CPU per run (ms) | wall ÷ plain |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in [int(part) for part in args.sizes.split(",")]:
        items = [{"json": {"n": n, "name": f"item {n}"}} for n in range(size)]
        plain_wall = 0.0
        for name, workflow in WORKFLOWS.items():
            asyncio.run(_once(workflow, items, evaluator))  # warm: contexts, templates, worker
            walls, cpus, children = [], [], []
            for _ in range(args.runs):
                wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
                asyncio.run(_once(workflow, items, evaluator))
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                children.append(_children_cpu() - child)
            wall_ms, cpu_ms = statistics.median(walls) * 1000, statistics.median(cpus) * 1000
            child_ms = statistics.median(children) * 1000
            if name == "plain":
                plain_wall = wall_ms
            print(
                f"| {name} | {size:,} | {wall_ms:.1f} | {wall_ms * 1000 / size:.1f} | "
                f"{cpu_ms:.1f} | {child_ms:.1f} | {wall_ms / plain_wall:.2f}× |"
            )
    evaluator.close()


if __name__ == "__main__":
    main()
