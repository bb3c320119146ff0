"""`relayflow execute --id <workflow>`: run a workflow once, from its Manual Trigger, and wait."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from relayflow.cli.context import fail, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.engine.runner import RunResult
    from relayflow.instance import Instance


def execute(
    workflow_id: str = typer.Option(..., "--id", help="The id of the workflow to run"),
    raw: bool = typer.Option(False, "--raw", help="Print only the run data, as JSON"),
) -> None:
    """Run a workflow now (mode `cli`) and print what its nodes produced."""

    async def work(instance: Instance, _session: AsyncSession) -> tuple[int, RunResult | None]:
        execution_id = await instance.executor.start(workflow_id, "cli")
        return execution_id, await instance.executor.wait(execution_id)

    execution_id, result = run(work)
    if result is None:
        raise fail(f"execution {execution_id} was not found")
    if result.status != "success":
        message = result.error.message if result.error else result.status
        raise fail(f"execution {execution_id} failed: {message}")
    output = result.data["resultData"]
    if not raw:
        typer.echo(f"Execution {execution_id} was successful:", err=True)
    typer.echo(json.dumps(output, indent=None if raw else 2, default=str))
