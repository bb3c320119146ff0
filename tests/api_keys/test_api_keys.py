"""`/api/v1/api-keys`: every row of the spec, plus rotation, on every backend."""

from __future__ import annotations

import time
import uuid

import pytest

from relayflow.auth.key_format import is_well_formed
from relayflow.auth.scopes import ROLE_SCOPES
from tests.support.client import Api
from tests.support.keys import (
    RAW_KEY,
    REDACTED,
    UNAUTHORIZED,
    create,
    future,
    key_id_of,
)
from tests.support.server import RunningServer

MANAGE = ["apiKey:read", "apiKey:create", "apiKey:update", "apiKey:delete"]


def label() -> str:
    return f"label-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def owner_key(server: RunningServer) -> str:
    """A key with every scope, of a fresh admin (the shared server's stand-in for an owner)."""
    return server.create_key(server.create_user("global:admin"))


@pytest.fixture
def member_key(server: RunningServer) -> str:
    return server.create_key(server.create_user("global:member"))


class TestListApiKeys:
    def test_get_should_respond_bare_array_of_redacted_keys(self, api: Api, owner_key: str) -> None:
        created = create(
            api, owner_key, "Production API Key", ["workflow:read", "workflow:execute"]
        )
        response = api.get("/api-keys", owner_key)
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list)
        item = next(entry for entry in body if entry["id"] == created["id"])
        assert set(item) == {
            "id",
            "label",
            "apiKey",
            "createdAt",
            "updatedAt",
            "expiresAt",
            "scopes",
            "lastUsedAt",
        }
        assert item["label"] == "Production API Key"
        assert REDACTED.match(item["apiKey"])
        assert item["apiKey"].endswith(created["rawApiKey"][-4:])
        assert item["expiresAt"] is None
        assert item["scopes"] == ["workflow:read", "workflow:execute"]
        assert "rawApiKey" not in item
        assert created["rawApiKey"] not in response.text

    def test_get_should_list_only_the_callers_keys(self, api: Api, server: RunningServer) -> None:
        alice, bob = server.create_user(), server.create_user()
        alice_key = server.create_key(alice, label="alice")
        server.create_key(bob, label="bob")
        labels = [item["label"] for item in api.get("/api-keys", alice_key).json()]
        assert labels == ["alice"]

    def test_get_should_show_iso_millisecond_timestamps(self, api: Api, owner_key: str) -> None:
        item = api.get("/api-keys", owner_key).json()[0]
        for field in ("createdAt", "updatedAt"):
            assert len(item[field]) == 24 and item[field].endswith("Z") and item[field][19] == "."


class TestCreateApiKey:
    def test_post_should_respond_with_raw_key_once(self, api: Api, owner_key: str) -> None:
        body = create(
            api,
            owner_key,
            "Integration API Key",
            ["workflow:read", "execution:read"],
            expiresAt=None,
        )
        assert set(body) == {
            "id",
            "label",
            "apiKey",
            "rawApiKey",
            "createdAt",
            "updatedAt",
            "expiresAt",
            "scopes",
            "lastUsedAt",
        }
        assert RAW_KEY.match(body["rawApiKey"]) and is_well_formed(body["rawApiKey"])
        assert body["apiKey"] == "n8n_api_" + "•" * 12 + body["rawApiKey"][-4:]
        assert body["scopes"] == ["workflow:read", "execution:read"]
        assert body["expiresAt"] is None
        assert body["createdAt"] == body["updatedAt"]
        assert len(body["id"]) == 16 and body["id"].isalnum()

    def test_post_should_create_a_key_that_authenticates(self, api: Api, owner_key: str) -> None:
        raw = create(api, owner_key, label(), ["apiKey:read"])["rawApiKey"]
        assert api.get("/api-keys", raw).status_code == 200

    def test_post_should_echo_a_future_expiry(self, api: Api, owner_key: str) -> None:
        expires = future(30 * 86400)
        body = create(api, owner_key, label(), ["workflow:read"], expiresAt=expires)
        assert body["expiresAt"] == expires
        listed = api.get("/api-keys", owner_key).json()
        assert next(i for i in listed if i["id"] == body["id"])["expiresAt"] == expires

    @pytest.mark.parametrize("expires", [0, 1_000_000_000, "soon", 1.5, True, 10**20])
    def test_post_should_respond_400_for_bad_expiry(
        self, api: Api, owner_key: str, expires: object
    ) -> None:
        response = api.post(
            "/api-keys",
            owner_key,
            json={"label": label(), "scopes": ["workflow:read"], "expiresAt": expires},
        )
        assert response.status_code == 400
        assert "expiresAt" in response.json()["message"] or "future" in response.json()["message"]

    def test_post_should_respond_400_for_an_expiry_now(self, api: Api, owner_key: str) -> None:
        response = api.post(
            "/api-keys",
            owner_key,
            json={"label": label(), "scopes": ["workflow:read"], "expiresAt": int(time.time())},
        )
        assert response.status_code == 400
        assert response.json() == {"message": "Expiration date must be in the future or null"}

    @pytest.mark.parametrize("bad_label", ["", "   ", "x" * 101, None, 7])
    def test_post_should_respond_400_for_bad_label(
        self, api: Api, owner_key: str, bad_label: object
    ) -> None:
        response = api.post(
            "/api-keys", owner_key, json={"label": bad_label, "scopes": ["workflow:read"]}
        )
        assert response.status_code == 400
        assert "label" in response.json()["message"]

    def test_post_should_accept_a_100_character_label(self, api: Api, owner_key: str) -> None:
        assert create(api, owner_key, "x" * 100, ["workflow:read"])["label"] == "x" * 100

    def test_post_should_respond_400_for_missing_fields(self, api: Api, owner_key: str) -> None:
        response = api.post("/api-keys", owner_key, json={"label": label()})
        assert response.status_code == 400
        assert response.json() == {"message": "request/body must have required property 'scopes'"}

    def test_post_should_respond_400_for_unknown_fields(self, api: Api, owner_key: str) -> None:
        response = api.post(
            "/api-keys",
            owner_key,
            json={"label": label(), "scopes": ["workflow:read"], "admin": True},
        )
        assert response.status_code == 400
        assert "admin" in response.json()["message"]

    def test_post_should_respond_409_for_a_duplicate_label(self, api: Api, owner_key: str) -> None:
        name = label()
        create(api, owner_key, name, ["workflow:read"])
        response = api.post("/api-keys", owner_key, json={"label": name, "scopes": ["tag:read"]})
        assert response.status_code == 409
        assert name in response.json()["message"]

    def test_post_should_allow_the_same_label_for_another_user(
        self, api: Api, server: RunningServer
    ) -> None:
        first = server.create_key(server.create_user(), label="shared-label")
        second = server.create_key(server.create_user(), label="shared-label")
        assert first != second

    def test_post_should_respond_400_for_empty_scopes(self, api: Api, owner_key: str) -> None:
        response = api.post("/api-keys", owner_key, json={"label": label(), "scopes": []})
        assert response.status_code == 400

    def test_post_should_name_every_offending_scope(self, api: Api, owner_key: str) -> None:
        scopes = ["workflow:read", "Workflow:Read", "foo:bar", "workflow:read", "nonsense"]
        response = api.post("/api-keys", owner_key, json={"label": label(), "scopes": scopes})
        assert response.status_code == 400
        message = response.json()["message"]
        for offender in ("Workflow:Read", "foo:bar", "nonsense", "duplicate scopes: workflow:read"):
            assert offender in message

    def test_post_should_respond_400_for_scopes_beyond_the_member_role(
        self, api: Api, member_key: str
    ) -> None:
        response = api.post(
            "/api-keys",
            member_key,
            json={"label": label(), "scopes": ["workflow:read", "user:create", "tag:delete"]},
        )
        assert response.status_code == 400
        message = response.json()["message"]
        assert "user:create" in message and "tag:delete" in message
        assert "workflow:read" not in message.split("global:member")[1]

    def test_post_should_respond_403_when_a_key_grants_what_it_lacks(
        self, api: Api, server: RunningServer
    ) -> None:
        key = server.create_key(
            server.create_user("global:admin"), ["apiKey:create", "workflow:read"]
        )
        response = api.post(
            "/api-keys",
            key,
            json={"label": label(), "scopes": ["workflow:read", "workflow:delete"]},
        )
        assert response.status_code == 403
        assert "workflow:delete" in response.json()["message"]
        allowed = api.post("/api-keys", key, json={"label": label(), "scopes": ["workflow:read"]})
        assert allowed.status_code == 200

    def test_post_should_respond_400_for_malformed_json(self, api: Api, owner_key: str) -> None:
        response = api.post(
            "/api-keys",
            owner_key,
            content=b'{"label": ',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json() == {"message": "Malformed JSON in the request body"}

    def test_post_should_respond_400_for_a_non_object_body(self, api: Api, owner_key: str) -> None:
        response = api.post("/api-keys", owner_key, json=["label"])
        assert response.status_code == 400


class TestUpdateApiKey:
    def test_patch_should_change_label_and_scopes(self, api: Api, owner_key: str) -> None:
        created = create(api, owner_key, label(), ["workflow:read"])
        response = api.patch(
            f"/api-keys/{created['id']}",
            owner_key,
            json={"label": "Updated API Key", "scopes": ["workflow:read", "workflow:update"]},
        )
        assert response.status_code == 200
        assert response.json() == {"success": True}
        item = next(i for i in api.get("/api-keys", owner_key).json() if i["id"] == created["id"])
        assert item["label"] == "Updated API Key"
        assert item["scopes"] == ["workflow:read", "workflow:update"]
        assert item["apiKey"] == created["apiKey"]

    def test_patch_should_not_change_the_expiry(self, api: Api, owner_key: str) -> None:
        expires = future(86400)
        created = create(api, owner_key, label(), ["workflow:read"], expiresAt=expires)
        response = api.patch(
            f"/api-keys/{created['id']}",
            owner_key,
            json={"label": label(), "expiresAt": future(999_999)},
        )
        assert response.status_code == 200
        item = next(i for i in api.get("/api-keys", owner_key).json() if i["id"] == created["id"])
        assert item["expiresAt"] == expires

    def test_patch_should_respond_400_without_changes(self, api: Api, owner_key: str) -> None:
        created = create(api, owner_key, label(), ["workflow:read"])
        assert api.patch(f"/api-keys/{created['id']}", owner_key, json={}).status_code == 400

    def test_patch_should_respond_400_for_unknown_fields(self, api: Api, owner_key: str) -> None:
        created = create(api, owner_key, label(), ["workflow:read"])
        response = api.patch(f"/api-keys/{created['id']}", owner_key, json={"userId": "x"})
        assert response.status_code == 400
        assert "userId" in response.json()["message"]

    def test_patch_should_respond_409_for_a_duplicate_label(self, api: Api, owner_key: str) -> None:
        first = create(api, owner_key, label(), ["workflow:read"])
        second = create(api, owner_key, label(), ["workflow:read"])
        response = api.patch(f"/api-keys/{second['id']}", owner_key, json={"label": first["label"]})
        assert response.status_code == 409

    def test_patch_should_respond_404_for_another_users_key_like_a_missing_one(
        self, api: Api, server: RunningServer
    ) -> None:
        alice, bob = server.create_user(), server.create_user()
        alice_key = server.create_key(alice)
        bob_key = server.create_key(bob, ["workflow:read"], label="bob-key")
        bob_listing = server.create_key(bob, ["apiKey:read"], label="bob-lister")
        bob_key_id = key_id_of(api, bob_listing, "bob-key")
        foreign = api.patch(
            f"/api-keys/{bob_key_id}", alice_key, json={"scopes": ["workflow:delete"]}
        )
        missing = api.patch("/api-keys/doesNotExist0000", alice_key, json={"label": "x"})
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["message"].replace(bob_key_id, "ID") == missing.json()[
            "message"
        ].replace("doesNotExist0000", "ID")
        item = next(i for i in api.get("/api-keys", bob_listing).json() if i["id"] == bob_key_id)
        assert item["scopes"] == ["workflow:read"]
        assert api.get("/api-keys/scopes", bob_key).status_code == 200

    def test_patch_should_respond_403_when_widening_beyond_the_callers_scopes(
        self, api: Api, server: RunningServer
    ) -> None:
        user = server.create_user("global:admin")
        manager = server.create_key(
            user, ["apiKey:read", "apiKey:update", "workflow:read"], label="manager"
        )
        server.create_key(user, ["workflow:read", "user:delete"], label="target")
        target_id = key_id_of(api, manager, "target")
        widened = api.patch(
            f"/api-keys/{target_id}",
            manager,
            json={"scopes": ["workflow:read", "user:delete", "workflow:delete"]},
        )
        assert widened.status_code == 403
        assert "workflow:delete" in widened.json()["message"]
        narrowed = api.patch(f"/api-keys/{target_id}", manager, json={"scopes": ["user:delete"]})
        assert narrowed.status_code == 200

    def test_patch_should_apply_new_scopes_on_the_next_request(
        self, api: Api, licensed: RunningServer
    ) -> None:
        user = licensed.create_user("global:admin")
        key = licensed.create_key(user, MANAGE, label="self")
        own_id = key_id_of(api, key, "self")
        assert api.get("/users", key).status_code == 403
        assert (
            api.patch(
                f"/api-keys/{own_id}", key, json={"scopes": ["apiKey:read", "apiKey:update"]}
            ).status_code
            == 200
        )
        assert (
            api.post(
                "/api-keys", key, json={"label": label(), "scopes": ["apiKey:read"]}
            ).status_code
            == 403
        )


class TestDeleteApiKey:
    def test_delete_should_revoke_the_key_at_once(self, api: Api, owner_key: str) -> None:
        created = create(api, owner_key, label(), ["apiKey:read"])
        raw = created["rawApiKey"]
        assert api.get("/api-keys", raw).status_code == 200
        response = api.delete(f"/api-keys/{created['id']}", owner_key)
        assert response.status_code == 200
        assert response.json() == {"success": True}
        refused = api.get("/api-keys", raw)
        assert refused.status_code == 401
        assert refused.json() == UNAUTHORIZED

    def test_delete_should_respond_404_for_another_users_key(
        self, api: Api, server: RunningServer
    ) -> None:
        alice, bob = server.create_user(), server.create_user()
        alice_key = server.create_key(alice)
        bob_key = server.create_key(bob, label="bob")
        bob_id = key_id_of(api, bob_key, "bob")
        assert api.delete(f"/api-keys/{bob_id}", alice_key).status_code == 404
        assert api.delete("/api-keys/doesNotExist0000", alice_key).status_code == 404
        assert api.get("/api-keys", bob_key).status_code == 200

    def test_delete_should_allow_a_key_to_delete_itself(
        self, api: Api, server: RunningServer
    ) -> None:
        key = server.create_key(server.create_user(), label="me")
        own_id = key_id_of(api, key, "me")
        assert api.delete(f"/api-keys/{own_id}", key).status_code == 200
        assert api.get("/api-keys", key).status_code == 401


class TestAvailableScopes:
    def test_get_should_list_the_owner_role_scopes(self, api: Api, owner_key: str) -> None:
        response = api.get("/api-keys/scopes", owner_key)
        assert response.status_code == 200
        body = response.json()
        assert body == list(ROLE_SCOPES["global:admin"])
        spec = [
            "workflow:read",
            "workflow:create",
            "workflow:update",
            "workflow:delete",
            "workflow:execute",
            "workflow:list",
            "workflow:activate",
            "workflow:deactivate",
            "credential:read",
            "credential:create",
            "credential:update",
            "credential:delete",
            "credential:list",
            "execution:read",
            "execution:list",
            "execution:retry",
            "execution:stop",
            "execution:delete",
        ]
        assert set(spec) <= set(body)
        assert {
            "tag:delete",
            "user:changeRole",
            "project:create",
            "variable:list",
            "securityAudit:generate",
            "workflowTags:update",
            "workflow:move",
            "credential:move",
            "apiKey:create",
        } <= set(body)

    def test_get_should_list_the_member_role_scopes(self, api: Api, member_key: str) -> None:
        body = api.get("/api-keys/scopes", member_key).json()
        assert "workflow:read" in body and "tag:create" in body and "apiKey:create" in body
        for excluded in (
            "tag:delete",
            "user:list",
            "project:list",
            "variable:list",
            "securityAudit:generate",
        ):
            assert excluded not in body

    def test_get_should_need_no_scope(
        self, api: Api, server: RunningServer, licensed: RunningServer
    ) -> None:
        key = server.create_key(server.create_user(), ["workflow:read"])
        assert api.get("/api-keys/scopes", key).status_code == 200


class TestRotateApiKey:
    def test_post_should_issue_a_new_key_and_refuse_the_old_one(
        self, api: Api, owner_key: str
    ) -> None:
        expires = future(7 * 86400)
        created = create(api, owner_key, label(), ["apiKey:read"], expiresAt=expires)
        response = api.post(
            f"/api-keys/{created['id']}/rotate", owner_key, json={"gracePeriodSeconds": 0}
        )
        assert response.status_code == 200
        rotated = response.json()
        assert rotated["id"] == created["id"]
        assert rotated["label"] == created["label"]
        assert rotated["scopes"] == created["scopes"]
        assert rotated["expiresAt"] == expires
        assert rotated["rawApiKey"] != created["rawApiKey"] and RAW_KEY.match(rotated["rawApiKey"])
        assert rotated["apiKey"].endswith(rotated["rawApiKey"][-4:])
        assert api.get("/api-keys", created["rawApiKey"]).json() == UNAUTHORIZED
        assert api.get("/api-keys", rotated["rawApiKey"]).status_code == 200

    def test_post_should_keep_the_old_key_during_the_grace_period(
        self, api: Api, owner_key: str
    ) -> None:
        created = create(api, owner_key, label(), ["apiKey:read"])
        old = created["rawApiKey"]
        assert api.get("/api-keys", old).status_code == 200  # warm the cache
        rotated = api.post(
            f"/api-keys/{created['id']}/rotate", owner_key, json={"gracePeriodSeconds": 1}
        ).json()
        assert api.get("/api-keys", old).status_code == 200
        assert api.get("/api-keys", rotated["rawApiKey"]).status_code == 200
        time.sleep(1.2)
        assert api.get("/api-keys", old).json() == UNAUTHORIZED
        assert api.get("/api-keys", rotated["rawApiKey"]).status_code == 200

    def test_post_should_default_to_no_grace(self, api: Api, owner_key: str) -> None:
        created = create(api, owner_key, label(), ["apiKey:read"])
        assert api.post(f"/api-keys/{created['id']}/rotate", owner_key).status_code == 200
        assert api.get("/api-keys", created["rawApiKey"]).status_code == 401

    @pytest.mark.parametrize("grace", [-1, 86401, "1h"])
    def test_post_should_respond_400_for_a_bad_grace_period(
        self, api: Api, owner_key: str, grace: object
    ) -> None:
        created = create(api, owner_key, label(), ["apiKey:read"])
        response = api.post(
            f"/api-keys/{created['id']}/rotate", owner_key, json={"gracePeriodSeconds": grace}
        )
        assert response.status_code == 400

    def test_post_should_respond_404_for_another_users_key(
        self, api: Api, server: RunningServer
    ) -> None:
        bob_key = server.create_key(server.create_user(), label="bob")
        bob_id = key_id_of(api, bob_key, "bob")
        alice_key = server.create_key(server.create_user())
        assert api.post(f"/api-keys/{bob_id}/rotate", alice_key).status_code == 404
        assert api.get("/api-keys", bob_key).status_code == 200
