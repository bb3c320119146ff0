"""`V8Evaluator`: n8n expressions in parameter values, evaluated in one V8 context.

Each distinct template is compiled once into a JavaScript function (its id is remembered
here). One V8 call evaluates every expression of a parameter value for every item asked
for: the scope goes in as one JSON literal and the values come back as one JSON text.
Values with no expression in them never reach V8.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from relayflow.engine.errors import ExpressionError
from relayflow.engine.expressions import template
from relayflow.engine.expressions.runtime import JsRuntime, ScriptFailed
from relayflow.engine.expressions.scope_data import reads_all_input, reads_other_nodes, scope_data
from relayflow.engine.scope import ExpressionScope

SCRIPTS = ("vendor/luxon.min.js", "prelude.js", "lockdown.js")
MAX_BATCH_SECONDS = 60.0
"""The most one call for many items may take, however many there are."""
_MAX_TEMPLATES = 5000
"""Distinct templates compiled before the context is recycled (bounds its memory)."""


@dataclass
class _Plan:
    """The expressions inside one parameter value."""

    expressions: list[str] = field(default_factory=list)
    """Template texts (without `=`) to evaluate, each once."""
    positions: dict[str, int] = field(default_factory=dict)


class V8Evaluator:
    """Evaluates n8n expressions with mini-racer; implements `nodes.base.Evaluator`."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        memory_limit: int = 256 * 1024 * 1024,
        runtime: JsRuntime | None = None,
    ) -> None:
        self.timeout = timeout
        self.runtime = runtime or JsRuntime(SCRIPTS, memory_limit=memory_limit)
        self._ids: dict[str, int] = {}
        # Runs evaluate from worker threads and from the event loop: one at a time, so that
        # template numbering stays in step with the context.
        self._lock = threading.Lock()

    def resolve(self, value: Any, scope: ExpressionScope, item_index: int) -> Any:
        """`value` with every expression in it evaluated for input item `item_index`."""
        plan = _plan(value)
        if not plan.expressions:
            return _fill(value, [])
        rows = self._evaluate(plan, scope, item_index, 1, only_item=item_index)
        return _fill(value, rows[0], plan)

    def resolve_each(self, value: Any, scope: ExpressionScope, count: int) -> list[Any]:
        """`resolve(value, scope, i)` for every `i < count`, in one V8 call."""
        plan = _plan(value)
        if not plan.expressions or count <= 0:
            return [_fill(value, []) for _ in range(count)]
        rows = self._evaluate(plan, scope, 0, count, only_item=None)
        return [_fill(value, row, plan) for row in rows]

    def close(self) -> None:
        """Free the V8 context."""
        self.runtime.close()

    def _evaluate(
        self,
        plan: _Plan,
        scope: ExpressionScope,
        first: int,
        count: int,
        *,
        only_item: int | None,
    ) -> list[list[Any]]:
        code = " ".join(plan.expressions)
        if only_item is not None and reads_all_input(code):
            only_item = None
        data = scope_data(scope, with_run_data=reads_other_nodes(code), only_item=only_item)
        with self._lock:
            for _attempt in range(2):
                answer = self._call(plan, data, first, count)
                if "desync" not in answer:
                    break
                self._ids.clear()  # the context was replaced: its compiled templates are gone
        if "error" in answer:
            raise _expression_error(answer["error"])
        values: list[list[Any]] = answer["values"]
        return values

    def _call(self, plan: _Plan, data: dict[str, Any], first: int, count: int) -> dict[str, Any]:
        if len(self._ids) + len(plan.expressions) > _MAX_TEMPLATES:
            self.runtime.reset()
            self._ids.clear()
        base = len(self._ids)
        define: list[str] = []
        ids: list[int] = []
        for text in plan.expressions:
            known = self._ids.get(text)
            if known is None:
                known = self._ids[text] = base + len(define)
                define.append(template.template_js(text))
            ids.append(known)
        request = {
            "base": base,
            "define": define,
            "expressions": ids,
            "scope": data,
            "from": first,
            "count": count,
        }
        try:
            answer: dict[str, Any] = self.runtime.call_json(
                "__rf.evaluate",
                request,
                # A batch has the per-call limit for each of its items, up to a ceiling.
                min(self.timeout * max(count, 1), max(self.timeout, MAX_BATCH_SECONDS)),
                # Always: promise jobs can be queued by code built at run time (`Function`).
                settle=True,
            )
        except ScriptFailed as failure:
            for text in define:
                self._ids.pop(text, None)
            raise _script_error(failure) from None
        if "desync" in answer:
            for text in define:
                self._ids.pop(text, None)
        return answer


def _plan(value: Any) -> _Plan:
    plan = _Plan()
    _collect(value, plan)
    return plan


def _collect(value: Any, plan: _Plan) -> None:
    if isinstance(value, str):
        if template.is_expression(value):
            text = value[1:]
            if "{{" in text and template.literal_value(text) is None and text not in plan.positions:
                plan.positions[text] = len(plan.expressions)
                plan.expressions.append(text)
    elif isinstance(value, dict):
        for entry in value.values():
            _collect(entry, plan)
    elif isinstance(value, list):
        for entry in value:
            _collect(entry, plan)


def _fill(value: Any, row: list[Any], plan: _Plan | None = None) -> Any:
    """`value` with each expression replaced by its entry in `row`."""
    if isinstance(value, str):
        if not template.is_expression(value):
            return value
        text = value[1:]
        if plan is not None and text in plan.positions:
            return row[plan.positions[text]]
        return text
    if isinstance(value, dict):
        return {key: _fill(entry, row, plan) for key, entry in value.items()}
    if isinstance(value, list):
        return [_fill(entry, row, plan) for entry in value]
    return value


def _expression_error(error: dict[str, Any]) -> ExpressionError:
    item = error.get("item")
    return ExpressionError(
        str(error.get("message") or "Expression failed"),
        description=error.get("description"),
        item_index=item if isinstance(item, int) else None,
    )


def _script_error(failure: ScriptFailed) -> ExpressionError:
    if failure.kind == "timeout":
        error = ExpressionError(f"Expression evaluation {failure.message}")
    elif failure.kind == "memory":
        error = ExpressionError("Expression evaluation ran out of memory")
    else:
        return ExpressionError(failure.message)
    error.limit_reached = True
    return error
