"""V8 contexts (mini-racer) with Relayflow's JavaScript support code, in worker processes.

A `JsRuntime` is one context, kept in a `JsWorker`: a child process
(`relayflow.engine.expressions.worker`) that holds many contexts and answers one request at a
time. V8 stops a call that runs past its time limit; work queued as promise jobs (after an
`await`) that runs away cannot be stopped inside V8, and neither can a worker that stops
answering. Either way the worker process is killed, which stops the runaway for good, and a
new one takes its place: every context it held is made again on its next use (`generation`
goes up, so callers know their definitions are gone). Expressions share one worker; each
Code node run gets a worker of its own from a pool.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import select
import subprocess
import sys
import threading
import time
from importlib import resources
from typing import Any

GRACE_SECONDS = 2.0
"""How long past its time limit a call may take before the worker is deemed stuck."""
CREATE_SECONDS = 30.0
"""How long making a context (and starting a worker) may take."""
_ids = itertools.count(1)


class ScriptFailed(Exception):
    """JavaScript could not finish: `kind` is `timeout`, `memory` or `error`."""

    def __init__(self, message: str, *, kind: str = "error", wedged: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.wedged = wedged
        """The context was stuck in promise jobs; its worker was replaced."""


def support_code(*names: str) -> str:
    """The JavaScript files `names` of this package, concatenated."""
    package = resources.files(__package__ or "relayflow.engine.expressions")
    return "\n;\n".join(package.joinpath(name).read_text(encoding="utf-8") for name in names)


class JsWorker:
    """A worker process holding V8 contexts; started on first use, replaced when stuck."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.uses = 0
        """How many runs a pool has given this worker (pools retire old workers)."""
        self.incarnation = 0
        """Bumped each time a new process starts (the contexts of the old one are gone)."""

    def request(self, message: dict[str, Any], wait: float) -> dict[str, Any]:
        """Send one request and read its answer; kills the worker if none comes in `wait`."""
        with self._lock:
            if self._closed:
                return {"error": "error", "message": "the JavaScript worker was stopped"}
            process = self._process
            if process is None or process.poll() is not None:
                process = self._start()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(message).encode() + b"\n")
                process.stdin.flush()
                line = _read_line(process.stdout.fileno(), time.monotonic() + wait)
            except OSError:
                line = None
            if line is None:
                self._stop()
                return {"error": "stuck"}
            answer: dict[str, Any] = json.loads(line)
            if answer.get("wedged"):
                self._stop()
            return answer

    def _start(self) -> subprocess.Popen[bytes]:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "relayflow.engine.expressions.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.incarnation += 1
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()

    @property
    def alive(self) -> bool:
        """Whether the worker's process is running (and has not been closed)."""
        process = self._process
        return not self._closed and process is not None and process.poll() is None

    def close(self) -> None:
        """Stop the worker process for good: later requests fail instead of starting one."""
        with self._lock:
            self._closed = True
            self._stop()


def _read_line(fd: int, deadline: float) -> bytes | None:
    """One answer line from `fd`, or None when the deadline passes or the worker is gone."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)


_shared: JsWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> JsWorker:
    """The process's worker for expressions."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = JsWorker()
        return _shared


class JsRuntime:
    """A V8 context running `scripts` first; `calls` counts every evaluation sent to V8."""

    def __init__(
        self, scripts: tuple[str, ...], *, memory_limit: int, worker: JsWorker | None = None
    ) -> None:
        self._scripts = scripts
        self._memory_limit = memory_limit
        self._worker = worker or shared_worker()
        self._id = next(_ids)
        self._made_in: int | None = None
        self.calls = 0
        self.generation = 0
        """Bumped each time the context is made again (its definitions are then gone)."""

    def _ready(self) -> None:
        if self._made_in is not None and self._made_in == self._worker.incarnation:
            return
        answer = self._worker.request(
            {
                "op": "create",
                "id": self._id,
                "scripts": list(self._scripts),
                "memory": self._memory_limit,
            },
            CREATE_SECONDS,
        )
        if "error" in answer:
            raise ScriptFailed(answer.get("message") or "the JavaScript worker did not start")
        self._made_in = self._worker.incarnation
        self.generation += 1

    def eval(self, code: str, timeout: float, *, settle: bool = False) -> Any:
        """The value of `code` (a primitive: use JSON text for anything else).

        `settle=True` also waits (up to `timeout`) for the promise jobs `code` queued, so a
        runaway after an `await` fails this call rather than the next one.
        """
        for _attempt in range(2):
            self._ready()
            self.calls += 1
            wait = timeout * (2 if settle else 1) + GRACE_SECONDS
            answer = self._worker.request(
                {"op": "eval", "id": self._id, "code": code, "timeout": timeout, "settle": settle},
                wait,
            )
            if answer.get("error") != "missing":
                break
            self._made_in = None  # the worker was replaced between making and using
        error = answer.get("error")
        if error is None:
            return answer.get("value")
        if error in ("timeout", "stuck"):
            raise ScriptFailed(
                f"timed out after {timeout:g} seconds", kind="timeout", wedged="wedged" in answer
            )
        if error == "memory":
            raise ScriptFailed("ran out of memory", kind="memory")
        raise ScriptFailed(str(answer.get("message") or "JavaScript failed"))

    def call_json(
        self, function: str, request: Any, timeout: float, *, settle: bool = False
    ) -> Any:
        """`function(request)` in JavaScript, `request` sent and the answer read as JSON."""
        answer = self.eval(f"{function}({_js_literal(request)})", timeout, settle=settle)
        if not isinstance(answer, str):
            raise ScriptFailed(f"{function} answered {type(answer).__name__}, not JSON text")
        return json.loads(answer)

    async def eval_async(self, code: str, time_limit: float) -> Any:
        """`eval`, run from a worker thread so the caller's event loop keeps going."""
        return await asyncio.to_thread(self.eval, code, time_limit)

    async def call_json_async(self, function: str, request: Any, time_limit: float) -> Any:
        """`call_json`, run from a worker thread so the caller's event loop keeps going."""
        return await asyncio.to_thread(self.call_json, function, request, time_limit)

    def drop(self, wait: float) -> bool:
        """Dispose of the context now; False if the worker did not manage within `wait`
        (it is then killed)."""
        if self._made_in is None or self._made_in != self._worker.incarnation:
            return True
        self._made_in = None
        return "error" not in self._worker.request({"op": "drop", "id": self._id}, wait)

    def reset(self) -> None:
        """Start over with a fresh context on the next call (definitions are dropped)."""
        if self._made_in is not None and self._made_in == self._worker.incarnation:
            self._worker.request({"op": "drop", "id": self._id}, CREATE_SECONDS)
        self._made_in = None

    def close(self) -> None:
        """Free the V8 context."""
        self.reset()


def first_line(error: Exception) -> str:
    """mini-racer's message for a failed script, without its source excerpt."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line:
            return line.strip()
    return lines[0] if lines else "JavaScript failed"


def _js_literal(value: Any) -> str:
    """`value` as a JavaScript expression.

    ASCII-only JSON text is valid JavaScript (`NaN` and `Infinity` included), and V8 parses
    it as fast as `JSON.parse` would without a second round of string escaping.
    """
    return json.dumps(value, separators=(",", ":"), default=str)
