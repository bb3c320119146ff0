"""`/rest/api-keys`: the web UI's session-authenticated twins of the key endpoints."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from relayflow.db.models import User
from tests.support.client import Api
from tests.support.server import RunningServer

RAW_KEY = re.compile(r"^n8n_api_[0-9A-Za-z]{46}$")
REDACTED = re.compile(r"^n8n_api_•{12}[0-9A-Za-z]{4}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SUCCESS = {"data": {"success": True}}
UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
KEY_FIELDS = {
    "id",
    "label",
    "userId",
    "apiKey",
    "scopes",
    "createdAt",
    "updatedAt",
    "expiresAt",
    "lastUsedAt",
}

# n8n's role lists (reference §5.1).
N8N_OWNER_SCOPES = {
    "user:read", "user:list", "user:create", "user:changeRole", "user:delete", "user:enforceMfa",
    "sourceControl:pull", "securityAudit:generate", "project:create", "project:update",
    "project:delete", "project:list", "variable:create", "variable:delete", "variable:list",
    "variable:update", "tag:create", "tag:read", "tag:update", "tag:delete", "tag:list",
    "workflowTags:update", "workflowTags:list", "workflow:create", "workflow:read",
    "workflow:update", "workflow:delete", "workflow:list", "workflow:move", "workflow:activate",
    "workflow:deactivate", "execution:delete", "execution:read", "execution:list",
    "credential:create", "credential:move", "credential:delete",
}  # fmt: skip
N8N_MEMBER_SCOPES = {
    "tag:create", "tag:read", "tag:update", "tag:list", "workflowTags:update",
    "workflowTags:list", "workflow:create", "workflow:read", "workflow:update", "workflow:delete",
    "workflow:list", "workflow:move", "workflow:activate", "workflow:deactivate",
    "execution:delete", "execution:read", "execution:list", "credential:create",
    "credential:move", "credential:delete",
}  # fmt: skip
NOT_FOR_MEMBERS = {"user:list", "tag:delete", "securityAudit:generate"}


# -- helpers ---------------------------------------------------------------------------------


def label() -> str:
    return f"ui-{uuid.uuid4().hex[:8]}"


def create(client: httpx.Client, scopes: list[str], **extra: object) -> dict:
    """Create a key in the UI and return `data` (asserting 200)."""
    body = {"label": label(), "scopes": scopes, "expiresAt": None, **extra}
    response = client.post("/rest/api-keys", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def listed(client: httpx.Client) -> dict[str, dict]:
    """The signed-in user's keys, by id."""
    response = client.get("/rest/api-keys")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["data"]}


class Signed:
    """A user with a signed-in browser."""

    def __init__(self, api: Api, user: User) -> None:
        self.user = user
        self.browser = api.signed_in(user.email)


@pytest.fixture
def admin(api: Api, server: RunningServer) -> Iterator[Signed]:
    """A signed-in admin (the shared server's stand-in for the owner)."""
    signed = Signed(api, server.create_user("global:admin"))
    with closing(signed.browser):
        yield signed


@pytest.fixture
def member(api: Api, server: RunningServer) -> Iterator[Signed]:
    signed = Signed(api, server.create_user("global:member"))
    with closing(signed.browser):
        yield signed


# -- POST /rest/api-keys ---------------------------------------------------------------------


class TestCreateKey:
    def test_post_should_respond_200_with_raw_key_and_user_id(self, admin: Signed) -> None:
        response = admin.browser.post(
            "/rest/api-keys",
            json={"label": "UI key", "scopes": ["workflow:read", "user:create"], "expiresAt": None},
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data"}
        data = body["data"]
        assert set(data) == KEY_FIELDS | {"rawApiKey"}
        assert data["label"] == "UI key"
        assert data["userId"] == admin.user.id
        assert data["scopes"] == ["workflow:read", "user:create"]
        assert data["expiresAt"] is None
        assert RAW_KEY.match(data["rawApiKey"])
        assert REDACTED.match(data["apiKey"])
        assert data["apiKey"].endswith(data["rawApiKey"][-4:])
        assert ISO_MS.match(data["createdAt"]) and ISO_MS.match(data["updatedAt"])

    def test_post_should_echo_the_expiry(self, admin: Signed) -> None:
        expires = int(time.time()) + 3600
        data = create(admin.browser, ["workflow:read"], expiresAt=expires)
        assert data["expiresAt"] == expires
        assert listed(admin.browser)[data["id"]]["expiresAt"] == expires

    def test_post_should_make_a_key_that_works_on_the_public_api(
        self, api: Api, admin: Signed
    ) -> None:
        data = create(admin.browser, ["apiKey:read", "user:list"])
        response = api.get("/api-keys", data["rawApiKey"])
        assert response.status_code == 200
        assert data["id"] in {item["id"] for item in response.json()}
        assert api.get("/users", data["rawApiKey"]).status_code == 200

    def test_post_should_respond_400_on_invalid_scope(self, admin: Signed) -> None:
        response = admin.browser.post(
            "/rest/api-keys", json={"label": label(), "scopes": ["wrong"], "expiresAt": None}
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"code", "message"} and body["code"] == 400
        assert "wrong" in body["message"]

    @pytest.mark.parametrize(
        "body",
        [
            {"label": "x", "scopes": []},
            {"label": "x"},
            {"scopes": ["workflow:read"]},
            {"label": "", "scopes": ["workflow:read"]},
            {"label": "x", "scopes": ["workflow:read"], "expiresAt": 1},
            {"label": "x", "scopes": ["workflow:read"], "unexpected": True},
        ],
        ids=["no-scopes", "scopes-missing", "label-missing", "empty-label", "past", "extra"],
    )
    def test_post_should_respond_400_on_invalid_body(
        self, admin: Signed, body: dict[str, object]
    ) -> None:
        response = admin.browser.post("/rest/api-keys", json=body)
        assert response.status_code == 400
        assert response.json()["code"] == 400

    def test_post_should_respond_400_when_member_asks_for_owner_only_scope(
        self, member: Signed
    ) -> None:
        response = member.browser.post(
            "/rest/api-keys",
            json={"label": label(), "scopes": ["workflow:read", "user:list"], "expiresAt": None},
        )
        assert response.status_code == 400
        assert "user:list" in response.json()["message"]
        assert listed(member.browser) == {}

    def test_post_should_let_an_admin_ask_for_user_create(self, admin: Signed) -> None:
        assert create(admin.browser, ["user:create"])["scopes"] == ["user:create"]

    def test_post_should_respond_409_on_duplicate_label(self, admin: Signed) -> None:
        first = create(admin.browser, ["workflow:read"])
        response = admin.browser.post(
            "/rest/api-keys", json={"label": first["label"], "scopes": ["workflow:read"]}
        )
        assert response.status_code == 409
        assert response.json()["code"] == 409

    def test_post_should_respond_401_without_session(self, api: Api) -> None:
        with api.browser() as client:
            response = client.post(
                "/rest/api-keys", json={"label": label(), "scopes": ["workflow:read"]}
            )
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED

    @pytest.mark.parametrize(
        "headers",
        [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
        ids=["foreign-origin", "sec-fetch-site"],
    )
    def test_post_should_respond_403_cross_site(
        self, admin: Signed, headers: dict[str, str]
    ) -> None:
        response = admin.browser.post(
            "/rest/api-keys",
            json={"label": label(), "scopes": ["workflow:read"]},
            headers=headers,
        )
        assert response.status_code == 403
        assert listed(admin.browser) == {}


# -- GET /rest/api-keys ----------------------------------------------------------------------


class TestListKeys:
    def test_get_should_respond_redacted_keys_in_data(self, admin: Signed) -> None:
        created = create(admin.browser, ["workflow:read"])
        response = admin.browser.get("/rest/api-keys")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data"}
        [item] = body["data"]
        assert set(item) == KEY_FIELDS
        assert item["id"] == created["id"]
        assert item["userId"] == admin.user.id
        assert item["apiKey"] == "n8n_api_" + "•" * 12 + created["rawApiKey"][-4:]
        assert created["rawApiKey"] not in response.text
        assert item["scopes"] == ["workflow:read"]

    def test_get_should_list_only_the_callers_keys(
        self, server: RunningServer, admin: Signed, member: Signed
    ) -> None:
        mine = create(admin.browser, ["workflow:read"])
        create(member.browser, ["workflow:read"])
        server.create_key(server.create_user())
        assert list(listed(admin.browser)) == [mine["id"]]

    def test_get_should_include_keys_created_through_the_api(
        self, server: RunningServer, admin: Signed
    ) -> None:
        server.create_key(admin.user, ["tag:read"], label="from-the-api")
        [item] = listed(admin.browser).values()
        assert item["label"] == "from-the-api"
        assert item["scopes"] == ["tag:read"]

    def test_get_should_respond_401_without_session(self, api: Api) -> None:
        with api.browser() as client:
            response = client.get("/rest/api-keys")
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED


# -- PATCH /rest/api-keys/{id} ---------------------------------------------------------------


class TestUpdateKey:
    def test_patch_should_respond_success_and_change_label_and_scopes(self, admin: Signed) -> None:
        key = create(admin.browser, ["workflow:read"])
        response = admin.browser.patch(
            f"/rest/api-keys/{key['id']}",
            json={"label": "renamed", "scopes": ["tag:read", "user:list"]},
        )
        assert response.status_code == 200
        assert response.json() == SUCCESS
        item = listed(admin.browser)[key["id"]]
        assert (item["label"], item["scopes"]) == ("renamed", ["tag:read", "user:list"])

    def test_patch_should_not_change_the_expiry(self, admin: Signed) -> None:
        expires = int(time.time()) + 3600
        key = create(admin.browser, ["workflow:read"], expiresAt=expires)
        response = admin.browser.patch(
            f"/rest/api-keys/{key['id']}",
            json={"label": key["label"], "scopes": ["workflow:read"], "expiresAt": expires + 99},
        )
        assert response.status_code == 200
        assert listed(admin.browser)[key["id"]]["expiresAt"] == expires

    def test_patch_should_apply_new_scopes_on_the_next_request(
        self, api: Api, admin: Signed, licensed: RunningServer
    ) -> None:
        key = create(admin.browser, ["user:list"])
        assert api.get("/users", key["rawApiKey"]).status_code == 200  # warm every cache
        admin.browser.patch(f"/rest/api-keys/{key['id']}", json={"scopes": ["tag:read"]})
        assert api.get("/users", key["rawApiKey"]).status_code == 403

    def test_patch_should_respond_400_when_member_asks_for_owner_only_scope(
        self, member: Signed
    ) -> None:
        key = create(member.browser, ["workflow:read"])
        response = member.browser.patch(
            f"/rest/api-keys/{key['id']}", json={"scopes": ["workflow:read", "tag:delete"]}
        )
        assert response.status_code == 400
        assert "tag:delete" in response.json()["message"]
        assert listed(member.browser)[key["id"]]["scopes"] == ["workflow:read"]

    def test_patch_should_respond_400_on_invalid_scope(self, admin: Signed) -> None:
        key = create(admin.browser, ["workflow:read"])
        response = admin.browser.patch(f"/rest/api-keys/{key['id']}", json={"scopes": ["wrong"]})
        assert response.status_code == 400

    def test_patch_should_respond_404_for_another_users_key(
        self, api: Api, admin: Signed, member: Signed
    ) -> None:
        theirs = create(admin.browser, ["workflow:read"])
        response = member.browser.patch(
            f"/rest/api-keys/{theirs['id']}", json={"label": "hijacked"}
        )
        assert response.status_code == 404
        assert response.json()["code"] == 404
        assert listed(admin.browser)[theirs["id"]]["label"] == theirs["label"]

    def test_patch_should_answer_unknown_and_foreign_ids_alike(
        self, admin: Signed, member: Signed
    ) -> None:
        theirs = create(admin.browser, ["workflow:read"])
        foreign = member.browser.patch(f"/rest/api-keys/{theirs['id']}", json={"label": "x"})
        unknown = member.browser.patch("/rest/api-keys/AAAAAAAAAAAAAAAA", json={"label": "x"})
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json()["message"].replace(theirs["id"], "ID") == unknown.json()[
            "message"
        ].replace("AAAAAAAAAAAAAAAA", "ID")

    def test_patch_should_respond_401_without_session(self, api: Api, admin: Signed) -> None:
        key = create(admin.browser, ["workflow:read"])
        with api.browser() as client:
            response = client.patch(f"/rest/api-keys/{key['id']}", json={"label": "x"})
            assert response.status_code == 401


# -- DELETE /rest/api-keys/{id} --------------------------------------------------------------


class TestDeleteKey:
    def test_delete_should_respond_success_and_revoke_at_once(
        self, api: Api, admin: Signed
    ) -> None:
        key = create(admin.browser, ["apiKey:read"])
        assert api.get("/api-keys", key["rawApiKey"]).status_code == 200  # warm every cache
        response = admin.browser.delete(f"/rest/api-keys/{key['id']}")
        assert response.status_code == 200
        assert response.json() == SUCCESS
        assert listed(admin.browser) == {}
        refused = api.get("/api-keys", key["rawApiKey"])
        assert refused.status_code == 401
        assert refused.json() == {"message": "unauthorized"}

    def test_delete_should_respond_404_for_another_users_key(
        self, api: Api, admin: Signed, member: Signed
    ) -> None:
        theirs = create(admin.browser, ["apiKey:read"])
        response = member.browser.delete(f"/rest/api-keys/{theirs['id']}")
        assert response.status_code == 404
        assert response.json()["code"] == 404
        assert theirs["id"] in listed(admin.browser)
        assert api.get("/api-keys", theirs["rawApiKey"]).status_code == 200

    def test_delete_should_respond_404_for_unknown_key(self, admin: Signed) -> None:
        response = admin.browser.delete("/rest/api-keys/AAAAAAAAAAAAAAAA")
        assert response.status_code == 404

    def test_delete_should_respond_401_without_session(self, api: Api, admin: Signed) -> None:
        key = create(admin.browser, ["workflow:read"])
        with api.browser() as client:
            assert client.delete(f"/rest/api-keys/{key['id']}").status_code == 401
        assert key["id"] in listed(admin.browser)


class TestKeyChangesCrossSite:
    @pytest.mark.parametrize(
        "headers",
        [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
        ids=["foreign-origin", "sec-fetch-site"],
    )
    def test_patch_and_delete_should_respond_403_cross_site(
        self, admin: Signed, headers: dict[str, str]
    ) -> None:
        key = create(admin.browser, ["workflow:read"])
        path = f"/rest/api-keys/{key['id']}"
        patched = admin.browser.patch(path, json={"label": "cross"}, headers=headers)
        assert patched.status_code == 403
        assert admin.browser.delete(path, headers=headers).status_code == 403
        rotated = admin.browser.post(f"{path}/rotate", json={}, headers=headers)
        assert rotated.status_code == 403
        assert listed(admin.browser)[key["id"]]["label"] == key["label"]


# -- POST /rest/api-keys/{id}/rotate ---------------------------------------------------------


class TestRotateKey:
    def test_post_should_respond_a_new_raw_key_and_retire_the_old(
        self, api: Api, admin: Signed
    ) -> None:
        key = create(admin.browser, ["apiKey:read"])
        response = admin.browser.post(f"/rest/api-keys/{key['id']}/rotate", json={})
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["id"] == key["id"]
        assert data["userId"] == admin.user.id
        assert RAW_KEY.match(data["rawApiKey"]) and data["rawApiKey"] != key["rawApiKey"]
        assert api.get("/api-keys", key["rawApiKey"]).status_code == 401
        assert api.get("/api-keys", data["rawApiKey"]).status_code == 200

    def test_post_should_respond_404_for_another_users_key(
        self, admin: Signed, member: Signed
    ) -> None:
        theirs = create(admin.browser, ["apiKey:read"])
        response = member.browser.post(f"/rest/api-keys/{theirs['id']}/rotate", json={})
        assert response.status_code == 404


# -- GET /rest/api-keys/scopes ---------------------------------------------------------------


class TestListScopes:
    def test_get_should_respond_the_admin_role_list(self, api: Api, admin: Signed) -> None:
        response = admin.browser.get("/rest/api-keys/scopes")
        assert response.status_code == 200
        scopes = response.json()["data"]
        assert set(scopes) >= N8N_OWNER_SCOPES
        assert len(scopes) == len(set(scopes))
        assert set(scopes) == set(self._public_list(api, admin.user))

    def test_get_should_offer_every_n8n_owner_scope_to_an_admin(self, admin: Signed) -> None:
        scopes = set(admin.browser.get("/rest/api-keys/scopes").json()["data"])
        assert N8N_OWNER_SCOPES - scopes == set()

    def test_get_should_respond_the_member_role_list(self, api: Api, member: Signed) -> None:
        response = member.browser.get("/rest/api-keys/scopes")
        assert response.status_code == 200
        scopes = set(response.json()["data"])
        assert scopes >= N8N_MEMBER_SCOPES
        assert not NOT_FOR_MEMBERS & scopes
        assert not {s for s in scopes if s.split(":")[0] in {"user", "project", "variable"}}
        assert scopes == set(self._public_list(api, member.user))

    def test_get_should_respond_401_without_session(self, api: Api) -> None:
        with api.browser() as client:
            response = client.get("/rest/api-keys/scopes")
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED

    @staticmethod
    def _public_list(api: Api, user: User) -> list[str]:
        """What `GET /api/v1/api-keys/scopes` says for the same user."""
        key = api.server.create_key(user, ["workflow:read"])
        response = api.get("/api-keys/scopes", key)
        assert response.status_code == 200
        return response.json()
