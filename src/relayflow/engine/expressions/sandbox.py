"""`CodeSandbox`: user JavaScript (Code, Function, Function Item nodes) in worker processes.

Every run gets a fresh V8 context, in a worker process no other run is using (an idle one,
or one started ahead of need), so runs never see each other's globals or patched built-ins
and never wait on each other or on expressions. When a run ends, its context is disposed
of, which ends any timer it left; a worker whose context went away at once serves a later
run, and any other (a time limit reached, a context that would not go) is killed. The
contexts have no `require`, `process`, file system or network: only the n8n variables
(`$input`, `$('Node')`, `$json`, …), Luxon and a `console` whose lines are logged at DEBUG
level.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from relayflow.engine.expressions.runtime import CREATE_SECONDS, JsRuntime, JsWorker, ScriptFailed
from relayflow.engine.expressions.scope_data import scope_data
from relayflow.engine.scope import ExpressionScope

SCRIPTS = ("vendor/luxon.min.js", "prelude.js", "code.js")
KINDS = ("all", "each", "function", "functionItem")
_POLL_SECONDS = (0.001, 0.005, 0.02, 0.05)
MAX_IDLE_WORKERS = 4
"""Worker processes kept between runs (more start while runs overlap)."""
MAX_RUNS_PER_WORKER = 500
"""Runs a worker serves before it is replaced, so that no process grows for ever."""
DROP_SECONDS = 2.0
"""How long disposing of a finished run's context may take before its process is killed."""
_log = logging.getLogger(__name__)


class CodeFailed(Exception):
    """The code threw, could not compile, or hit a limit; `message` is safe to show."""

    def __init__(
        self,
        message: str,
        *,
        item_index: int | None = None,
        line: int | None = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.item_index = item_index
        self.line = line
        self.timed_out = timed_out


@dataclass
class CodeResult:
    """What the code returned (JSON), and what it printed."""

    value: Any
    logs: list[str] = field(default_factory=list)


class CodeSandbox:
    """Runs node code, each run in a fresh V8 context, in worker processes."""

    def __init__(self, *, memory_limit: int = 256 * 1024 * 1024) -> None:
        self.memory_limit = memory_limit
        self._spare: JsWorker | None = None
        self._idle: list[JsWorker] = []
        self._lock = threading.Lock()
        self._closed = False

    def _take_worker(self) -> JsWorker:
        """A started worker process for one run: an idle one, else the spare (and another
        spare starts for the next run)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            worker, self._spare = self._spare or JsWorker(), JsWorker()
            spare = self._spare
        threading.Thread(target=_warm, args=(spare,), daemon=True).start()
        return worker

    def _give_back(self, worker: JsWorker, runtime: JsRuntime, finished: bool) -> None:
        """Keep the worker for another run if the run ended and its context went away at
        once (disposing of it ends its timers); otherwise the process goes."""
        worker.uses += 1
        reusable = finished and worker.uses < MAX_RUNS_PER_WORKER
        if reusable and runtime.drop(DROP_SECONDS) and worker.alive:
            with self._lock:
                if not self._closed and len(self._idle) < MAX_IDLE_WORKERS:
                    self._idle.append(worker)
                    return
        worker.close()

    def close(self) -> None:
        """Stop the spare and idle worker processes; runs still going stop theirs at the end."""
        with self._lock:
            self._closed = True
            workers = [*self._idle, *([self._spare] if self._spare else [])]
            self._idle, self._spare = [], None
        for worker in workers:
            worker.close()

    async def run(
        self, code: str, kind: str, scope: ExpressionScope, *, time_limit: float
    ) -> CodeResult:
        """Run `code` as `kind` (`all`, `each`, `function`, `functionItem`) over `scope`'s items.

        `all` and `function` call the code once and return its value; `each` and
        `functionItem` call it per input item and return the list of values.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown code kind {kind!r}")
        request = {"code": code, "kind": kind, "scope": scope_data(scope, with_run_data=True)}
        deadline = time.monotonic() + time_limit
        worker = self._take_worker()
        runtime = JsRuntime(SCRIPTS, memory_limit=self.memory_limit, worker=worker)
        finished = False
        try:
            run_id = await runtime.call_json_async("__rfCode.start", request, time_limit)
            answer = await self._take(runtime, int(run_id), deadline, time_limit)
            finished = True
        except ScriptFailed as failure:
            if failure.kind == "timeout":
                raise CodeFailed(
                    f"Code execution timed out after {time_limit:g} seconds", timed_out=True
                ) from None
            if failure.kind == "memory":
                raise CodeFailed("Code ran out of memory") from None
            raise CodeFailed(failure.message) from None
        finally:
            # Whatever the code left running (timers, a runaway) goes with its context, or
            # with its process.
            await asyncio.to_thread(self._give_back, worker, runtime, finished)
        logs = [str(line) for line in answer.get("logs") or []]
        for line in logs:
            _log.debug("code node console: %s", line)
        if "error" in answer:
            error = answer["error"]
            raise CodeFailed(
                str(error.get("message") or "Code failed"),
                item_index=error.get("item"),
                line=error.get("line"),
            )
        return CodeResult(value=answer.get("value"), logs=logs)

    async def _take(
        self, runtime: JsRuntime, run_id: int, deadline: float, time_limit: float
    ) -> dict[str, Any]:
        """Poll until run `run_id` settles (its promise jobs finish) or time runs out."""
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScriptFailed(f"timed out after {time_limit:g} seconds", kind="timeout")
            answer = await runtime.eval_async(f"__rfCode.take({run_id})", remaining)
            if answer != "pending":
                if not isinstance(answer, str):
                    raise ScriptFailed("the code runner answered something other than JSON")
                result: dict[str, Any] = json.loads(answer)
                return result
            await asyncio.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
            attempt += 1


def _warm(worker: JsWorker) -> None:
    """Start the worker's process now, so that the run that takes it does not wait."""
    with contextlib.suppress(Exception):
        worker.request({"op": "ping"}, CREATE_SECONDS)


@cache
def shared_sandbox() -> CodeSandbox:
    """The process's code sandbox (its V8 context is made on first use)."""
    return CodeSandbox()
