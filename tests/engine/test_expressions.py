"""V8Evaluator: n8n templates, variables, errors, limits and batching."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from relayflow.engine.errors import ExpressionError
from relayflow.engine.expressions import V8Evaluator
from relayflow.engine.expressions.template import parse, template_js
from relayflow.engine.scope import ExpressionScope


def task(items: list[dict[str, Any]], source: list[dict[str, Any] | None]) -> dict[str, Any]:
    return {"startTime": 0, "executionTime": 1, "source": source, "data": {"main": [items]}}


def link(node: str, output: int = 0, run: int = 0) -> dict[str, Any]:
    return {"previousNode": node, "previousNodeOutput": output, "previousNodeRun": run}


# Trigger (1 item) -> Split (3 items, each paired with trigger item 0)
# -> Filter (2 items: Split items 2 and 0, in that order) -> current node "Here".
TRIGGER = [{"json": {"started": "yes"}}]
SPLIT = [{"json": {"n": n}, "pairedItem": {"item": 0}} for n in range(3)]
FILTER: list[dict[str, Any]] = [
    {"json": {"kept": 2}, "pairedItem": {"item": 2}},
    {"json": {"kept": 0}, "pairedItem": 0},
]
RUN_DATA = {
    "Trigger": [task(TRIGGER, [])],
    "Split": [task(SPLIT, [link("Trigger")])],
    "Filter": [task(FILTER, [link("Split")])],
}
NODES = [
    {"name": name, "parameters": {"p": name.lower()}}
    for name in ("Trigger", "Split", "Filter", "Here", "Later")
]


def make_scope(**changes: Any) -> ExpressionScope:
    scope = ExpressionScope(
        node_name="Here",
        node_parameters={"field": "={{ $json.kept }}", "limit": 3},
        input_items=FILTER,
        run_index=0,
        run_data=RUN_DATA,
        source=[link("Filter")],
        workflow={"id": "wf1", "name": "Orders", "active": True},
        execution={"id": "ex9", "mode": "test", "customData": {"team": "ops"}},
        variables={"region": "eu"},
        timezone="Europe/Berlin",
        nodes=NODES,
    )
    return replace(scope, **changes)


@pytest.fixture(scope="module")
def evaluator() -> Iterator[V8Evaluator]:
    made = V8Evaluator(timeout=1.0)
    yield made
    made.close()


def value(evaluator: V8Evaluator, expression: Any, item: int = 0, **changes: Any) -> Any:
    return evaluator.resolve(expression, make_scope(**changes), item)


class TestTemplates:
    def test_single_segment_returns_raw_values(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ 1 + 2 }}") == 3
        assert value(evaluator, "={{ $json }}") == {"kept": 2}
        assert value(evaluator, "={{ [1, 'a', null] }}") == [1, "a", None]
        assert value(evaluator, "={{ true }}") is True
        assert value(evaluator, "={{ null }}") is None
        assert value(evaluator, "={{ undefined }}") is None
        assert value(evaluator, "=  {{ 2.5 }}\n") == 2.5

    def test_text_around_segments_makes_a_string_as_n8n_does(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "=n={{ $json.kept }}!") == "n=2!"
        assert value(evaluator, "=[{{ null }}|{{ undefined }}]") == "[|]"
        assert value(evaluator, "={{ [1, 2] }} and {{ {a: 1} }}") == "1,2 and [object Object]"
        assert value(evaluator, "={{ 1 }}{{ 2 }}") == "12"

    def test_values_without_expressions_come_back_unchanged(self, evaluator: V8Evaluator) -> None:
        calls = evaluator.runtime.calls
        assert value(evaluator, "plain {{ not an expression }}") == "plain {{ not an expression }}"
        assert value(evaluator, "=just text") == "just text"
        assert value(evaluator, "=unclosed {{ 1 + ") == "unclosed {{ 1 + "
        assert value(evaluator, 42) == 42
        assert value(evaluator, None) is None
        assert value(evaluator, {"a": ["x", 1, True]}) == {"a": ["x", 1, True]}
        assert evaluator.runtime.calls == calls

    def test_dicts_and_lists_are_walked(self, evaluator: V8Evaluator) -> None:
        resolved = value(
            evaluator,
            {"a": "={{ $json.kept * 10 }}", "b": ["=x{{ 1 }}", {"c": "={{ $itemIndex }}"}], "d": 7},
            item=1,
        )
        assert resolved == {"a": 0, "b": ["x1", {"c": 1}], "d": 7}

    def test_braces_and_strings_inside_a_segment(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ {a: {b: 1}} }}") == {"a": {"b": 1}}
        assert value(evaluator, "={{ '}}' + \"{{\" }}") == "}}{{"
        assert value(evaluator, "={{ $json.kept; }}") == 2

    def test_parse_splits_literals_and_code(self) -> None:
        segments = parse("a {{ x }} b")
        assert [(s.text, s.code) for s in segments] == [("a ", False), (" x ", True), (" b", False)]
        assert template_js(" {{ x }} ").startswith("return (")


class TestVariables:
    def test_json_binary_and_input(self, evaluator: V8Evaluator) -> None:
        items = [
            {"json": {"a": 1}, "binary": {"file": {"mimeType": "text/plain"}}},
            {"json": {"a": 2}},
        ]
        assert value(evaluator, "={{ $json.a }}", 1, input_items=items) == 2
        assert (
            value(evaluator, "={{ $binary.file.mimeType }}", 0, input_items=items) == "text/plain"
        )
        assert value(evaluator, "={{ $input.item.json.a }}", 1, input_items=items) == 2
        assert value(evaluator, "={{ $input.all().length }}", 0, input_items=items) == 2
        assert value(evaluator, "={{ $input.first().json.a }}", 1, input_items=items) == 1
        assert value(evaluator, "={{ $input.last().json.a }}", 0, input_items=items) == 2
        assert value(evaluator, "={{ $itemIndex }}", 1, input_items=items) == 1

    def test_run_workflow_execution_vars_parameter(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ $runIndex }}", run_index=2) == 2
        assert value(evaluator, "={{ $workflow }}") == {
            "id": "wf1",
            "name": "Orders",
            "active": True,
        }
        assert value(evaluator, "={{ $execution.id }}/{{ $execution.mode }}") == "ex9/test"
        assert value(evaluator, "={{ $execution.customData.get('team') }}") == "ops"
        assert value(evaluator, "={{ $execution.customData.getAll() }}") == {"team": "ops"}
        assert value(evaluator, "={{ $vars.region }}") == "eu"
        assert value(evaluator, "={{ $parameter.limit }}") == 3
        assert value(evaluator, "={{ $input.params.limit }}") == 3

    def test_prev_node(self, evaluator: V8Evaluator) -> None:
        expected = {"name": "Filter", "outputIndex": 0, "runIndex": 0}
        assert value(evaluator, "={{ $prevNode }}") == expected

    def test_paired_item_walks_back_through_two_nodes(self, evaluator: V8Evaluator) -> None:
        # Here item 0 <- Filter item 0 <- Split item 2 <- Trigger item 0.
        assert value(evaluator, "={{ $('Split').item.json.n }}", 0) == 2
        assert value(evaluator, "={{ $('Split').item.json.n }}", 1) == 0
        assert value(evaluator, "={{ $('Trigger').item.json.started }}", 1) == "yes"
        assert value(evaluator, "={{ $('Filter').item.json.kept }}", 1) == 0
        assert value(evaluator, "={{ $('Split').itemMatching(1).json.n }}", 0) == 0

    def test_missing_paired_item_falls_back_to_the_same_index(self, evaluator: V8Evaluator) -> None:
        unpaired = [{"json": {"kept": n}} for n in (5, 6)]
        run_data = dict(RUN_DATA, Filter=[task(unpaired, [link("Split")])])
        assert value(evaluator, "={{ $('Split').item.json.n }}", 1, run_data=run_data) == 1

    def test_node_accessors(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ $('Split').all().map(i => i.json.n) }}") == [0, 1, 2]
        assert value(evaluator, "={{ $('Split').first().json.n }}") == 0
        assert value(evaluator, "={{ $('Split').last().json.n }}") == 2
        assert value(evaluator, "={{ $('Split').isExecuted }}") is True
        assert value(evaluator, "={{ $('Later').isExecuted }}") is False
        assert value(evaluator, "={{ $('Split').params.p }}") == "split"

    def test_legacy_node_items_and_item(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, '={{ $node["Split"].json.n }}', 1) == 1
        assert value(evaluator, "={{ $node.Trigger.json.started }}", 1) == "yes"
        assert value(evaluator, '={{ $node["Split"].parameter.p }}') == "split"
        assert value(evaluator, "={{ $items('Split').length }}") == 3
        assert value(evaluator, "={{ $items().length }}") == 2
        assert value(evaluator, "={{ $item(1).$node['Split'].json.n }}") == 1

    def test_helpers(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ $if($json.kept > 1, 'big', 'small') }}") == "big"
        assert value(evaluator, "={{ $ifEmpty('', 'fallback') }}") == "fallback"
        assert value(evaluator, "={{ $ifEmpty([], 1) }}/{{ $ifEmpty(0, 1) }}") == "1/0"
        assert value(evaluator, "={{ $min(4, 2, 9) + $max(4, 2, 9) }}") == 11

    def test_dates_come_from_luxon_in_the_scope_timezone(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ $now.zoneName }}") == "Europe/Berlin"
        assert value(evaluator, "={{ $today.hour + $today.minute }}") == 0
        year = value(evaluator, "={{ DateTime.fromISO('2024-05-01').year }}")
        assert year == 2024
        assert value(evaluator, "={{ Duration.fromObject({hours: 2}).as('minutes') }}") == 120
        assert isinstance(value(evaluator, "={{ $now }}"), str)


class TestErrors:
    def test_js_exception_becomes_expression_error(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError) as raised:
            value(evaluator, "={{ $json.nothing.deeper }}")
        assert "Cannot read properties of undefined" in raised.value.message
        assert "Traceback" not in raised.value.message

    def test_syntax_error(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError) as raised:
            value(evaluator, "={{ 1 + }}")
        assert raised.value.message == "invalid syntax"
        assert raised.value.description

    def test_unknown_node(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError) as raised:
            value(evaluator, "={{ $('Nowhere').item.json }}")
        assert raised.value.message == "Referenced node doesn't exist"
        assert "Nowhere" in (raised.value.description or "")

    def test_unexecuted_node(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError) as raised:
            value(evaluator, "={{ $('Later').first().json }}")
        assert raised.value.message == "Referenced node is unexecuted"
        assert "'Later'" in (raised.value.description or "")

    def test_error_names_the_failing_item(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError) as raised:
            evaluator.resolve_each("={{ $json.kept.toFixed(1) + $json.x.y }}", make_scope(), 2)
        assert raised.value.item_index == 0

    def test_runaway_loop_fails_within_the_limit(self, evaluator: V8Evaluator) -> None:
        started = time.monotonic()
        with pytest.raises(ExpressionError) as raised:
            value(evaluator, "={{ (() => { while (true) {} })() }}")
        assert time.monotonic() - started < 3
        assert "timed out" in raised.value.message
        assert value(evaluator, "={{ 'alive' }}") == "alive"

    def test_runaway_after_await_fails_and_the_next_call_works(self) -> None:
        evaluator = V8Evaluator(timeout=0.5)
        try:
            with pytest.raises(ExpressionError):
                value(evaluator, "={{ (async () => { await null; while (true) {} })() }}")
            assert value(evaluator, "={{ 'fresh' }}") == "fresh"
        finally:
            evaluator.close()

    def test_memory_limit(self) -> None:
        evaluator = V8Evaluator(timeout=5, memory_limit=64 * 1024 * 1024)
        try:
            with pytest.raises(ExpressionError) as raised:
                value(
                    evaluator,
                    "={{ (() => { const a = [];"
                    " while (true) a.push('x'.repeat(1e5) + a.length) })() }}",
                )
            assert "memory" in raised.value.message
            assert value(evaluator, "={{ 1 }}") == 1
        finally:
            evaluator.close()

    def test_env_is_denied(self, evaluator: V8Evaluator) -> None:
        with pytest.raises(ExpressionError, match="access to env vars denied"):
            value(evaluator, "={{ $env.HOME }}")


class TestBatching:
    def test_resolve_each_is_one_v8_call_for_all_items(self, evaluator: V8Evaluator) -> None:
        items = [{"json": {"n": n}} for n in range(500)]
        scope = make_scope(input_items=items)
        template = {"double": "={{ $json.n * 2 }}", "label": "=#{{ $itemIndex }}", "same": 1}
        evaluator.resolve_each(template, scope, 1)  # compiles the templates
        calls = evaluator.runtime.calls
        resolved = evaluator.resolve_each(template, scope, 500)
        assert evaluator.runtime.calls == calls + 1
        assert resolved[499] == {"double": 998, "label": "#499", "same": 1}

    def test_new_templates_compile_in_the_same_call(self, evaluator: V8Evaluator) -> None:
        calls = evaluator.runtime.calls
        assert evaluator.resolve_each("={{ $json.kept + 0.5 }}", make_scope(), 2) == [2.5, 0.5]
        assert evaluator.runtime.calls == calls + 1

    def test_plain_values_never_reach_v8(self, evaluator: V8Evaluator) -> None:
        calls = evaluator.runtime.calls
        assert (
            evaluator.resolve_each({"a": "text", "b": "=lit"}, make_scope(), 3)
            == [{"a": "text", "b": "lit"}] * 3
        )
        assert evaluator.runtime.calls == calls

    def test_recompiles_after_the_context_is_replaced(self, evaluator: V8Evaluator) -> None:
        assert value(evaluator, "={{ 'before' }}") == "before"
        evaluator.runtime.reset()
        assert value(evaluator, "={{ 'before' }}") == "before"
