"""The runner: n8n's execution orders, what a node hands on, and how failures end a run."""

from __future__ import annotations

from typing import Any

import pytest

from relayflow.engine.errors import WorkflowError
from relayflow.engine.runner import RunResult
from tests.support.engine import MANUAL, chain, node, output, run, run_workflow_async


def order(result: RunResult) -> list[str]:
    runs = result.data["resultData"]["runData"]
    ran = [(task["executionIndex"], name) for name, tasks in runs.items() for task in tasks]
    return [name for _, name in sorted(ran)]


def branching(order_setting: str) -> RunResult:
    nodes = [
        MANUAL,
        node("Top", "noOp", position=[200, 0]),
        node("Top child", "noOp", position=[400, 0]),
        node("Bottom", "noOp", position=[200, 200]),
    ]
    connections = {
        # Bottom is connected first: v1 still runs the higher one first.
        "Manual": {
            "main": [
                [
                    {"node": "Bottom", "type": "main", "index": 0},
                    {"node": "Top", "type": "main", "index": 0},
                ]
            ]
        },
        **chain("Top", "Top child"),
    }
    return run(nodes, connections, settings={"executionOrder": order_setting})


def test_v1_should_run_branches_depth_first_from_the_top() -> None:
    assert order(branching("v1")) == ["Manual", "Top", "Top child", "Bottom"]


def test_v0_should_run_breadth_first_in_connection_order() -> None:
    assert order(branching("v0")) == ["Manual", "Bottom", "Top", "Top child"]


def test_workflows_without_the_setting_should_run_in_the_v0_order() -> None:
    nodes = [MANUAL, node("A", "noOp"), node("B", "noOp")]
    connections = {
        "Manual": {"main": [[{"node": "A", "type": "main", "index": 0}]]},
        "A": {"main": [[{"node": "B", "type": "main", "index": 0}]]},
    }
    result = run(nodes, connections, settings={})
    assert result.status == "success"
    assert order(result) == ["Manual", "A", "B"]


def test_run_data_should_have_n8ns_shape() -> None:
    result = run([MANUAL, node("A", "noOp")], chain("Manual", "A"))
    task = result.data["resultData"]["runData"]["A"][0]
    assert task["executionStatus"] == "success"
    assert task["source"] == [
        {"previousNode": "Manual", "previousNodeOutput": 0, "previousNodeRun": 0}
    ]
    assert isinstance(task["startTime"], int) and isinstance(task["executionTime"], int)
    assert task["data"] == {"main": [[{"json": {}}]]}
    assert result.data["resultData"]["lastNodeExecuted"] == "A"
    assert result.data["executionData"]["nodeExecutionStack"] == []


def test_a_node_should_not_run_when_its_input_is_empty() -> None:
    nodes = [
        MANUAL,
        node(
            "If",
            "if",
            typeVersion=2,
            parameters={
                "conditions": {
                    "conditions": [
                        {
                            "leftValue": 1,
                            "rightValue": 2,
                            "operator": {"type": "number", "operation": "gt"},
                        }
                    ],
                    "combinator": "and",
                }
            },
        ),
        node("Yes", "noOp"),
        node("No", "noOp"),
    ]
    connections = {
        **chain("Manual", "If"),
        "If": {
            "main": [
                [{"node": "Yes", "type": "main", "index": 0}],
                [{"node": "No", "type": "main", "index": 0}],
            ]
        },
    }
    result = run(nodes, connections)
    assert "Yes" not in result.data["resultData"]["runData"]
    assert output(result, "No") == [{}]


def test_always_output_data_should_hand_on_one_empty_item() -> None:
    nodes = [
        MANUAL,
        node(
            "Nothing",
            "code",
            typeVersion=2,
            parameters={"jsCode": "return [];"},
            alwaysOutputData=True,
        ),
        node("After", "noOp"),
    ]
    result = run(nodes, chain("Manual", "Nothing", "After"))
    assert output(result, "After") == [{}]


def test_a_disabled_node_should_hand_its_input_on() -> None:
    nodes = [
        MANUAL,
        node("Off", "stopAndError", parameters={"errorMessage": "never"}, disabled=True),
        node("After", "noOp"),
    ]
    result = run(nodes, chain("Manual", "Off", "After"), items=[{"json": {"kept": True}}])
    assert result.status == "success"
    assert output(result, "After") == [{"kept": True}]


def test_execute_once_should_take_only_the_first_item() -> None:
    items = [{"json": {"n": n}} for n in range(3)]
    result = run(
        [MANUAL, node("Once", "noOp", executeOnce=True)], chain("Manual", "Once"), items=items
    )
    assert output(result, "Once") == [{"n": 0}]


def test_a_failing_node_should_end_the_run_with_its_error() -> None:
    nodes = [
        MANUAL,
        node("Fail", "stopAndError", parameters={"errorMessage": "Stopped on purpose"}),
        node("Never", "noOp"),
    ]
    result = run(nodes, chain("Manual", "Fail", "Never"))
    assert result.status == "error"
    error = result.data["resultData"]["error"]
    assert error["message"] == "Stopped on purpose"
    assert error["node"]["name"] == "Fail"
    assert result.data["resultData"]["lastNodeExecuted"] == "Fail"
    task = result.data["resultData"]["runData"]["Fail"][0]
    assert task["executionStatus"] == "error" and task["error"]["message"] == "Stopped on purpose"
    assert "Never" not in result.data["resultData"]["runData"]
    # The failed node stays on the stack, so that a retry can start from it.
    [waiting] = result.data["executionData"]["nodeExecutionStack"]
    assert waiting["node"]["name"] == "Fail"


@pytest.mark.parametrize(
    "settings",
    [{"onError": "continueRegularOutput"}, {"continueOnFail": True}],
)
def test_continue_regular_output_should_pass_the_input_on(settings: dict[str, Any]) -> None:
    nodes = [
        MANUAL,
        node("Fail", "stopAndError", parameters={"errorMessage": "boom"}, **settings),
        node("After", "noOp"),
    ]
    result = run(nodes, chain("Manual", "Fail", "After"), items=[{"json": {"a": 1}}])
    assert result.status == "success"
    assert output(result, "After") == [{"a": 1}]
    assert result.data["resultData"]["runData"]["Fail"][0]["error"]["message"] == "boom"


def test_continue_error_output_should_route_items_to_the_error_output() -> None:
    nodes = [
        MANUAL,
        node(
            "Fail",
            "httpRequest",
            typeVersion=4.2,
            parameters={"url": "ftp://nowhere"},
            onError="continueErrorOutput",
        ),
        node("Handled", "noOp"),
    ]
    connections = {
        **chain("Manual", "Fail"),
        "Fail": {"main": [[], [{"node": "Handled", "type": "main", "index": 0}]]},
    }
    result = run(nodes, connections, items=[{"json": {"a": 1}}])
    assert result.status == "success"
    [handled] = output(result, "Handled")
    assert "URL must start with" in handled["error"]
    # Nothing failed on the regular output, and the routing mark is not stored.
    task = result.data["resultData"]["runData"]["Fail"][0]
    assert task["data"]["main"][0] == []
    assert task["data"]["main"][1] == [{"json": handled, "pairedItem": {"item": 0}}]


def test_an_unknown_node_type_should_refuse_the_run_before_anything_runs() -> None:
    nodes = [MANUAL, node("Mystery", "n8n-nodes-base.doesNotExist")]
    with pytest.raises(WorkflowError, match=r"Unrecognized node type: n8n-nodes-base\.doesNot"):
        run(nodes, chain("Manual", "Mystery"))


def test_sticky_notes_and_disabled_unknown_nodes_should_not_stop_a_run() -> None:
    nodes = [
        MANUAL,
        node("Note", "stickyNote"),
        node("Old", "n8n-nodes-base.doesNotExist", disabled=True),
    ]
    assert run(nodes, {}).status == "success"


def test_a_workflow_without_a_manual_trigger_should_say_so() -> None:
    with pytest.raises(WorkflowError, match="no Manual Trigger"):
        run([node("A", "noOp")], {})


def test_pinned_data_should_stand_in_for_a_nodes_output_in_manual_runs() -> None:
    nodes = [
        MANUAL,
        node("Fail", "stopAndError", parameters={"errorMessage": "x"}),
        node("After", "noOp"),
    ]
    pinned = {"Fail": [{"json": {"pinned": 1}}]}
    result = run(nodes, chain("Manual", "Fail", "After"), pin_data=pinned)
    assert result.status == "success"
    assert output(result, "After") == [{"pinned": 1}]


def test_execution_data_should_save_custom_data() -> None:
    nodes = [
        MANUAL,
        node(
            "Save",
            "executionData",
            parameters={"dataToSave": {"values": [{"key": "order", "value": "={{ $json.id }}"}]}},
        ),
    ]
    result = run(nodes, chain("Manual", "Save"), items=[{"json": {"id": 42}}])
    assert result.custom_data == {"order": "42"}


def test_a_parameter_read_item_by_item_should_cost_one_call_into_v8() -> None:
    from tests.support.engine import evaluator

    nodes = [
        MANUAL,
        node(
            "Split",
            "splitOut",
            parameters={"fieldToSplitOut": "={{ $json.field }}"},
        ),
    ]
    items = [{"json": {"field": "list", "list": [n, n + 1]}} for n in range(50)]
    runtime = evaluator().runtime  # type: ignore[attr-defined]
    before = runtime.calls
    result = run(nodes, chain("Manual", "Split"), items=items)
    assert result.status == "success"
    assert len(output(result, "Split")) == 100
    assert runtime.calls - before <= 2


def test_an_expression_error_should_name_the_item_it_failed_on() -> None:
    nodes = [
        MANUAL,
        node("Split", "splitOut", parameters={"fieldToSplitOut": "={{ $json.a.b }}"}),
    ]
    items = [{"json": {"a": {"b": "x"}, "x": [1]}}, {"json": {"x": [2]}}]
    result = run(nodes, chain("Manual", "Split"), items=items)
    assert result.status == "error"
    assert result.data["resultData"]["error"]["itemIndex"] == 1


def run_counting_ticks(
    nodes: list[dict[str, Any]], items: list[dict[str, Any]] | None = None
) -> tuple[int, RunResult]:
    """Run Manual → the nodes while a task ticks every 10 ms: how often it got to tick."""
    import asyncio

    workflow = {
        "id": "wf",
        "name": "Ticking",
        "nodes": [MANUAL, *nodes],
        "connections": chain("Manual", *(each["name"] for each in nodes)),
        "settings": {"executionOrder": "v1"},
    }

    async def main() -> tuple[int, RunResult]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        # On this same loop: were the engine to block it, the ticker would stop.
        result = await run_workflow_async(workflow, items=items)
        ticker.cancel()
        return ticks, result

    return asyncio.run(main())


def test_expressions_should_be_evaluated_off_the_event_loop() -> None:
    slow = "={{ (() => { const end = Date.now() + 300; while (Date.now() < end) {} return 1 })() }}"
    values = {"dataToSave": {"values": [{"key": "k", "value": slow}]}}
    ticks, result = run_counting_ticks([node("Slow", "executionData", parameters=values)])
    assert result.status == "success"
    # 300 ms of JavaScript: the loop ticked all along (a blocked loop would tick once or twice).
    assert ticks >= 10


def test_a_backtracking_regular_expression_should_fail_the_node_not_hang_it() -> None:
    condition = {
        "leftValue": "={{ 'a'.repeat(60) + 'b' }}",
        "rightValue": "(a|aa)+$",
        "operator": {"type": "string", "operation": "regex"},
    }
    nodes = [
        MANUAL,
        node(
            "If",
            "if",
            typeVersion=2,
            parameters={"conditions": {"conditions": [condition], "combinator": "and"}},
        ),
    ]
    result = run(nodes, chain("Manual", "If"))
    assert result.status == "error"
    assert "took longer than 1 s" in result.data["resultData"]["error"]["message"]


def test_a_loop_in_the_graph_should_stop_at_the_node_run_limit(monkeypatch: Any) -> None:
    from relayflow.engine import runner

    monkeypatch.setattr(runner, "MAX_NODE_RUNS", 500)
    nodes = [MANUAL, node("A", "noOp"), node("B", "noOp")]
    connections = {**chain("Manual", "A", "B"), **chain("B", "A")}
    result = run(nodes, connections)
    assert result.status == "error"
    assert "500 node runs" in result.data["resultData"]["error"]["message"]


def test_an_unexpected_failure_inside_a_node_should_be_that_nodes_error() -> None:
    nodes = [
        MANUAL,
        node("Set", "set", typeVersion=3.4, parameters={"assignments": {"assignments": ["a"]}}),
        node("After", "noOp"),
    ]
    result = run(nodes, chain("Manual", "Set", "After"))
    assert result.status == "error"
    error = result.data["resultData"]["error"]
    assert error["message"] == "The node failed unexpectedly (AttributeError)"
    assert "Manual" in result.data["resultData"]["runData"]


def test_a_disabled_node_of_an_unknown_type_should_hand_its_input_on() -> None:
    nodes = [MANUAL, node("Old", "n8n-nodes-base.slack", disabled=True), node("After", "noOp")]
    result = run(nodes, chain("Manual", "Old", "After"), items=[{"json": {"kept": 1}}])
    assert result.status == "success"
    assert output(result, "After") == [{"kept": 1}]


def test_a_parameter_failing_for_one_item_should_be_evaluated_off_the_event_loop() -> None:
    spin = (
        "={{ (() => { const end = Date.now() + 150; while (Date.now() < end) {}"
        " if ($json.n === 1) throw new Error('bad item'); return $json.n })() }}"
    )
    assignments = {"assignments": [{"name": "v", "type": "number", "value": spin}]}
    set_node = node("Set", "set", typeVersion=3.4, parameters={"assignments": assignments})
    items = [{"json": {"n": n}} for n in range(3)]
    ticks, result = run_counting_ticks([set_node], items)
    assert result.status == "error"
    error = result.data["resultData"]["error"]
    assert error["itemIndex"] == 1 and "bad item" in error["message"]
    # About 0.75 s of JavaScript (a batch, then item by item), and the loop ticked all along.
    assert ticks >= 30


def test_a_batch_should_have_the_time_limit_of_each_of_its_items() -> None:
    from relayflow.engine.expressions import V8Evaluator
    from relayflow.engine.scope import ExpressionScope

    evaluator = V8Evaluator(timeout=0.3)
    scope = ExpressionScope(
        node_name="N",
        node_parameters={},
        input_items=[{"json": {}}] * 10,
        run_index=0,
        run_data={},
        source=[None],
        workflow={"id": "w", "name": "w", "active": False},
        execution={"id": "1", "mode": "test"},
    )
    slow = "={{ (() => { const end = Date.now() + 60; while (Date.now() < end) {} return 1 })() }}"
    try:
        # 10 items of 60 ms: longer than one call's 0.3 s, within the batch's 3 s.
        assert evaluator.resolve_each(slow, scope, 10) == [1] * 10
    finally:
        evaluator.close()


def test_a_closed_worker_should_not_start_again() -> None:
    from relayflow.engine.expressions.runtime import JsWorker

    worker = JsWorker()
    assert worker.request({"op": "ping"}, 30) == {"value": None}
    worker.close()
    assert worker.request({"op": "ping"}, 30)["error"] == "error"
    assert worker._process is None
