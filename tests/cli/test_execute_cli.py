"""`relayflow execute --id <workflow>`: a run in the foreground, as a real process."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from relayflow.core.clock import utcnow
from relayflow.db.models import SharedWorkflow, User, Workflow
from relayflow.db.session import Database
from relayflow.projects.service import ProjectService
from tests.cli import Cli, bytecode_cache
from tests.support.engine import MANUAL

GREET = {
    "name": "Greet",
    "type": "n8n-nodes-base.set",
    "typeVersion": 3.4,
    "position": [200, 0],
    "parameters": {
        "assignments": {
            "assignments": [
                {"name": "greeting", "type": "string", "value": "=hello {{ $workflow.name }}"}
            ]
        }
    },
}
FAIL = {
    "name": "Fail",
    "type": "n8n-nodes-base.stopAndError",
    "typeVersion": 1,
    "position": [200, 0],
    "parameters": {"errorMessage": "Stopped on purpose"},
}


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Cli:
    bytecode = bytecode_cache(pytestconfig, tmp_path_factory.mktemp("bytecode"))
    made = Cli(tmp_path_factory.mktemp("execute-cli"), bytecode)
    outcome = made.run(
        "user",
        "create",
        "--email",
        "runner@example.com",
        "--password",
        "Owner-Pass-123",
        "--role",
        "global:owner",
    )
    assert outcome.code == 0, outcome.stderr
    return made


def add_workflow(data_dir: Path, name: str, second: dict[str, Any]) -> str:
    """A workflow Manual → `second`, owned by the owner's personal project."""

    async def main() -> str:
        database = Database(f"sqlite+aiosqlite:///{data_dir / 'relayflow.db'}")
        try:
            async with database.session() as session:
                owner = (await session.scalars(select(User))).first()
                assert owner is not None
                project = await ProjectService(session).personal_of(str(owner.id))
                now = utcnow()
                workflow = Workflow(
                    name=name,
                    active=False,
                    is_archived=False,
                    nodes=[MANUAL, second],
                    connections={
                        "Manual": {"main": [[{"node": second["name"], "type": "main", "index": 0}]]}
                    },
                    settings={"executionOrder": "v1"},
                    version_id=str(uuid.uuid4()),
                    trigger_count=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(workflow)
                await session.flush()
                session.add(
                    SharedWorkflow(
                        workflow_id=workflow.id,
                        project_id=project.id,
                        role="workflow:owner",
                        workflow_created_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
                return workflow.id
        finally:
            await database.dispose()

    return asyncio.run(main())


def test_execute_should_run_the_workflow_and_print_its_run_data(cli: Cli) -> None:
    workflow_id = add_workflow(cli.data_dir, "Greeter", GREET)
    outcome = cli.run("execute", "--id", workflow_id)
    assert outcome.code == 0, outcome.stderr
    assert "was successful" in outcome.stderr
    run_data = json.loads(outcome.stdout)["runData"]
    [item] = run_data["Greet"][0]["data"]["main"][0]
    assert item["json"] == {"greeting": "hello Greeter"}
    raw = cli.run("execute", "--id", workflow_id, "--raw")
    assert raw.code == 0, raw.stderr
    assert json.loads(raw.stdout)["lastNodeExecuted"] == "Greet"


def test_execute_should_fail_with_the_nodes_error(cli: Cli) -> None:
    workflow_id = add_workflow(cli.data_dir, "Failing", FAIL)
    outcome = cli.run("execute", "--id", workflow_id)
    assert outcome.code == 1
    assert "failed: Stopped on purpose" in outcome.stderr


def test_execute_should_name_an_unknown_workflow(cli: Cli) -> None:
    outcome = cli.run("execute", "--id", "doesNotExist0000")
    assert outcome.code == 1
    assert 'Workflow with ID "doesNotExist0000" not found.' in outcome.stderr
