"""`/api/v1/workflows`: n8n's workflow endpoints, field rules and statuses (reference §4.1, §6)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from relayflow.auth import key_format
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer
from tests.support.workflows import (
    SET,
    WEBHOOK,
    make_tags,
    make_team_project,
    payload,
    personal_project_id,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ROUTES = [
    ("GET", "/workflows"),
    ("POST", "/workflows"),
    ("GET", "/workflows/{id}"),
    ("PUT", "/workflows/{id}"),
    ("DELETE", "/workflows/{id}"),
    ("POST", "/workflows/{id}/activate"),
    ("POST", "/workflows/{id}/deactivate"),
    ("PUT", "/workflows/{id}/transfer"),
    ("GET", "/workflows/{id}/tags"),
    ("PUT", "/workflows/{id}/tags"),
]


class Member:
    """A member with a key, and helpers to call the API as it."""

    def __init__(self, api: Api, server: RunningServer, role: str = "global:member") -> None:
        self.api = api
        self.user = server.create_user(role)
        self.key = server.create_key(self.user)

    def create(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.api.post("/workflows", self.key, json=body or payload())
        assert response.status_code == 200, response.text
        return response.json()

    def call(self, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.api.request(method, path, self.key, **kwargs)


@pytest.fixture
def member(api: Api, server: RunningServer) -> Member:
    return Member(api, server)


@pytest.fixture
def admin(api: Api, server: RunningServer) -> Member:
    return Member(api, server, "global:admin")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_should_answer_the_401_pair(api: Api, method: str, path: str) -> None:
    path = path.format(id="abc")
    missing = api.request(method, path, json={})
    assert (missing.status_code, missing.json()) == (401, HEADER_REQUIRED)
    wrong = api.request(method, path, key_format.generate(), json={})
    assert (wrong.status_code, wrong.json()) == (401, UNAUTHORIZED)


class TestCreateWorkflow:
    def test_post_should_respond_200_with_the_stored_workflow(
        self, member: Member, server: RunningServer
    ) -> None:
        body = payload("Created")
        created = member.create(body)
        assert created["name"] == "Created"
        assert created["active"] is False and created["isArchived"] is False
        assert created["connections"] == body["connections"]
        assert created["settings"] == body["settings"]
        assert created["staticData"] is None
        assert created["createdAt"] == created["updatedAt"]
        assert len(created["id"]) == 16 and created["id"].isalnum()
        assert UUID.match(created["versionId"])
        assert created["tags"] == []
        for sent, stored in zip(body["nodes"], created["nodes"], strict=True):
            assert UUID.match(stored["id"])
            assert {k: v for k, v in stored.items() if k != "id"} == sent
        [sharing] = created["shared"]
        assert sharing["role"] == "workflow:owner"
        assert sharing["projectId"] == personal_project_id(server, member.user.id)
        assert sharing["workflowId"] == created["id"]

    def test_post_should_keep_node_ids_it_is_given(self, member: Member) -> None:
        node = {**SET, "id": "my-own-node-id"}
        created = member.create(payload(trigger=False, nodes=[node]))
        assert created["nodes"][0]["id"] == "my-own-node-id"

    def test_post_should_parse_static_data_given_as_a_json_string(self, member: Member) -> None:
        created = member.create(payload(staticData='{"id":1}'))
        assert created["staticData"] == {"id": 1}

    @pytest.mark.parametrize("field", ["id", "active", "tags", "createdAt", "updatedAt"])
    def test_post_should_respond_400_for_read_only_fields(self, member: Member, field: str) -> None:
        response = member.call("POST", "/workflows", json={**payload(), field: "x"})
        assert response.status_code == 400
        assert response.json() == {"message": f"request/body/{field} is read-only"}

    @pytest.mark.parametrize("field", ["pinData", "versionId", "description", "meta"])
    def test_post_should_respond_400_naming_unknown_fields(
        self, member: Member, field: str
    ) -> None:
        response = member.call("POST", "/workflows", json={**payload(), field: {}})
        assert response.status_code == 400
        assert field in response.json()["message"]
        assert response.json()["message"].startswith("request/body must NOT have additional")

    @pytest.mark.parametrize("field", ["name", "nodes", "connections", "settings"])
    def test_post_should_respond_400_for_missing_fields(self, member: Member, field: str) -> None:
        body = payload()
        del body[field]
        response = member.call("POST", "/workflows", json=body)
        assert response.status_code == 400
        assert response.json() == {"message": f"request/body must have required property '{field}'"}

    def test_post_should_respond_400_for_an_empty_body(self, member: Member) -> None:
        assert member.call("POST", "/workflows", json={}).status_code == 400

    def test_post_should_respond_400_for_unknown_node_fields(self, member: Member) -> None:
        response = member.call(
            "POST", "/workflows", json=payload(nodes=[{**WEBHOOK, "colour": "red"}, SET])
        )
        assert response.status_code == 400
        assert "colour" in response.json()["message"]

    def test_post_should_respond_400_for_duplicate_node_names(self, member: Member) -> None:
        response = member.call(
            "POST", "/workflows", json=payload(nodes=[WEBHOOK, SET, {**SET, "position": [1, 1]}])
        )
        assert response.status_code == 400
        assert "Set" in response.json()["message"] and "unique" in response.json()["message"]

    @pytest.mark.parametrize(
        "connections",
        [
            {"Nowhere": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}},
            {"Webhook": {"main": [[{"node": "Ghost", "type": "main", "index": 0}]]}},
            {"Webhook": {"main": [[{"type": "main", "index": 0}]]}},
            {"Webhook": {"main": "Set"}},
            {"Webhook": []},
        ],
    )
    def test_post_should_respond_400_for_broken_connections(
        self, member: Member, connections: dict[str, Any]
    ) -> None:
        response = member.call("POST", "/workflows", json=payload(connections=connections))
        assert response.status_code == 400

    def test_post_should_respond_400_for_bad_settings(self, member: Member) -> None:
        body = payload(settings={"executionOrder": "v9"})
        response = member.call("POST", "/workflows", json=body)
        assert response.status_code == 400
        assert "executionOrder" in response.json()["message"]

    def test_post_should_keep_settings_of_newer_n8n_versions(self, member: Member) -> None:
        settings = {"executionOrder": "v1", "binaryMode": "separate", "availableInMCP": False}
        assert member.create(payload(settings=settings))["settings"] == settings


class TestListWorkflows:
    def test_get_should_list_only_the_members_own_workflows(
        self, api: Api, server: RunningServer
    ) -> None:
        alice, bob = Member(api, server), Member(api, server)
        mine = {alice.create()["id"] for _ in range(3)}
        bob.create()
        response = alice.call("GET", "/workflows")
        assert response.status_code == 200
        body = response.json()
        assert {item["id"] for item in body["data"]} == mine
        assert body["nextCursor"] is None
        for item in body["data"]:
            assert {
                "id",
                "name",
                "connections",
                "active",
                "staticData",
                "nodes",
                "tags",
                "settings",
                "createdAt",
                "updatedAt",
                "shared",
                "versionId",
            } <= set(item)

    def test_get_should_page_with_limit_and_cursor(self, api: Api, server: RunningServer) -> None:
        walker = Member(api, server)
        ids = {walker.create()["id"] for _ in range(3)}
        first = walker.call("GET", "/workflows", params={"limit": 1}).json()
        second = walker.call(
            "GET", "/workflows", params={"limit": 1, "cursor": first["nextCursor"]}
        ).json()
        assert len(first["data"]) == len(second["data"]) == 1
        assert first["data"][0]["id"] != second["data"][0]["id"]
        assert first["nextCursor"] and second["nextCursor"]
        assert first["nextCursor"] != second["nextCursor"]
        third = walker.call(
            "GET", "/workflows", params={"limit": 1, "cursor": second["nextCursor"]}
        ).json()
        assert third["nextCursor"] is None
        seen = {page["data"][0]["id"] for page in (first, second, third)}
        assert seen == ids

    @pytest.mark.parametrize("limit", [0, 251, -1, "ten"])
    def test_get_should_respond_400_for_a_bad_limit(self, member: Member, limit: object) -> None:
        assert member.call("GET", "/workflows", params={"limit": limit}).status_code == 400

    def test_get_should_filter_by_all_given_tags(self, api: Api, server: RunningServer) -> None:
        owner = Member(api, server)
        suffix = uuid.uuid4().hex[:6]
        red, blue = f"red-{suffix}", f"blue-{suffix}"
        red_id, blue_id = make_tags(server, red, blue)
        both, only_red, _plain = owner.create(), owner.create(), owner.create()
        owner.call("PUT", f"/workflows/{both['id']}/tags", json=[{"id": red_id}, {"id": blue_id}])
        owner.call("PUT", f"/workflows/{only_red['id']}/tags", json=[{"id": red_id}])
        tagged = owner.call("GET", "/workflows", params={"tags": f" {red} , {blue} "}).json()
        assert [item["id"] for item in tagged["data"]] == [both["id"]]
        assert [tag["name"] for tag in tagged["data"][0]["tags"]] == sorted([red, blue])
        reds = owner.call("GET", "/workflows", params={"tags": red}).json()["data"]
        assert {item["id"] for item in reds} == {both["id"], only_red["id"]}

    def test_get_should_filter_by_name_substring(self, member: Member) -> None:
        marker = uuid.uuid4().hex[:8]
        wanted = member.create(payload(f"Report {marker} daily"))
        member.create(payload("Something else"))
        found = member.call("GET", "/workflows", params={"name": f"{marker} DAILY"}).json()
        assert [item["id"] for item in found["data"]] == [wanted["id"]]
        assert member.call("GET", "/workflows", params={"name": "100%_"}).json()["data"] == []

    def test_get_should_filter_by_active(self, member: Member) -> None:
        on, off = member.create(), member.create()
        member.call("POST", f"/workflows/{on['id']}/activate")
        active = member.call("GET", "/workflows", params={"active": "true"}).json()["data"]
        inactive = member.call("GET", "/workflows", params={"active": "false"}).json()["data"]
        assert [item["id"] for item in active] == [on["id"]]
        assert off["id"] in {item["id"] for item in inactive}

    def test_get_should_filter_by_project(self, api: Api, server: RunningServer) -> None:
        owner = Member(api, server)
        team = make_team_project(server, {owner.user.id: "project:admin"})
        moved, stays = owner.create(), owner.create()
        assert (
            owner.call(
                "PUT", f"/workflows/{moved['id']}/transfer", json={"destinationProjectId": team}
            ).status_code
            == 204
        )
        in_team = owner.call("GET", "/workflows", params={"projectId": team}).json()["data"]
        assert [item["id"] for item in in_team] == [moved["id"]]
        personal = personal_project_id(server, owner.user.id)
        in_personal = owner.call("GET", "/workflows", params={"projectId": personal}).json()
        assert [item["id"] for item in in_personal["data"]] == [stays["id"]]

    def test_get_should_omit_pinned_data_on_request(self, member: Member) -> None:
        member.create()
        with_pins = member.call("GET", "/workflows").json()["data"]
        without = member.call("GET", "/workflows", params={"excludePinnedData": "true"}).json()
        assert all("pinData" in item for item in with_pins)
        assert all("pinData" not in item for item in without["data"])

    def test_get_should_show_admins_every_workflow(self, api: Api, server: RunningServer) -> None:
        owner_of = Member(api, server)
        created = owner_of.create()
        admin = Member(api, server, "global:admin")
        found = admin.call("GET", "/workflows", params={"name": created["name"]}).json()["data"]
        assert [item["id"] for item in found] == [created["id"]]


class TestGetWorkflow:
    def test_get_should_respond_the_stored_workflow(self, member: Member) -> None:
        created = member.create()
        response = member.call("GET", f"/workflows/{created['id']}")
        assert response.status_code == 200
        assert response.json() == {**created, "pinData": None}

    def test_get_should_respond_404_for_a_missing_workflow(
        self, member: Member, admin: Member
    ) -> None:
        as_member = member.call("GET", "/workflows/doesNotExist0000")
        assert as_member.status_code == 404
        assert as_member.json() == {"message": 'Workflow with ID "doesNotExist0000" not found.'}
        as_admin = admin.call("GET", "/workflows/doesNotExist0000")
        assert (as_admin.status_code, as_admin.json()) == (404, {"message": "Not Found"})

    def test_get_should_respond_403_for_another_members_workflow(
        self, api: Api, server: RunningServer
    ) -> None:
        theirs = Member(api, server).create()
        response = Member(api, server).call("GET", f"/workflows/{theirs['id']}")
        assert (response.status_code, response.json()) == (403, FORBIDDEN)

    def test_get_should_let_an_admin_read_a_members_workflow(
        self, member: Member, admin: Member
    ) -> None:
        created = member.create()
        assert admin.call("GET", f"/workflows/{created['id']}").status_code == 200

    def test_get_should_omit_pinned_data_on_request(self, member: Member) -> None:
        created = member.create()
        body = member.call(
            "GET", f"/workflows/{created['id']}", params={"excludePinnedData": "true"}
        ).json()
        assert "pinData" not in body


class TestUpdateWorkflow:
    def test_put_should_replace_the_workflow(self, member: Member) -> None:
        created = member.create()
        body = payload("Renamed", staticData='{"id":1}', settings={"timezone": "Europe/Berlin"})
        response = member.call("PUT", f"/workflows/{created['id']}", json=body)
        assert response.status_code == 200
        updated = response.json()
        assert updated["name"] == "Renamed"
        assert updated["staticData"] == {"id": 1}
        assert updated["settings"] == {"timezone": "Europe/Berlin"}
        assert updated["createdAt"] == created["createdAt"]
        assert updated["updatedAt"] >= created["updatedAt"]
        assert updated["versionId"] != created["versionId"]
        assert member.call("GET", f"/workflows/{created['id']}").json()["name"] == "Renamed"

    def test_put_should_respond_404_for_a_missing_workflow(self, member: Member) -> None:
        response = member.call("PUT", "/workflows/doesNotExist0000", json=payload())
        assert response.status_code == 404

    def test_put_should_respond_400_without_a_name(self, member: Member) -> None:
        created = member.create()
        body = payload()
        del body["name"]
        assert member.call("PUT", f"/workflows/{created['id']}", json=body).status_code == 400

    def test_put_by_an_admin_should_keep_the_members_ownership(
        self, member: Member, admin: Member, server: RunningServer
    ) -> None:
        created = member.create()
        response = admin.call("PUT", f"/workflows/{created['id']}", json=payload("By admin"))
        assert response.status_code == 200
        [sharing] = response.json()["shared"]
        assert sharing["projectId"] == personal_project_id(server, member.user.id)

    def test_put_should_refuse_removing_the_triggers_of_an_active_workflow(
        self, member: Member
    ) -> None:
        created = member.create()
        member.call("POST", f"/workflows/{created['id']}/activate")
        response = member.call(
            "PUT", f"/workflows/{created['id']}", json=payload("No trigger", trigger=False)
        )
        assert response.status_code == 400
        assert "has no node to start the workflow" in response.json()["message"]
        stored = member.call("GET", f"/workflows/{created['id']}").json()
        assert stored["name"] == created["name"] and stored["active"] is True


class TestDeleteWorkflow:
    def test_delete_should_respond_the_deleted_workflow(self, member: Member) -> None:
        created = member.create()
        response = member.call("DELETE", f"/workflows/{created['id']}")
        assert response.status_code == 200
        assert response.json()["id"] == created["id"]
        assert member.call("GET", f"/workflows/{created['id']}").status_code == 404

    def test_delete_should_respond_404_for_a_missing_workflow(self, member: Member) -> None:
        assert member.call("DELETE", "/workflows/doesNotExist0000").status_code == 404

    def test_delete_should_deactivate_first(self, member: Member, server: RunningServer) -> None:
        created = member.create()
        member.call("POST", f"/workflows/{created['id']}/activate")
        member.call("DELETE", f"/workflows/{created['id']}")
        assert created["id"] not in server.instance.activation.triggers  # type: ignore[attr-defined]


class TestActivation:
    def test_activate_should_respond_the_active_workflow(
        self, member: Member, server: RunningServer
    ) -> None:
        created = member.create()
        response = member.call("POST", f"/workflows/{created['id']}/activate")
        assert response.status_code == 200
        assert response.json()["active"] is True
        assert response.json()["triggerCount"] == 1
        assert server.instance.activation.triggers[created["id"]] == ["Webhook"]  # type: ignore[attr-defined]
        again = member.call("POST", f"/workflows/{created['id']}/activate")
        assert again.status_code == 200 and again.json()["active"] is True

    @pytest.mark.parametrize(
        "nodes",
        [
            [],
            [
                {
                    "name": "Start",
                    "type": "n8n-nodes-base.start",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                }
            ],
            [
                {
                    "name": "Manual",
                    "type": "n8n-nodes-base.manualTrigger",
                    "typeVersion": 1,
                    "position": [0, 0],
                    "parameters": {},
                }
            ],
            [{**WEBHOOK, "disabled": True}],
        ],
        ids=["no nodes", "start node", "manual trigger", "disabled webhook"],
    )
    def test_activate_should_respond_400_without_a_trigger(
        self, member: Member, nodes: list[dict[str, Any]]
    ) -> None:
        created = member.create(payload(nodes=nodes, connections={}))
        response = member.call("POST", f"/workflows/{created['id']}/activate")
        assert response.status_code == 400
        assert response.json() == {
            "message": (
                f'Workflow "{created["name"]}" (ID: {created["id"]}) has no node to start the '
                "workflow - at least one trigger, poller or webhook node is required"
            )
        }
        assert member.call("GET", f"/workflows/{created['id']}").json()["active"] is False

    @pytest.mark.parametrize(
        "node_type",
        [
            "n8n-nodes-base.scheduleTrigger",
            "n8n-nodes-base.cron",
            "@n8n/n8n-nodes-langchain.chatTrigger",
        ],
    )
    def test_activate_should_accept_schedules_and_other_triggers(
        self, member: Member, node_type: str
    ) -> None:
        node = {
            "name": "Trigger",
            "type": node_type,
            "typeVersion": 1,
            "position": [0, 0],
            "parameters": {},
        }
        created = member.create(payload(nodes=[node], connections={}))
        assert member.call("POST", f"/workflows/{created['id']}/activate").status_code == 200

    def test_deactivate_should_respond_the_inactive_workflow(
        self, member: Member, server: RunningServer
    ) -> None:
        created = member.create()
        member.call("POST", f"/workflows/{created['id']}/activate")
        response = member.call("POST", f"/workflows/{created['id']}/deactivate")
        assert response.status_code == 200
        assert response.json()["active"] is False
        assert created["id"] not in server.instance.activation.triggers  # type: ignore[attr-defined]
        again = member.call("POST", f"/workflows/{created['id']}/deactivate")
        assert again.status_code == 200 and again.json()["active"] is False

    @pytest.mark.parametrize("action", ["activate", "deactivate"])
    def test_should_respond_404_for_a_missing_workflow(self, member: Member, action: str) -> None:
        assert member.call("POST", f"/workflows/doesNotExist0000/{action}").status_code == 404


class TestTransferWorkflow:
    def test_put_should_move_the_workflow_to_the_destination(
        self, member: Member, server: RunningServer
    ) -> None:
        team = make_team_project(server, {member.user.id: "project:editor"})
        created = member.create()
        member.call("POST", f"/workflows/{created['id']}/activate")
        response = member.call(
            "PUT", f"/workflows/{created['id']}/transfer", json={"destinationProjectId": team}
        )
        assert response.status_code == 204
        stored = member.call("GET", f"/workflows/{created['id']}").json()
        assert [(s["projectId"], s["role"]) for s in stored["shared"]] == [(team, "workflow:owner")]
        assert stored["active"] is True

    def test_put_should_respond_400_without_a_destination(self, member: Member) -> None:
        created = member.create()
        response = member.call("PUT", f"/workflows/{created['id']}/transfer", json={})
        assert response.status_code == 400
        assert "destinationProjectId" in response.json()["message"]

    def test_put_should_respond_400_for_the_current_project(
        self, member: Member, server: RunningServer
    ) -> None:
        created = member.create()
        personal = personal_project_id(server, member.user.id)
        response = member.call(
            "PUT", f"/workflows/{created['id']}/transfer", json={"destinationProjectId": personal}
        )
        assert response.status_code == 400

    def test_put_should_respond_404_for_an_unknown_or_foreign_project(
        self, member: Member, server: RunningServer
    ) -> None:
        created = member.create()
        foreign = make_team_project(server, {})
        viewer_only = make_team_project(server, {member.user.id: "project:viewer"})
        for destination in ("doesNotExist0000", foreign, viewer_only):
            response = member.call(
                "PUT",
                f"/workflows/{created['id']}/transfer",
                json={"destinationProjectId": destination},
            )
            assert response.status_code == 404
            assert response.json() == {"message": f"Could not find project with ID: {destination}"}


class TestWorkflowTags:
    def test_put_should_replace_the_tag_set(self, member: Member, server: RunningServer) -> None:
        suffix = uuid.uuid4().hex[:6]
        t0, t1, t2 = make_tags(server, f"t0-{suffix}", f"t1-{suffix}", f"t2-{suffix}")
        created = member.create()
        first = member.call(
            "PUT", f"/workflows/{created['id']}/tags", json=[{"id": t0}, {"id": t1}]
        )
        assert first.status_code == 200
        assert {tag["id"] for tag in first.json()} == {t0, t1}
        second = member.call(
            "PUT", f"/workflows/{created['id']}/tags", json=[{"id": t0}, {"id": t2}]
        )
        assert {tag["id"] for tag in second.json()} == {t0, t2}
        listed = member.call("GET", f"/workflows/{created['id']}/tags")
        assert listed.status_code == 200
        assert {tag["id"] for tag in listed.json()} == {t0, t2}
        assert set(listed.json()[0]) == {"id", "name", "createdAt", "updatedAt"}

    def test_put_should_respond_404_and_keep_the_tags_for_an_unknown_tag(
        self, member: Member, server: RunningServer
    ) -> None:
        [kept] = make_tags(server, f"kept-{uuid.uuid4().hex[:6]}")
        created = member.create()
        member.call("PUT", f"/workflows/{created['id']}/tags", json=[{"id": kept}])
        response = member.call(
            "PUT",
            f"/workflows/{created['id']}/tags",
            json=[{"id": kept}, {"id": "missingTag000000"}],
        )
        assert (response.status_code, response.json()) == (404, {"message": "Some tags not found"})
        assert [
            tag["id"] for tag in member.call("GET", f"/workflows/{created['id']}/tags").json()
        ] == [kept]

    def test_get_should_respond_an_empty_list_without_tags(self, member: Member) -> None:
        created = member.create()
        assert member.call("GET", f"/workflows/{created['id']}/tags").json() == []

    @pytest.mark.parametrize("body", [{"id": "x"}, [{"name": "x"}], [{"id": "x", "more": 1}]])
    def test_put_should_respond_400_for_a_bad_body(self, member: Member, body: Any) -> None:
        created = member.create()
        assert member.call("PUT", f"/workflows/{created['id']}/tags", json=body).status_code == 400

    @pytest.mark.parametrize("method", ["GET", "PUT"])
    def test_should_respond_404_for_a_missing_workflow(self, member: Member, method: str) -> None:
        response = member.call(method, "/workflows/doesNotExist0000/tags", json=[])
        assert response.status_code == 404
