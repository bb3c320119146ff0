"""`/api/v1/credentials`: typed data in, metadata out (reference §4.3, §8, §12.3)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.credentials.service import context
from relayflow.db.models import Credential
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.keys import FORBIDDEN
from tests.support.server import RunningServer
from tests.support.workflows import make_team_project, personal_project_id

METADATA = {"id", "name", "type", "isManaged", "createdAt", "updatedAt"}


def secret() -> str:
    return f"s3cret-{uuid.uuid4().hex}"


def header_auth(value: str | None = None) -> dict[str, Any]:
    return {
        "name": f"Header {uuid.uuid4().hex[:6]}",
        "type": "httpHeaderAuth",
        "data": {"name": "X-Api-Token", "value": value or secret()},
    }


def stored_data(server: RunningServer, credential_id: str) -> dict[str, Any]:
    """The credential's data as the server decrypts it."""

    async def task(instance: Instance, session: AsyncSession) -> dict[str, Any]:
        row = await session.scalar(select(Credential).where(Credential.id == credential_id))
        assert row is not None
        return instance.cipher.decrypt(row.data, context(row.id))

    return server.work(task)


class Caller:
    """A user with a key."""

    def __init__(self, api: Api, server: RunningServer, role: str = "global:member") -> None:
        self.api, self.user = api, server.create_user(role)
        self.key = server.create_key(self.user)

    def call(self, method: str, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.api.request(method, path, self.key, **kwargs)

    def create(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.call("POST", "/credentials", json=body or header_auth())
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def member(api: Api, server: RunningServer) -> Caller:
    return Caller(api, server)


@pytest.fixture
def admin(api: Api, server: RunningServer) -> Caller:
    return Caller(api, server, "global:admin")


class TestCreateCredential:
    def test_post_should_respond_200_with_metadata_only(
        self, member: Caller, server: RunningServer
    ) -> None:
        value = secret()
        response = member.call("POST", "/credentials", json=header_auth(value))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == METADATA
        assert body["type"] == "httpHeaderAuth" and body["isManaged"] is False
        assert value not in response.text
        assert stored_data(server, body["id"]) == {"name": "X-Api-Token", "value": value}

    def test_post_should_respond_400_for_an_unknown_type(self, member: Caller) -> None:
        response = member.call(
            "POST", "/credentials", json={"name": "x", "type": "testing", "data": {}}
        )
        assert (response.status_code, response.json()) == (
            400,
            {"message": "req.body.type is not a known type"},
        )

    def test_post_should_respond_400_naming_each_invalid_property(self, member: Caller) -> None:
        value = secret()
        body = {
            "name": "db",
            "type": "postgres",
            "data": {"host": "db", "port": "not-a-number", "password": value, "extra": 1},
        }
        response = member.call("POST", "/credentials", json=body)
        assert response.status_code == 400
        message = response.json()["message"]
        assert message.startswith("request.body.data")
        assert "port" in message and "extra" in message
        assert value not in message and "not-a-number" not in message

    @pytest.mark.parametrize(
        "body",
        [
            {},
            [],
            {"name": "x", "type": "httpHeaderAuth"},
            {"type": "httpHeaderAuth", "data": {}},
            {"name": "x", "data": {}},
        ],
    )
    def test_post_should_respond_400_for_incomplete_bodies(self, member: Caller, body: Any) -> None:
        assert member.call("POST", "/credentials", json=body).status_code == 400

    def test_post_should_own_the_credential_in_the_personal_project(
        self, member: Caller, server: RunningServer
    ) -> None:
        created = member.create()
        shared = member.call("GET", f"/credentials/{created['id']}").json()["shared"]
        assert [(row["projectId"], row["role"]) for row in shared] == [
            (personal_project_id(server, member.user.id), "credential:owner")
        ]


class TestReadCredentials:
    def test_get_should_respond_metadata_and_ownership(self, member: Caller) -> None:
        value = secret()
        created = member.create(header_auth(value))
        response = member.call("GET", f"/credentials/{created['id']}")
        assert response.status_code == 200
        assert set(response.json()) == METADATA | {"shared"}
        assert value not in response.text

    def test_get_should_respond_404_and_403_as_workflows_do(
        self, api: Api, server: RunningServer, member: Caller
    ) -> None:
        theirs = Caller(api, server).create()
        foreign = member.call("GET", f"/credentials/{theirs['id']}")
        assert (foreign.status_code, foreign.json()) == (403, FORBIDDEN)
        missing = member.call("GET", "/credentials/doesNotExist0000")
        assert missing.status_code == 404

    def test_list_should_show_members_their_own_and_admins_all(
        self, api: Api, server: RunningServer, admin: Caller
    ) -> None:
        alice, bob = Caller(api, server), Caller(api, server)
        mine = {alice.create()["id"] for _ in range(2)}
        theirs = bob.create()["id"]
        listed = alice.call("GET", "/credentials").json()
        assert {item["id"] for item in listed["data"]} == mine
        assert listed["nextCursor"] is None
        everything: set[str] = set()
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            page = admin.call("GET", "/credentials", params=params).json()
            everything |= {item["id"] for item in page["data"]}
            if (cursor := page["nextCursor"]) is None:
                break
        assert mine | {theirs} <= everything

    def test_list_should_filter_by_type_and_name(self, member: Caller) -> None:
        marker = uuid.uuid4().hex[:8]
        wanted = member.create({**header_auth(), "name": f"Token {marker}"})
        member.create(
            {
                "name": f"Basic {marker}",
                "type": "httpBasicAuth",
                "data": {"user": "u", "password": secret()},
            }
        )
        by_type = member.call(
            "GET", "/credentials", params={"type": "httpHeaderAuth", "name": marker}
        ).json()["data"]
        assert [item["id"] for item in by_type] == [wanted["id"]]


class TestUpdateCredential:
    def test_patch_should_replace_the_data(self, member: Caller, server: RunningServer) -> None:
        created = member.create()
        new_value = secret()
        response = member.call(
            "PATCH",
            f"/credentials/{created['id']}",
            json={"name": "Renamed", "data": {"name": "X-Other", "value": new_value}},
        )
        assert response.status_code == 200
        assert response.json()["name"] == "Renamed" and new_value not in response.text
        assert stored_data(server, created["id"]) == {"name": "X-Other", "value": new_value}

    def test_patch_should_merge_partial_data(self, member: Caller, server: RunningServer) -> None:
        value = secret()
        created = member.create(header_auth(value))
        response = member.call(
            "PATCH",
            f"/credentials/{created['id']}",
            json={"data": {"name": "X-Merged"}, "isPartialData": True},
        )
        assert response.status_code == 200
        assert stored_data(server, created["id"]) == {"name": "X-Merged", "value": value}

    def test_patch_should_validate_and_keep_the_old_data(
        self, member: Caller, server: RunningServer
    ) -> None:
        value = secret()
        created = member.create(header_auth(value))
        response = member.call(
            "PATCH",
            f"/credentials/{created['id']}",
            json={"data": {"name": "only-a-name", "unknown": True}},
        )
        assert response.status_code == 400
        assert stored_data(server, created["id"])["value"] == value

    def test_patch_should_respond_403_for_another_members_credential(
        self, api: Api, server: RunningServer, member: Caller
    ) -> None:
        theirs = Caller(api, server).create()
        response = member.call("PATCH", f"/credentials/{theirs['id']}", json={"name": "mine"})
        assert (response.status_code, response.json()) == (403, FORBIDDEN)


class TestDeleteCredential:
    def test_delete_should_respond_the_metadata_and_remove_it(self, member: Caller) -> None:
        created = member.create()
        response = member.call("DELETE", f"/credentials/{created['id']}")
        assert response.status_code == 200
        assert set(response.json()) == METADATA
        assert member.call("GET", f"/credentials/{created['id']}").status_code == 404

    def test_delete_should_let_an_admin_delete_a_members_credential(
        self, member: Caller, admin: Caller
    ) -> None:
        created = member.create()
        assert admin.call("DELETE", f"/credentials/{created['id']}").status_code == 200

    def test_delete_should_respond_403_for_another_members_credential(
        self, api: Api, server: RunningServer, member: Caller
    ) -> None:
        owner = Caller(api, server)
        theirs = owner.create()
        assert member.call("DELETE", f"/credentials/{theirs['id']}").status_code == 403
        assert owner.call("GET", f"/credentials/{theirs['id']}").status_code == 200


class TestTransferCredential:
    def test_put_should_move_the_credential(self, member: Caller, server: RunningServer) -> None:
        team = make_team_project(server, {member.user.id: "project:admin"})
        created = member.create()
        response = member.call(
            "PUT", f"/credentials/{created['id']}/transfer", json={"destinationProjectId": team}
        )
        assert response.status_code == 204
        shared = member.call("GET", f"/credentials/{created['id']}").json()["shared"]
        assert [(row["projectId"], row["role"]) for row in shared] == [(team, "credential:owner")]

    def test_put_should_respond_400_without_a_destination(self, member: Caller) -> None:
        created = member.create()
        response = member.call("PUT", f"/credentials/{created['id']}/transfer", json={})
        assert response.status_code == 400

    def test_put_should_respond_404_for_a_project_out_of_reach(
        self, member: Caller, server: RunningServer
    ) -> None:
        created = member.create()
        foreign = make_team_project(server, {})
        response = member.call(
            "PUT", f"/credentials/{created['id']}/transfer", json={"destinationProjectId": foreign}
        )
        assert response.status_code == 404


class TestCredentialSchema:
    def test_get_should_respond_the_ftp_schema(self, api: Api, server: RunningServer) -> None:
        key = server.create_key(server.create_user(), ["workflow:read"])
        response = api.get("/credentials/schema/ftp", key)
        assert response.status_code == 200
        schema = response.json()
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        for name in ("host", "username", "password"):
            assert schema["properties"][name]["type"] == "string"
        assert schema["properties"]["port"]["type"] == "number"
        assert {"host", "port"} <= set(schema["required"])

    def test_get_should_respond_404_for_an_unknown_type(self, member: Caller) -> None:
        response = member.call("GET", "/credentials/schema/testing")
        assert response.status_code == 404


class TestWorkflowCredentialReferences:
    @staticmethod
    def workflow_using(credential_id: str) -> dict[str, Any]:
        node = {
            "name": "Call",
            "type": "n8n-nodes-base.httpRequest",
            "typeVersion": 4.2,
            "position": [0, 0],
            "parameters": {"url": "http://127.0.0.1/"},
            "credentials": {"httpHeaderAuth": {"id": credential_id, "name": "Token"}},
        }
        return {"name": "uses a credential", "nodes": [node], "connections": {}, "settings": {}}

    def test_member_may_use_its_own_credential(self, member: Caller) -> None:
        own = member.create()
        response = member.call("POST", "/workflows", json=self.workflow_using(own["id"]))
        assert response.status_code == 200, response.text

    def test_member_may_not_use_another_members_credential(
        self, api: Api, server: RunningServer, member: Caller
    ) -> None:
        theirs = Caller(api, server).create()
        response = member.call("POST", "/workflows", json=self.workflow_using(theirs["id"]))
        assert response.status_code == 400
        assert theirs["id"] in response.json()["message"]
        assert '"Call"' in response.json()["message"]
        mine = member.create()
        workflow = member.call("POST", "/workflows", json=self.workflow_using(mine["id"])).json()
        update = member.call(
            "PUT", f"/workflows/{workflow['id']}", json=self.workflow_using(theirs["id"])
        )
        assert update.status_code == 400

    def test_unknown_credentials_should_be_kept_as_n8n_keeps_them(self, member: Caller) -> None:
        response = member.call("POST", "/workflows", json=self.workflow_using("fromElsewhere00"))
        assert response.status_code == 200
        assert (
            response.json()["nodes"][0]["credentials"]["httpHeaderAuth"]["id"] == "fromElsewhere00"
        )

    def test_admin_may_use_any_credential(
        self, api: Api, server: RunningServer, admin: Caller
    ) -> None:
        theirs = Caller(api, server).create()
        assert (
            admin.call("POST", "/workflows", json=self.workflow_using(theirs["id"])).status_code
            == 200
        )

    def test_deleting_a_used_credential_should_be_allowed(self, member: Caller) -> None:
        own = member.create()
        member.call("POST", "/workflows", json=self.workflow_using(own["id"]))
        assert member.call("DELETE", f"/credentials/{own['id']}").status_code == 200


def test_partial_update_should_keep_a_cached_oauth2_token(api: Api, server: RunningServer) -> None:
    """Hidden fields (the token cache) survive a merge, though clients cannot send them."""
    caller = Caller(api, server)
    created = caller.create(
        {
            "name": "oauth",
            "type": "oAuth2Api",
            "data": {
                "grantType": "clientCredentials",
                "accessTokenUrl": "http://127.0.0.1/token",
                "clientId": "id",
                "clientSecret": secret(),
            },
        }
    )

    async def cache_token(instance: Instance, session: AsyncSession) -> None:
        row = await session.get(Credential, created["id"])
        assert row is not None
        data = instance.cipher.decrypt(row.data, context(row.id))
        row.data = instance.cipher.encrypt(
            {**data, "oauthTokenData": '{"access_token":"t"}'}, context(row.id)
        )

    server.work(cache_token)
    response = caller.call(
        "PATCH",
        f"/credentials/{created['id']}",
        json={"data": {"clientId": "id-2"}, "isPartialData": True},
    )
    assert response.status_code == 200, response.text
    stored = stored_data(server, created["id"])
    assert stored["clientId"] == "id-2" and stored["oauthTokenData"] == '{"access_token":"t"}'
    refused = caller.call(
        "PATCH",
        f"/credentials/{created['id']}",
        json={"data": {"oauthTokenData": "{}"}, "isPartialData": True},
    )
    assert refused.status_code == 400


@pytest.mark.usefixtures("licence_state")
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "taken"}),
        ("DELETE", "", None),
        ("PUT", "/transfer", {"destinationProjectId": "x"}),
    ],
)
def test_cross_user_should_be_403_and_change_nothing(
    api: Api, server: RunningServer, method: str, suffix: str, body: Any
) -> None:
    """Member A against member B's credential, licence on and off (BOLA)."""
    owner, intruder = Caller(api, server), Caller(api, server)
    theirs = owner.create()
    before = owner.call("GET", f"/credentials/{theirs['id']}").json()
    response = intruder.call(method, f"/credentials/{theirs['id']}{suffix}", json=body)
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    missing = intruder.call(method, f"/credentials/doesNotExist0000{suffix}", json=body)
    assert missing.status_code == 404
    assert owner.call("GET", f"/credentials/{theirs['id']}").json() == before
