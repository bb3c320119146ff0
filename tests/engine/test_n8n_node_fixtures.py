"""n8n's own node test workflows, run through the engine, against the outputs n8n expects.

`shared/fixtures/n8n-node-tests/` holds the workflow files n8n's node tests use; in them,
`pinData` is the expected output of each named node (see that directory's INDEX.md). Every
file whose nodes Relayflow has runs here; the others are listed by `missing_types`, and the
count of files that run may only grow.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from relayflow.engine.nodes.registry import node_type
from tests.support.engine import run_workflow

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "n8n-node-tests"
MIN_RUNNABLE = 26
"""How many fixture files run today; raise it as node types arrive."""


def _files() -> list[Path]:
    return sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []


def missing_types(workflow: dict[str, Any]) -> set[str]:
    return {
        n["type"]
        for n in workflow["nodes"]
        if n["type"] != "n8n-nodes-base.stickyNote" and node_type(n["type"]) is None
    }


def _runnable() -> list[Path]:
    return [path for path in _files() if not missing_types(json.loads(path.read_text()))]


def _strip(value: Any) -> Any:
    """What n8n's harness compares: JSON values, with undefined keys absent."""
    return json.loads(json.dumps(value))


def _run(path: Path) -> None:
    workflow = json.loads(path.read_text())
    expected: dict[str, Any] = workflow.pop("pinData", None) or {}
    trigger = workflow.pop("trigger", None)
    workflow.setdefault("settings", {})
    workflow.setdefault("connections", {})
    items = [copy.deepcopy(trigger["input"])] if trigger else None
    mode = trigger["mode"] if trigger else "manual"
    result = run_workflow(workflow, items=items, mode=mode)
    assert result.status == "success", result.data["resultData"].get("error")
    runs = result.data["resultData"]["runData"]
    for name, wanted in expected.items():
        assert name in runs, f"{name} did not run"
        assert len(runs[name]) == 1, f"{name} ran {len(runs[name])} times"
        got = [entry["json"] for entry in runs[name][0]["data"]["main"][0]]
        assert _strip(got) == _strip([entry["json"] for entry in wanted]), name


@pytest.mark.parametrize("path", _runnable(), ids=lambda path: path.stem)
def test_fixture_should_produce_what_n8n_expects(path: Path) -> None:
    _run(path)


def test_enough_fixtures_should_run() -> None:
    if not _files():
        pytest.skip(f"n8n node fixtures not found at {FIXTURES}")
    assert len(_runnable()) >= MIN_RUNNABLE, [p.stem for p in _runnable()]
