"""The JavaScript worker process: V8 contexts (mini-racer), driven over stdin and stdout.

Run as `python -m relayflow.engine.expressions.worker`. Each request is one JSON line, and
so is each answer:

- `{"op": "create", "id", "scripts", "memory"}` makes context `id` with the support scripts;
- `{"op": "eval", "id", "code", "timeout", "settle"}` answers `{"value": …}` or
  `{"error": "timeout" | "memory" | "error" | "missing", "message", "wedged"?}`;
- `{"op": "drop", "id"}` frees a context;
- `{"op": "ping"}` answers at once (it starts a worker ahead of need).

V8 stops a call that runs past its time limit, but not work a call queued as promise jobs
(after an `await`): such work can keep a context's thread busy for good. The worker then
answers `wedged`, and the parent kills the whole process, which is the only way to stop it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException, MiniRacer

from relayflow.engine.expressions.runtime import first_line, support_code

HEALTH_CHECK_SECONDS = 0.5


def _healthy(context: MiniRacer) -> bool:
    try:
        context.eval("0", timeout_sec=HEALTH_CHECK_SECONDS)
    except JSEvalException:
        return False
    return True


def _evaluate(context: MiniRacer, request: dict[str, Any]) -> dict[str, Any]:
    timeout = float(request["timeout"])
    try:
        value = context.eval(request["code"], timeout_sec=timeout)
    except JSTimeoutException:
        return {"error": "timeout", "wedged": not _healthy(context)}
    except JSOOMException:
        return {"error": "memory", "wedged": True}
    except JSEvalException as error:
        return {"error": "error", "message": first_line(error)}
    if request.get("settle"):
        # Promise jobs the call queued run now; a runaway among them shows up here.
        try:
            context.eval("0", timeout_sec=timeout)
        except JSEvalException:
            return {"error": "timeout", "wedged": True}
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return {"error": "error", "message": "the script answered something other than JSON"}
    return {"value": value}


def serve() -> None:
    """Answer requests until stdin closes."""
    contexts: dict[int, MiniRacer] = {}
    scripts: dict[tuple[str, ...], str] = {}
    for line in sys.stdin.buffer:
        request = json.loads(line)
        op, context_id = request.get("op"), int(request.get("id", 0))
        answer: dict[str, Any]
        if op == "create":
            names = tuple(request["scripts"])
            if names not in scripts:
                scripts[names] = support_code(*names)
            context = MiniRacer()
            context.set_hard_memory_limit(int(request["memory"]))
            try:
                context.eval(scripts[names])
            except JSEvalException as error:
                answer = {"error": "error", "message": first_line(error)}
            else:
                contexts[context_id] = context
                answer = {"value": None}
        elif op == "eval":
            found = contexts.get(context_id)
            answer = {"error": "missing"} if found is None else _evaluate(found, request)
        elif op == "ping":
            answer = {"value": None}
        elif op == "drop":
            dropped = contexts.pop(context_id, None)
            if dropped is not None:
                dropped.close()
            answer = {"value": None}
        else:
            answer = {"error": "error", "message": f"unknown operation {op!r}"}
        sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    serve()
