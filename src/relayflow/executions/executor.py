"""The embedded executor: runs executions in this process, as asyncio tasks.

`start()` records a new execution (status `new`, with a snapshot of the workflow) and runs it
in the background; `run()` runs a recorded execution to its end. Only the execution id crosses
from one to the other, so a queue can sit between them in scale-out mode.

Nothing secret is stored with a run: every value of every credential the run decrypted is
replaced in the run data before it is saved, whatever a remote server echoed back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import traceback
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import httpx

from relayflow.core.crypto import Cipher
from relayflow.core.errors import NotFound
from relayflow.credentials.oauth2 import OAuth2Tokens
from relayflow.db.models import Execution, ExecutionData, Workflow
from relayflow.db.session import Database
from relayflow.engine.errors import NodeError, WorkflowError
from relayflow.engine.nodes.base import Evaluator, RunState
from relayflow.engine.runner import RunResult, WorkflowRun, start_node
from relayflow.executions.credential_source import StoredCredentials
from relayflow.executions.repository import ExecutionRepository
from relayflow.workflows.repository import WorkflowRepository

log = logging.getLogger(__name__)

HIDDEN = "[hidden]"
MAX_EVALUATORS = 32
"""Projects whose expression contexts are kept; the least recently used one goes first."""
DEFAULT_TIMEZONE = "America/New_York"
MAX_EXECUTION_TIMEOUT = 3600
"""n8n's `EXECUTIONS_TIMEOUT_MAX`: no workflow may ask for more seconds than this."""
TIMED_OUT = "The execution was cancelled because it timed out"


def snapshot(workflow: Workflow) -> dict[str, Any]:
    """The workflow as an execution keeps it (`workflowData`)."""
    from relayflow.core.clock import iso

    return {
        "id": workflow.id,
        "name": workflow.name,
        "active": workflow.active,
        "nodes": workflow.nodes,
        "connections": workflow.connections,
        "settings": workflow.settings,
        "staticData": workflow.static_data,
        "pinData": workflow.pin_data or {},
        "versionId": workflow.version_id,
        "createdAt": iso(workflow.created_at),
        "updatedAt": iso(workflow.updated_at),
    }


def _time_limit(settings: dict[str, Any]) -> float | None:
    """Seconds a run may take: the workflow's `executionTimeout`, at most n8n's maximum."""
    limit = settings.get("executionTimeout")
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
        return None
    return float(min(limit, MAX_EXECUTION_TIMEOUT))


def hide(value: Any, secrets: set[str]) -> Any:
    """`value` with every occurrence of every secret string replaced."""
    # Longest first: a secret that is part of another must not leave the rest of it.
    ordered = tuple(sorted(secrets, key=len, reverse=True))
    return _hide(value, ordered) if ordered else value


def _hide(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, HIDDEN)
        return value
    if isinstance(value, dict):
        return {_hide(key, secrets): _hide(entry, secrets) for key, entry in value.items()}
    if isinstance(value, list):
        return [_hide(entry, secrets) for entry in value]
    return value


def _failure(message: str, status: str = "error") -> RunResult:
    error = NodeError(message)
    return RunResult(
        status,
        {"startData": {}, "resultData": {"runData": {}, "error": error.to_json(None)}},
        error,
    )


class LocalExecutor:
    """Runs workflows in this process, at most `concurrency` at a time."""

    def __init__(
        self,
        database: Database,
        cipher: Cipher,
        oauth2: OAuth2Tokens,
        evaluator: Callable[[], Evaluator],
        *,
        concurrency: int = 10,
        timezone: str = DEFAULT_TIMEZONE,
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.oauth2 = oauth2
        self._make_evaluator = evaluator
        self._evaluators: OrderedDict[str, Evaluator] = OrderedDict()
        self._in_use: Counter[str] = Counter()
        self._http: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[int, asyncio.Task[RunResult]] = {}
        self.timezone = timezone

    @property
    def running(self) -> frozenset[int]:
        """Ids of the executions this process is running now."""
        return frozenset(self._tasks)

    async def start(self, workflow_id: str, mode: str) -> int:
        """Record a new execution of the workflow and start it; returns its id."""
        async with self.database.session() as session:
            workflow = await WorkflowRepository(session).get(workflow_id)
            if workflow is None:
                raise NotFound(f'Workflow with ID "{workflow_id}" not found.')
            execution = await ExecutionRepository(session).create(
                workflow.id, mode, snapshot(workflow)
            )
            execution_id = execution.id
        task = asyncio.create_task(self.run(execution_id), name=f"execution-{execution_id}")
        self._tasks[execution_id] = task
        task.add_done_callback(lambda done: self._finished(execution_id, done))
        return execution_id

    def _finished(self, execution_id: int, task: asyncio.Task[RunResult]) -> None:
        self._tasks.pop(execution_id, None)
        if not task.cancelled() and task.exception() is not None:
            # The run itself could not be recorded (the database went away, say).
            log.error(
                "execution %s could not be recorded: %s",
                execution_id,
                type(task.exception()).__name__,
            )

    async def wait(self, execution_id: int) -> RunResult | None:
        """The result of an execution this process is running, once it ends."""
        task = self._tasks.get(execution_id)
        return None if task is None else await asyncio.shield(task)

    async def run(self, execution_id: int) -> RunResult:
        """Run a recorded execution to its end and save what it produced."""
        try:
            await self._slots.acquire()
        except asyncio.CancelledError:
            stopped = _failure("The execution was stopped before it started", status="canceled")
            await asyncio.shield(self._save(execution_id, stopped, set()))
            raise
        try:
            return await self._run_started(execution_id)
        finally:
            self._slots.release()

    async def _run_started(self, execution_id: int) -> RunResult:
        async with self.database.session() as session:
            execution = await session.get(Execution, execution_id)
            stored = await session.get(ExecutionData, execution_id)
            if execution is None or stored is None:
                raise NotFound(f'The execution "{execution_id}" does not exist.')
            await ExecutionRepository(session).start(execution_id)
            workflow = dict(stored.workflow_data)
            mode = execution.mode
            project_id = await WorkflowRepository(session).owner_project_id(execution.workflow_id)
        credentials = StoredCredentials(self.database, self.cipher, self.oauth2, project_id)
        try:
            result = await self._run(execution_id, workflow, mode, credentials)
        except asyncio.CancelledError:
            result = _failure("The execution was stopped", status="canceled")
            await asyncio.shield(self._save(execution_id, result, credentials.handed_out))
            raise
        except Exception:
            text = hide(traceback.format_exc(), credentials.handed_out)
            log.error("execution %s crashed:\n%s", execution_id, text)
            result = _failure("The execution crashed: Relayflow hit an internal error", "crashed")
        await asyncio.shield(self._save_or_record_crash(execution_id, result, credentials))
        return result

    async def _save_or_record_crash(
        self, execution_id: int, result: RunResult, credentials: StoredCredentials
    ) -> None:
        """Save the run; if its data cannot be stored, record the execution as crashed."""
        try:
            await self._save(execution_id, result, credentials.handed_out)
        except Exception as exc:
            log.error(
                "execution %s: its data could not be saved (%s)", execution_id, type(exc).__name__
            )
            crashed = _failure("The execution's data could not be saved", "crashed")
            await self._save(execution_id, crashed, credentials.handed_out)

    async def _run(
        self,
        execution_id: int,
        workflow: dict[str, Any],
        mode: str,
        credentials: StoredCredentials,
    ) -> RunResult:
        project = credentials.project_id or ""
        self._in_use[project] += 1
        try:
            return await self._run_with(execution_id, workflow, mode, credentials, project)
        finally:
            self._in_use[project] -= 1

    async def _run_with(
        self,
        execution_id: int,
        workflow: dict[str, Any],
        mode: str,
        credentials: StoredCredentials,
        project: str,
    ) -> RunResult:
        settings = workflow.get("settings") or {}
        state = RunState(
            workflow=workflow,
            execution_id=str(execution_id),
            mode=mode,
            evaluator=self.evaluator(project),
            credentials=credentials,
            http=self.http,
            timezone=str(settings.get("timezone") or self.timezone),
        )
        pin_data = workflow.get("pinData") if mode == "manual" else None
        run = WorkflowRun(state, pin_data=pin_data)
        try:
            start = start_node(workflow)
            async with asyncio.timeout(_time_limit(settings)):
                return await run.run(start)
        except WorkflowError as exc:
            return _failure(str(exc))
        except TimeoutError:
            return run.result("canceled", NodeError(TIMED_OUT))

    async def _save(self, execution_id: int, result: RunResult, secrets: set[str]) -> None:
        async with self.database.session() as session:
            await ExecutionRepository(session).finish(
                execution_id,
                status=result.status,
                data=hide(result.data, secrets),
                custom_data=hide(result.custom_data, secrets),
            )

    def evaluator(self, project_id: str) -> Evaluator:
        """The expression evaluator of a project's workflows, made on first use.

        Each project has a V8 context of its own, so that nothing an expression leaves behind
        in one (a global, a patched built-in) is seen by another project's runs.
        """
        found = self._evaluators.get(project_id)
        if found is None:
            found = self._evaluators[project_id] = self._make_evaluator()
            self._evict()
        self._evaluators.move_to_end(project_id)
        return found

    def _evict(self) -> None:
        """Close the least recently used evaluators beyond the limit that no run is using."""
        idle = [project for project in self._evaluators if not self._in_use[project]]
        for project in idle[: max(len(self._evaluators) - MAX_EVALUATORS, 0)]:
            # Closing waits on the worker, which may be busy: never on the event loop.
            threading.Thread(target=self._evaluators.pop(project).close, daemon=True).start()

    @property
    def http(self) -> httpx.AsyncClient:
        """The client HTTP Request nodes share."""
        if self._http is None:
            self._http = httpx.AsyncClient()
        return self._http

    async def close(self) -> None:
        """Stop what is running (recorded as canceled) and release the HTTP client."""
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            # What each task ended with is recorded by `run()` itself.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._http is not None:
            await self._http.aclose()
        for evaluator in self._evaluators.values():
            evaluator.close()
        self._evaluators.clear()
