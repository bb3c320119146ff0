"""Running workflows through the API: `POST /workflows/{id}/execute`, then `GET /executions`.

Real servers, real databases, real HTTP to a loopback echo server; credentials are stored
encrypted and decrypted only by the run.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.db.models import ExecutionData
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.echo import echo_server
from tests.support.engine import MANUAL
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import LogCollector, RunningServer

SECRET = "header-secret-7f3a9c"


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with echo_server() as url:
        yield url


def workflow_body(nodes: list[dict[str, Any]], *, name: str = "Run me") -> dict[str, Any]:
    names = [node["name"] for node in nodes]
    connections = {
        source: {"main": [[{"node": target, "type": "main", "index": 0}]]}
        for source, target in itertools.pairwise(names)
    }
    return {
        "name": name,
        "nodes": nodes,
        "connections": connections,
        "settings": {"executionOrder": "v1"},
    }


def http_node(url: str, credential: dict[str, str] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "name": "Call",
        "type": "n8n-nodes-base.httpRequest",
        "typeVersion": 4.2,
        "position": [200, 0],
        "parameters": {"url": url},
    }
    if credential is not None:
        node["parameters"].update(
            {"authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth"}
        )
        node["credentials"] = {"httpHeaderAuth": credential}
    return node


class User:
    def __init__(self, api: Api, server: RunningServer, role: str = "global:member") -> None:
        self.api = api
        self.user = server.create_user(role)
        self.key = server.create_key(self.user)

    def workflow(self, nodes: list[dict[str, Any]]) -> str:
        response = self.api.post("/workflows", self.key, json=workflow_body(nodes))
        assert response.status_code == 200, response.text
        return str(response.json()["id"])

    def credential(self, value: str = SECRET) -> dict[str, str]:
        body = {
            "name": "Echo key",
            "type": "httpHeaderAuth",
            "data": {"name": "X-Key", "value": value},
        }
        response = self.api.post("/credentials", self.key, json=body)
        assert response.status_code == 200, response.text
        return {"id": response.json()["id"], "name": "Echo key"}

    def execute(self, workflow_id: str) -> str:
        response = self.api.post(f"/workflows/{workflow_id}/execute", self.key)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["waitingForWebhook"] is False
        return str(body["executionId"])

    def finished(self, execution_id: str) -> dict[str, Any]:
        """The execution once it has ended, with its data."""
        deadline = time.monotonic() + 20
        while True:
            response = self.api.get(
                f"/executions/{execution_id}", self.key, params={"includeData": "true"}
            )
            assert response.status_code == 200, response.text
            execution: dict[str, Any] = response.json()
            if execution["status"] not in ("new", "running"):
                return execution
            assert time.monotonic() < deadline, execution
            time.sleep(0.05)


@pytest.fixture
def member(api: Api, server: RunningServer) -> User:
    return User(api, server)


def test_execute_should_answer_the_401_pair(api: Api) -> None:
    assert api.post("/workflows/abc/execute").json() == HEADER_REQUIRED
    assert api.post("/workflows/abc/execute", "abcXYZ").json() == UNAUTHORIZED


def test_a_run_should_be_recorded_with_what_each_node_produced(member: User, echo: str) -> None:
    workflow_id = member.workflow([MANUAL, http_node(f"{echo}/hello")])
    execution = member.finished(member.execute(workflow_id))
    assert execution["status"] == "success" and execution["finished"] is True
    assert execution["mode"] == "manual" and execution["workflowId"] == workflow_id
    assert execution["startedAt"] and execution["stoppedAt"]
    run_data = execution["data"]["resultData"]["runData"]
    [answer] = run_data["Call"][0]["data"]["main"][0]
    assert answer["json"]["path"] == "/hello"
    assert execution["workflowData"]["id"] == workflow_id
    assert execution["workflowData"]["nodes"][1]["name"] == "Call"


def test_credentials_should_authenticate_and_never_be_stored_with_the_run(
    member: User, echo: str, server: RunningServer
) -> None:
    credential = member.credential()
    workflow_id = member.workflow([MANUAL, http_node(f"{echo}/private", credential)])
    execution_id = member.execute(workflow_id)
    execution = member.finished(execution_id)
    assert execution["status"] == "success", execution["data"]["resultData"].get("error")
    [answer] = execution["data"]["resultData"]["runData"]["Call"][0]["data"]["main"][0]
    # The echo server saw the secret and sent it back; the stored run has it hidden.
    assert answer["json"]["headers"]["x-key"] == "[hidden]"
    assert SECRET not in str(execution)

    async def stored(_instance: Instance, session: AsyncSession) -> str:
        row = await session.scalar(
            select(ExecutionData).where(ExecutionData.execution_id == int(execution_id))
        )
        assert row is not None
        return repr(row.data) + repr(row.workflow_data)

    assert SECRET not in server.work(stored)


def test_a_deleted_credential_should_fail_the_run_naming_it(member: User, echo: str) -> None:
    credential = member.credential()
    workflow_id = member.workflow([MANUAL, http_node(f"{echo}/private", credential)])
    assert member.api.delete(f"/credentials/{credential['id']}", member.key).status_code == 200
    execution = member.finished(member.execute(workflow_id))
    assert execution["status"] == "error" and execution["finished"] is False
    error = execution["data"]["resultData"]["error"]
    assert error["message"] == (
        f'Credential with ID "{credential["id"]}" does not exist for type "httpHeaderAuth".'
    )
    assert error["node"]["name"] == "Call"
    assert execution["data"]["resultData"]["lastNodeExecuted"] == "Call"


def test_a_credential_the_workflows_project_may_not_use_should_fail_the_run(
    api: Api, server: RunningServer, member: User, echo: str
) -> None:
    admin = User(api, server, "global:admin")
    # An admin may put another's credential in a workflow the member owns…
    credential = member.credential()
    other = User(api, server)
    foreign = other.credential("other-secret-value")
    workflow_id = member.workflow([MANUAL, http_node(f"{echo}/private", credential)])
    body = workflow_body([MANUAL, http_node(f"{echo}/private", foreign)])
    assert (
        admin.api.request("PUT", f"/workflows/{workflow_id}", admin.key, json=body).status_code
        == 200
    )
    # …but a run of the member's workflow may not use it.
    execution = member.finished(member.execute(workflow_id))
    assert execution["status"] == "error"
    message = execution["data"]["resultData"]["error"]["message"]
    assert message.startswith('Node "Call" does not have access to the credential')
    assert "other-secret-value" not in str(execution)


def test_a_workflow_without_a_manual_trigger_should_end_in_error(member: User) -> None:
    nodes = [{**MANUAL, "name": "Only", "type": "n8n-nodes-base.noOp"}]
    execution = member.finished(member.execute(member.workflow(nodes)))
    assert execution["status"] == "error"
    assert "no Manual Trigger" in execution["data"]["resultData"]["error"]["message"]


def test_execute_should_refuse_others_workflows_and_unknown_ones(
    api: Api, server: RunningServer, member: User
) -> None:
    other = User(api, server)
    theirs = other.workflow([MANUAL])
    assert member.api.post(f"/workflows/{theirs}/execute", member.key).json() == FORBIDDEN
    assert member.api.post("/workflows/doesNotExist0000/execute", member.key).status_code == 404


def set_node(value: str) -> dict[str, Any]:
    return {
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "position": [200, 0],
        "parameters": {
            "assignments": {"assignments": [{"name": "seen", "type": "string", "value": value}]}
        },
    }


def test_expressions_of_one_project_should_not_reach_anothers(
    api: Api, server: RunningServer, member: User
) -> None:
    other = User(api, server)
    leaving = member.workflow([MANUAL, set_node("={{ globalThis.leak = 'from-the-first' }}")])
    assert member.finished(member.execute(leaving))["status"] == "success"
    looking = other.workflow([MANUAL, set_node("={{ typeof globalThis.leak }}")])
    execution = other.finished(other.execute(looking))
    [item] = execution["data"]["resultData"]["runData"]["Set"][0]["data"]["main"][0]
    assert item["json"] == {"seen": "undefined"}


def test_credential_values_should_never_reach_a_log_line(
    member: User, echo: str, logs: LogCollector
) -> None:
    secret = "query-secret-5d1e2f"
    body = {
        "name": "Query key",
        "type": "httpQueryAuth",
        "data": {"name": "token", "value": secret},
    }
    response = member.api.post("/credentials", member.key, json=body)
    assert response.status_code == 200, response.text
    node = http_node(f"{echo}/private")
    node["parameters"].update(
        {"authentication": "genericCredentialType", "genericAuthType": "httpQueryAuth"}
    )
    node["credentials"] = {"httpQueryAuth": {"id": response.json()["id"], "name": "Query key"}}
    execution = member.finished(member.execute(member.workflow([MANUAL, node])))
    assert execution["status"] == "success"
    [answer] = execution["data"]["resultData"]["runData"]["Call"][0]["data"]["main"][0]
    assert answer["json"]["query"] == {"token": "[hidden]"}
    assert secret not in logs.text()


def test_a_run_past_the_workflows_execution_timeout_should_be_canceled(member: User) -> None:
    slow = {
        "name": "Slow",
        "type": "n8n-nodes-base.code",
        "typeVersion": 2,
        "position": [200, 0],
        "parameters": {"jsCode": "await new Promise(done => setTimeout(done, 20000)); return [];"},
    }
    body = workflow_body([MANUAL, slow])
    body["settings"]["executionTimeout"] = 1
    response = member.api.post("/workflows", member.key, json=body)
    assert response.status_code == 200, response.text
    started = time.monotonic()
    execution = member.finished(member.execute(response.json()["id"]))
    assert time.monotonic() - started < 10
    assert execution["status"] == "canceled" and execution["finished"] is False
    error = execution["data"]["resultData"]["error"]
    assert error["message"] == "The execution was cancelled because it timed out"
    assert "Manual" in execution["data"]["resultData"]["runData"]


def test_a_reference_by_name_should_find_only_credentials_the_workflow_may_use(
    api: Api, server: RunningServer, member: User, echo: str
) -> None:
    other = User(api, server)
    theirs = other.credential("their-secret-value")
    mine = member.credential("my-own-secret-value")
    by_name = member.workflow([MANUAL, http_node(f"{echo}/private", {"name": "Echo key"})])
    execution = member.finished(member.execute(by_name))
    assert execution["status"] == "success", execution["data"]["resultData"].get("error")
    [answer] = execution["data"]["resultData"]["runData"]["Call"][0]["data"]["main"][0]
    assert answer["json"]["headers"]["x-key"] == "[hidden]"
    assert member.api.delete(f"/credentials/{mine['id']}", member.key).status_code == 200
    execution = member.finished(member.execute(by_name))
    assert execution["status"] == "error"
    message = execution["data"]["resultData"]["error"]["message"]
    assert message == 'Credential with name "Echo key" does not exist for type "httpHeaderAuth".'
    assert theirs["id"] not in str(execution)
