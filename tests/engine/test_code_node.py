"""Code, Function and Function Item nodes, run in the code sandbox."""

from __future__ import annotations

import asyncio
import copy
import os
import time
from typing import Any

import pytest

from relayflow.engine.errors import NodeError
from relayflow.engine.expressions import V8Evaluator
from relayflow.engine.items import Items
from relayflow.engine.nodes.base import NodeCall, RunState
from relayflow.engine.nodes.registry import node_type

CODE = "n8n-nodes-base.code"
FUNCTION = "n8n-nodes-base.function"
FUNCTION_ITEM = "n8n-nodes-base.functionItem"
INPUT: Items = [{"json": {"value": n}, "pairedItem": {"item": 0}} for n in (1, 2, 3)]


class NoCredentials:
    async def get(self, node: dict[str, Any], type_name: str) -> dict[str, Any]:
        raise AssertionError("code nodes never ask for credentials")


def run(
    type_name: str,
    parameters: dict[str, Any],
    items: Items | None = None,
    *,
    timeout: float = 5.0,
    run_data: dict[str, Any] | None = None,
) -> Items:
    state = RunState(
        workflow={"id": "wf", "name": "Flow", "active": False, "nodes": []},
        execution_id="42",
        mode="manual",
        evaluator=V8Evaluator(),
        credentials=NoCredentials(),
        run_data=run_data or {},
        custom_data={"k": "v"},
        code_timeout=timeout,
    )
    call = NodeCall(
        state=state,
        node={"name": "Code", "type": type_name, "parameters": parameters},
        inputs=[INPUT if items is None else items],
        source=[{"previousNode": "Source", "previousNodeOutput": 0, "previousNodeRun": 0}],
    )
    kind = node_type(type_name)
    assert kind is not None
    outputs = asyncio.run(kind.execute(call))
    assert outputs is not None
    return outputs[0]


def jsons(items: Items) -> list[dict[str, Any]]:
    return [item["json"] for item in items]


class TestCodeAllItems:
    def test_reads_input_and_wraps_plain_objects(self) -> None:
        code = (
            "let sum = 0; for (const item of $input.all()) sum += item.json.value; return [{sum}];"
        )
        assert run(CODE, {"jsCode": code}) == [{"json": {"sum": 6}, "pairedItem": {"item": 0}}]

    def test_legacy_items_variable_and_json_of_the_first_item(self) -> None:
        code = "return items.map(i => ({json: {v: i.json.value, first: $json.value}}))"
        assert jsons(run(CODE, {"jsCode": code})) == [{"v": n, "first": 1} for n in (1, 2, 3)]

    def test_outputs_are_paired_by_position_unless_the_code_pairs_them(self) -> None:
        code = "return [{a: 1}, {a: 2}, {json: {a: 3}, pairedItem: {item: 0}}, {a: 4}]"
        pairs = [item.get("pairedItem") for item in run(CODE, {"jsCode": code})]
        assert pairs == [{"item": 0}, {"item": 1}, {"item": 0}, None]

    def test_returning_input_items_pairs_them_with_this_node_input(self) -> None:
        out = run(CODE, {"jsCode": "return $input.all()"})
        assert [item["pairedItem"] for item in out] == [{"item": 0}, {"item": 1}, {"item": 2}]

    def test_workflow_execution_and_other_nodes(self) -> None:
        run_data = {
            "Source": [
                {"source": [], "data": {"main": [[{"json": {"from": "source"}}]]}},
            ]
        }
        code = (
            "return {wf: $workflow.name, ex: $execution.id, data: $execution.customData.get('k'),"
            " src: $('Source').first().json.from, run: $runIndex, year: $now.year > 2000}"
        )
        assert jsons(run(CODE, {"jsCode": code}, run_data=run_data)) == [
            {"wf": "Flow", "ex": "42", "data": "v", "src": "source", "run": 0, "year": True}
        ]

    def test_await_and_top_level_return(self) -> None:
        code = (
            "const v = await Promise.resolve(7);"
            " await new Promise(r => setTimeout(r, 5)); return {v}"
        )
        assert jsons(run(CODE, {"jsCode": code})) == [{"v": 7}]

    def test_output_is_json_safe_and_console_does_not_crash(self) -> None:
        code = "console.log('hello', {a: 1}); return {keep: 1, gone: undefined, f: () => 1}"
        assert jsons(run(CODE, {"jsCode": code})) == [{"keep": 1}]

    def test_input_items_are_not_mutated(self) -> None:
        items = copy.deepcopy(INPUT)
        run(CODE, {"jsCode": "for (const i of items) i.json.value = 0; return items"}, items)
        assert items == INPUT

    def test_returning_nothing_is_an_error(self) -> None:
        with pytest.raises(NodeError, match="Code doesn't return items properly"):
            run(CODE, {"jsCode": "const x = 1;"})

    def test_returning_non_objects_is_an_error(self) -> None:
        with pytest.raises(NodeError, match="item 0 is a number"):
            run(CODE, {"jsCode": "return [1, 2]"})


class TestCodeEachItem:
    def test_runs_once_per_item(self) -> None:
        code = "$input.item.json.double = $json.value * 2; return $input.item;"
        out = run(CODE, {"mode": "runOnceForEachItem", "jsCode": code})
        assert jsons(out) == [{"value": n, "double": n * 2} for n in (1, 2, 3)]
        assert [item["pairedItem"] for item in out] == [{"item": i} for i in range(3)]

    def test_item_variable_and_await(self) -> None:
        code = "item.json.n = await (async () => item.json.value + 1)(); return item"
        out = run(CODE, {"mode": "runOnceForEachItem", "jsCode": code})
        assert [entry["n"] for entry in jsons(out)] == [2, 3, 4]

    def test_null_means_no_item_for_that_input(self) -> None:
        code = "return $json.value === 2 ? null : {v: $json.value, i: $itemIndex}"
        out = run(CODE, {"mode": "runOnceForEachItem", "jsCode": code})
        assert out == [
            {"json": {"v": 1, "i": 0}, "pairedItem": {"item": 0}},
            {"json": {"v": 3, "i": 2}, "pairedItem": {"item": 2}},
        ]

    def test_returning_an_array_is_an_error(self) -> None:
        with pytest.raises(NodeError, match="Code doesn't return a single object"):
            run(CODE, {"mode": "runOnceForEachItem", "jsCode": "return [{}]"})

    def test_error_names_line_and_item(self) -> None:
        code = "const v = $json.value;\nif (v === 2) throw new Error('two is bad');\nreturn {}"
        with pytest.raises(NodeError) as raised:
            run(CODE, {"mode": "runOnceForEachItem", "jsCode": code})
        assert raised.value.message == "two is bad [line 2, for item 1]"
        assert raised.value.item_index == 1


class TestCodeFailures:
    def test_python_is_refused(self) -> None:
        for language in ("python", "pythonNative"):
            with pytest.raises(NodeError, match="Python is not supported"):
                run(CODE, {"language": language, "pythonCode": "return []"})

    def test_thrown_error_keeps_the_js_message(self) -> None:
        with pytest.raises(NodeError) as raised:
            run(CODE, {"jsCode": "\nnotDefined()"})
        assert raised.value.message == "notDefined is not defined [line 2]"

    def test_syntax_error(self) -> None:
        with pytest.raises(NodeError, match="Unexpected"):
            run(CODE, {"jsCode": "return {"})

    def test_runaway_loop_stops_at_the_code_timeout(self) -> None:
        started = time.monotonic()
        with pytest.raises(NodeError, match=r"timed out after 0\.5 seconds"):
            run(CODE, {"jsCode": "while (true) {}"}, timeout=0.5)
        assert time.monotonic() - started < 3
        assert jsons(run(CODE, {"jsCode": "return {ok: true}"})) == [{"ok": True}]

    def test_runaway_loop_after_await_stops_too(self) -> None:
        started = time.monotonic()
        with pytest.raises(NodeError, match="timed out"):
            run(CODE, {"jsCode": "await null; while (true) {}"}, timeout=0.5)
        assert time.monotonic() - started < 4
        assert jsons(run(CODE, {"jsCode": "return {ok: true}"})) == [{"ok": True}]

    def test_no_node_or_browser_globals(self) -> None:
        code = "return {r: typeof require, p: typeof process, f: typeof fetch}"
        assert jsons(run(CODE, {"jsCode": code})) == [
            {"r": "undefined", "p": "undefined", "f": "undefined"}
        ]


class TestFunction:
    def test_items_in_items_out(self) -> None:
        code = "return items.map(i => ({json: {w: i.json.value * 10}}))"
        out = run(FUNCTION, {"functionCode": code})
        assert jsons(out) == [{"w": 10}, {"w": 20}, {"w": 30}]

    def test_items_need_json(self) -> None:
        with pytest.raises(NodeError, match='property named "json"'):
            run(FUNCTION, {"functionCode": "return [{a: 1}]"})


class TestFunctionItem:
    def test_item_is_the_json_and_the_result_the_new_json(self) -> None:
        out = run(FUNCTION_ITEM, {"functionCode": "item.seen = true; return item;"})
        assert out[1] == {"json": {"value": 2, "seen": True}, "pairedItem": {"item": 1}}

    def test_must_return_an_object(self) -> None:
        with pytest.raises(NodeError, match="No data got returned"):
            run(FUNCTION_ITEM, {"functionCode": "item.x = 1;"})


class TestIsolation:
    def test_a_run_should_not_see_what_an_earlier_run_left_behind(self) -> None:
        leave = (
            "stash = 'from the first run'; globalThis.kept = 1;"
            "Array.prototype.map = () => ['patched']; return [{}];"
        )
        run(CODE, {"jsCode": leave})
        look = (
            "return [{stash: typeof stash, kept: typeof globalThis.kept,"
            " mapped: [1].map(x => x + 1)}];"
        )
        assert jsons(run(CODE, {"jsCode": look})) == [
            {"stash": "undefined", "kept": "undefined", "mapped": [2]}
        ]

    def test_a_timer_left_running_should_end_with_its_run(self) -> None:
        from relayflow.engine.expressions.sandbox import shared_sandbox

        leave = "setTimeout(() => { for (;;) {} }, 20); return [{}];"
        run(CODE, {"jsCode": leave})
        idle = list(shared_sandbox()._idle)
        assert idle, "a finished run's worker is kept for the next run"
        worker = idle[-1]
        assert worker._process is not None
        pid = worker._process.pid
        before = _cpu_seconds(pid)
        time.sleep(1)
        # A timer still spinning would have used most of that second.
        assert _cpu_seconds(pid) - before < 0.3
        assert jsons(run(CODE, {"jsCode": "return [{ok: true}]"})) == [{"ok": True}]
        # The same process served the next run.
        assert worker._process is not None and worker._process.pid == pid


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
