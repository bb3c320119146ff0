"""`/api/v1/users`: n8n's public users API for owner and admin keys, on every backend."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from urllib.parse import parse_qs, urlsplit

import pytest

from relayflow.db.models import User
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer, Variant

INVALID_CURSOR = {"message": "An invalid cursor was provided"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
USER_FIELDS = {"id", "email", "firstName", "lastName", "createdAt", "updatedAt", "isPending"}

# n8n's owner-only API-key scopes (reference §5.1: owner list minus member list).
OWNER_ONLY = {
    "user:read",
    "user:list",
    "user:create",
    "user:changeRole",
    "user:delete",
    "user:enforceMfa",
    "sourceControl:pull",
    "securityAudit:generate",
    "project:create",
    "project:update",
    "project:delete",
    "project:list",
    "variable:create",
    "variable:delete",
    "variable:list",
    "variable:update",
    "tag:delete",
}


# -- helpers ---------------------------------------------------------------------------------


def new_email(prefix: str = "invitee") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def admin_with_key(server: RunningServer, scopes: list[str] | None = None) -> tuple[User, str]:
    """A fresh admin (the shared server's stand-in for the owner) and a key of it."""
    admin = server.create_user("global:admin")
    return admin, server.create_key(admin, scopes)


def member_key(server: RunningServer) -> str:
    return server.create_key(server.create_user("global:member"))


def invite(api: Api, key: str, *entries: dict[str, object]) -> list[dict]:
    """Invite through the API, asserting 201, and return the result array."""
    response = api.post("/users", key, json=list(entries))
    assert response.status_code == 201, response.text
    return response.json()


def invited_id(api: Api, key: str, role: str | None = None) -> str:
    """The id of a freshly invited (pending) user."""
    entry: dict[str, object] = {"email": new_email()}
    if role:
        entry["role"] = role
    return invite(api, key, entry)[0]["user"]["id"]


def role_of(api: Api, key: str, identifier: str) -> str:
    response = api.get(f"/users/{identifier}", key, params={"includeRole": "true"})
    assert response.status_code == 200, response.text
    return response.json()["role"]


def walk(api: Api, key: str, limit: int = 250, **params: object) -> list[list[dict]]:
    """Every page of `GET /users` with page size `limit`, following `nextCursor`."""
    pages: list[list[dict]] = []
    query: dict[str, object] = {"limit": limit, **params}
    while True:
        response = api.get("/users", key, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        pages.append(body["data"])
        if body["nextCursor"] is None:
            return pages
        query = {"cursor": body["nextCursor"], **params}


def everyone(api: Api, key: str, **params: object) -> dict[str, dict]:
    """Every user `GET /users` lists, by id."""
    return {user["id"]: user for page in walk(api, key, **params) for user in page}


def cursor_of(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


class Owned:
    """A server of its own with an owner (only one may exist), and an admin key on it."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.owner = server.create_user("global:owner")
        self.admin, self.admin_key = admin_with_key(server)


@pytest.fixture(scope="module")
def owned(variant: Variant, make_server: Callable[..., RunningServer]) -> Owned:
    return Owned(make_server(variant))


@pytest.fixture(scope="module")
def owned_api(owned: Owned) -> Iterator[Api]:
    with Api(owned.server) as client:
        yield client


# -- GET /users ------------------------------------------------------------------------------


class TestListUsers:
    def test_get_should_respond_401_without_key(self, api: Api) -> None:
        response = api.get("/users")
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED

    def test_get_should_respond_401_with_wrong_key(self, api: Api) -> None:
        response = api.get("/users", "n8n_api_" + "A" * 46)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED

    def test_get_should_respond_200_with_data_and_next_cursor(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        response = api.get("/users", key)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        assert isinstance(body["data"], list)
        assert body["nextCursor"] is None or isinstance(body["nextCursor"], str)
        assert admin.id in everyone(api, key)

    def test_get_should_show_n8n_user_fields_without_password_or_role(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        users = everyone(api, key)
        mine = users[admin.id]
        assert set(mine) == USER_FIELDS
        assert mine["email"] == admin.email
        assert (mine["firstName"], mine["lastName"]) == ("Test", "admin")
        assert mine["isPending"] is False
        for user in users.values():
            assert UUID.match(user["id"]), user["id"]
            assert ISO_MS.match(user["createdAt"]), user["createdAt"]
            assert ISO_MS.match(user["updatedAt"]), user["updatedAt"]
            assert "role" not in user
            assert not {"password", "passwordHash", "personalizationAnswers"} & set(user)

    def test_get_should_include_role_when_asked(self, api: Api, server: RunningServer) -> None:
        admin, key = admin_with_key(server)
        member = server.create_user("global:member")
        users = everyone(api, key, includeRole="true")
        assert users[admin.id]["role"] == "global:admin"
        assert users[member.id]["role"] == "global:member"
        assert set(users[admin.id]) == USER_FIELDS | {"role"}

    def test_get_should_list_invited_users_as_pending_with_all_fields(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        pending = invited_id(api, key)
        user = everyone(api, key)[pending]
        assert user["isPending"] is True
        assert set(user) == USER_FIELDS
        assert user["firstName"] is None and user["lastName"] is None

    def test_get_should_page_with_limit_and_opaque_cursor(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        server.create_user()
        first = api.get("/users", key, params={"limit": 1}).json()
        assert len(first["data"]) == 1
        assert isinstance(first["nextCursor"], str)
        second = api.get("/users", key, params={"cursor": first["nextCursor"]}).json()
        assert len(second["data"]) == 1
        assert second["data"][0]["id"] != first["data"][0]["id"]
        assert second["nextCursor"] != first["nextCursor"]

    def test_get_should_visit_every_user_once_across_pages(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        created = {server.create_user().id for _ in range(3)}
        whole = [user["id"] for page in walk(api, key, 250) for user in page]
        pages = walk(api, key, 7)
        paged = [user["id"] for page in pages for user in page]
        assert paged == whole
        assert len(set(paged)) == len(paged)
        assert created <= set(paged)
        assert all(len(page) == 7 for page in pages[:-1])
        assert 1 <= len(pages[-1]) <= 7

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            base64.b64encode(b"not json").decode(),
            cursor_of([1, 2]),
            cursor_of({"limit": "ten", "offset": 0}),
            cursor_of({"limit": 10, "offset": -1}),
        ],
        ids=["garbage", "not-json", "array", "string-limit", "negative-offset"],
    )
    def test_get_should_respond_400_on_invalid_cursor(
        self, api: Api, server: RunningServer, cursor: str
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/users", key, params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json() == INVALID_CURSOR

    def test_get_should_respond_400_on_limit_over_250(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/users", key, params={"limit": 251})
        assert response.status_code == 400
        assert response.json() == {"message": "request/query/limit must be <= 250"}


# -- GET /users/{id} -------------------------------------------------------------------------


class TestGetUser:
    def test_get_should_respond_200_with_user_by_id(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.get(f"/users/{member.id}", key)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == USER_FIELDS
        assert body["id"] == member.id
        assert body["email"] == member.email
        assert body["isPending"] is False
        assert ISO_MS.match(body["createdAt"]) and ISO_MS.match(body["updatedAt"])

    def test_get_should_respond_200_with_user_by_email(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.get(f"/users/{member.email}", key)
        assert response.status_code == 200
        assert response.json()["id"] == member.id

    def test_get_should_find_email_regardless_of_case(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.get(f"/users/{member.email.upper()}", key)
        assert response.status_code == 200
        assert response.json()["id"] == member.id

    def test_get_should_include_role_when_asked(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.get(f"/users/{member.id}", key, params={"includeRole": "true"})
        assert response.status_code == 200
        assert response.json()["role"] == "global:member"

    def test_get_should_show_pending_user_with_null_names(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        pending = invited_id(api, key)
        response = api.get(f"/users/{pending}", key)
        assert response.status_code == 200
        body = response.json()
        assert body["isPending"] is True
        assert set(body) == USER_FIELDS
        assert body["firstName"] is None and body["lastName"] is None

    @pytest.mark.parametrize(
        "identifier", [str(uuid.uuid4()), "nobody-4f1c@example.com"], ids=["uuid", "email"]
    )
    def test_get_should_respond_404_for_unknown_user(
        self, api: Api, server: RunningServer, identifier: str
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get(f"/users/{identifier}", key)
        assert response.status_code == 404
        assert response.json() == {"message": f"Could not find user with id: {identifier}"}

    def test_get_should_respond_401_without_key(self, api: Api, server: RunningServer) -> None:
        member = server.create_user()
        response = api.get(f"/users/{member.id}")
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED


# -- POST /users -----------------------------------------------------------------------------


class TestInviteUsers:
    def test_post_should_respond_201_with_invite_results(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        first, second = new_email(), new_email()
        response = api.post(
            "/users", key, json=[{"email": first}, {"email": second, "role": "global:admin"}]
        )
        assert response.status_code == 201
        results = response.json()
        assert [result["user"]["email"] for result in results] == [first, second]
        for result in results:
            assert set(result) == {"user", "error"}
            assert result["error"] == ""
            assert set(result["user"]) == {"id", "email", "inviteAcceptUrl", "emailSent"}
            assert UUID.match(result["user"]["id"])
            assert result["user"]["emailSent"] is False
            url = urlsplit(result["user"]["inviteAcceptUrl"])
            assert parse_qs(url.query) == {
                "inviterId": [admin.id],
                "inviteeId": [result["user"]["id"]],
            }

    def test_post_should_invite_as_member_by_default(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        user_id = invited_id(api, key)
        assert role_of(api, key, user_id) == "global:member"

    def test_post_should_invite_with_the_role_asked(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        user_id = invited_id(api, key, "global:admin")
        assert role_of(api, key, user_id) == "global:admin"

    def test_post_should_create_pending_users(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        user_id = invited_id(api, key)
        assert api.get(f"/users/{user_id}", key).json()["isPending"] is True

    def test_post_should_report_existing_email_in_error(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        existing = server.create_user()
        results = invite(api, key, {"email": existing.email.upper()})
        assert len(results) == 1
        assert results[0]["error"] != ""
        assert results[0]["user"]["id"] == existing.id
        assert results[0]["user"]["email"] == existing.email
        assert role_of(api, key, existing.id) == "global:member"
        assert api.get(f"/users/{existing.id}", key).json()["isPending"] is False

    def test_post_should_invite_a_repeated_email_once(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        email = new_email()
        results = invite(api, key, {"email": email}, {"email": email})
        assert results[0]["error"] == results[1]["error"] == ""
        assert results[0]["user"]["id"] == results[1]["user"]["id"]

    def test_post_should_invite_a_pending_user_again_from_the_new_inviter(
        self, api: Api, server: RunningServer
    ) -> None:
        _, first_key = admin_with_key(server)
        second, second_key = admin_with_key(server)
        email = new_email()
        invite(api, first_key, {"email": email})
        again = invite(api, second_key, {"email": email})[0]
        assert again["error"] == ""
        assert f"inviterId={second.id}" in again["user"]["inviteAcceptUrl"]
        accepted = api.http.post(
            f"/rest/invitations/{again['user']['id']}/accept",
            json={
                "inviterId": second.id,
                "firstName": "Re",
                "lastName": "Invited",
                "password": "Second-Chance1",
            },
        )
        assert accepted.status_code == 200, accepted.text

    @pytest.mark.parametrize(
        "entry",
        [
            {"email": "not-an-email"},
            {"role": "global:member"},
            {"email": new_email(), "role": "global:owner"},
            {"email": new_email(), "role": "invalid"},
            {"email": new_email(), "unexpected": True},
        ],
        ids=["bad-email", "no-email", "owner-role", "unknown-role", "extra-field"],
    )
    def test_post_should_respond_400_on_invalid_entry(
        self, api: Api, server: RunningServer, entry: dict[str, object]
    ) -> None:
        _, key = admin_with_key(server)
        response = api.post("/users", key, json=[entry])
        assert response.status_code == 400
        assert set(response.json()) == {"message"}

    def test_post_should_create_nobody_when_one_entry_is_invalid(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        valid = new_email()
        response = api.post("/users", key, json=[{"email": valid}, {"email": "nope"}])
        assert response.status_code == 400
        assert api.get(f"/users/{valid}", key).status_code == 404

    def test_post_should_respond_400_when_body_is_not_an_array(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.post("/users", key, json={"email": new_email()})
        assert response.status_code == 400


# -- DELETE /users/{id} ----------------------------------------------------------------------


class TestDeleteUser:
    def test_delete_should_respond_204_and_remove_the_user(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.delete(f"/users/{member.id}", key)
        assert response.status_code == 204
        assert response.content == b""
        assert api.get(f"/users/{member.id}", key).status_code == 404

    def test_delete_should_remove_an_invited_user(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        pending = invited_id(api, key)
        assert api.delete(f"/users/{pending}", key).status_code == 204
        assert api.get(f"/users/{pending}", key).status_code == 404

    def test_delete_should_revoke_the_users_keys_on_the_next_request(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        victim_key = server.create_key(victim)
        assert api.get("/api-keys", victim_key).status_code == 200  # warm every cache
        assert api.delete(f"/users/{victim.id}", key).status_code == 204
        response = api.get("/api-keys", victim_key)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED

    def test_delete_should_end_the_users_sessions(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        with closing(api.signed_in(victim.email)) as browser:
            assert browser.get("/rest/me").status_code == 200
            assert api.delete(f"/users/{victim.id}", key).status_code == 204
            assert browser.get("/rest/me").status_code == 401

    def test_delete_should_respond_400_for_oneself(self, api: Api, server: RunningServer) -> None:
        admin, key = admin_with_key(server)
        response = api.delete(f"/users/{admin.id}", key)
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert api.get(f"/users/{admin.id}", key).status_code == 200

    def test_delete_should_respond_403_for_the_owner(self, owned_api: Api, owned: Owned) -> None:
        response = owned_api.delete(f"/users/{owned.owner.id}", owned.admin_key)
        assert response.status_code == 403
        assert set(response.json()) == {"message"}
        assert owned_api.get(f"/users/{owned.owner.id}", owned.admin_key).status_code == 200

    def test_delete_should_respond_404_for_unknown_user(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        unknown = str(uuid.uuid4())
        response = api.delete(f"/users/{unknown}", key)
        assert response.status_code == 404
        assert response.json() == {"message": f"Could not find user with id: {unknown}"}

    def test_delete_should_respond_401_without_key(self, api: Api, server: RunningServer) -> None:
        member = server.create_user()
        response = api.delete(f"/users/{member.id}")
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED


# -- PATCH /users/{id}/role ------------------------------------------------------------------


class TestChangeRole:
    def test_patch_should_respond_204_and_store_the_role(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.patch(f"/users/{member.id}/role", key, json={"newRoleName": "global:admin"})
        assert response.status_code == 204
        assert response.content == b""
        assert role_of(api, key, member.id) == "global:admin"

    @pytest.mark.parametrize("role", ["invalid", "global:owner", "", None])
    def test_patch_should_respond_400_on_invalid_role(
        self, api: Api, server: RunningServer, role: str | None
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.patch(f"/users/{member.id}/role", key, json={"newRoleName": role})
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert role_of(api, key, member.id) == "global:member"

    def test_patch_should_respond_400_without_new_role(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        member = server.create_user()
        response = api.patch(f"/users/{member.id}/role", key, json={})
        assert response.status_code == 400

    def test_patch_should_respond_403_for_the_owner(self, owned_api: Api, owned: Owned) -> None:
        response = owned_api.patch(
            f"/users/{owned.owner.id}/role", owned.admin_key, json={"newRoleName": "global:member"}
        )
        assert response.status_code == 403
        assert set(response.json()) == {"message"}
        assert role_of(owned_api, owned.admin_key, owned.owner.id) == "global:owner"

    def test_patch_should_respond_400_for_oneself(self, api: Api, server: RunningServer) -> None:
        admin, key = admin_with_key(server)
        response = api.patch(f"/users/{admin.id}/role", key, json={"newRoleName": "global:member"})
        assert response.status_code == 400
        assert role_of(api, key, admin.id) == "global:admin"

    def test_patch_should_respond_404_for_unknown_user(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        unknown = str(uuid.uuid4())
        response = api.patch(f"/users/{unknown}/role", key, json={"newRoleName": "global:admin"})
        assert response.status_code == 404
        assert response.json() == {"message": f"Could not find user with id: {unknown}"}

    def test_patch_should_respond_401_without_key(self, api: Api, server: RunningServer) -> None:
        member = server.create_user()
        response = api.patch(f"/users/{member.id}/role", json={"newRoleName": "global:admin"})
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED

    def test_patch_demoting_an_admin_should_forbid_its_key_on_the_next_request(
        self, api: Api, server: RunningServer, licence_state: str
    ) -> None:
        _, key = admin_with_key(server)
        demoted, demoted_key = admin_with_key(server)
        assert api.get("/users", demoted_key).status_code == 200  # warm every cache
        response = api.patch(
            f"/users/{demoted.id}/role", key, json={"newRoleName": "global:member"}
        )
        assert response.status_code == 204
        refused = api.get("/users", demoted_key)
        assert refused.status_code == 403, licence_state
        assert refused.json() == FORBIDDEN

    def test_patch_demoting_an_admin_should_strip_owner_only_scopes_from_its_keys(
        self, api: Api, server: RunningServer, licence_state: str
    ) -> None:
        _, key = admin_with_key(server)
        demoted = server.create_user("global:admin")
        everything = server.create_key(demoted)
        mixed = ["apiKey:read", "user:list", "workflow:read", "tag:delete", "project:list"]
        server.create_key(demoted, mixed, label="mixed")
        assert api.get("/api-keys", everything).status_code == 200  # warm every cache
        response = api.patch(
            f"/users/{demoted.id}/role", key, json={"newRoleName": "global:member"}
        )
        assert response.status_code == 204
        listed = api.get("/api-keys", everything)
        assert listed.status_code == 200, licence_state  # the key still authenticates
        stored = {item["label"]: item["scopes"] for item in listed.json()}
        assert stored["mixed"] == ["apiKey:read", "workflow:read"]
        for scopes in stored.values():
            assert not OWNER_ONLY & set(scopes), scopes
            assert "workflow:read" in scopes

    def test_patch_promoting_a_member_should_allow_its_key_on_the_next_request(
        self, api: Api, server: RunningServer, unlicensed: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        promoted = server.create_user()
        promoted_key = server.create_key(promoted)
        assert api.get("/users", promoted_key).status_code == 403  # warm every cache
        response = api.patch(
            f"/users/{promoted.id}/role", key, json={"newRoleName": "global:admin"}
        )
        assert response.status_code == 204
        assert api.get("/users", promoted_key).status_code == 200

    def test_patch_demoting_an_admin_should_shrink_its_session_scopes(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        demoted = server.create_user("global:admin")
        with closing(api.signed_in(demoted.email)) as browser:
            assert "user:list" in browser.get("/rest/api-keys/scopes").json()["data"]
            response = api.patch(
                f"/users/{demoted.id}/role", key, json={"newRoleName": "global:member"}
            )
            assert response.status_code == 204
            assert browser.get("/rest/me").json()["data"]["role"] == "global:member"
            assert "user:list" not in browser.get("/rest/api-keys/scopes").json()["data"]


# -- who may call the users API --------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, object]] = [
    ("GET", "/users", None),
    ("GET", "/users/{id}", None),
    ("POST", "/users", [{"email": "member-invite@example.com"}]),
    ("DELETE", "/users/{id}", None),
    ("PATCH", "/users/{id}/role", {"newRoleName": "global:admin"}),
]


class TestUsersAccess:
    @pytest.mark.parametrize(
        ("method", "path", "body"), ENDPOINTS, ids=["list", "read", "invite", "delete", "role"]
    )
    def test_member_key_should_respond_403_on_every_users_endpoint(
        self,
        api: Api,
        server: RunningServer,
        licence_state: str,
        method: str,
        path: str,
        body: object,
    ) -> None:
        _, admin_key = admin_with_key(server)
        target = server.create_user()
        key = member_key(server)
        response = api.request(method, path.format(id=target.id), key, json=body)
        assert response.status_code == 403, licence_state
        assert response.json() == FORBIDDEN
        after = api.get(f"/users/{target.id}", admin_key, params={"includeRole": "true"})
        assert after.status_code == 200
        assert after.json()["role"] == "global:member"

    @pytest.mark.parametrize(
        ("scope", "method", "path", "body", "status"),
        [
            ("user:list", "GET", "/users", None, 200),
            ("user:read", "GET", "/users/{id}", None, 200),
            ("user:create", "POST", "/users", "invite", 201),
            ("user:delete", "DELETE", "/users/{id}", None, 204),
            ("user:changeRole", "PATCH", "/users/{id}/role", {"newRoleName": "global:admin"}, 204),
        ],
        ids=["list", "read", "create", "delete", "changeRole"],
    )
    def test_licensed_key_should_need_the_matching_scope(
        self,
        api: Api,
        server: RunningServer,
        licensed: RunningServer,
        scope: str,
        method: str,
        path: str,
        body: object,
        status: int,
    ) -> None:
        admin = server.create_user("global:admin")
        holder = server.create_key(admin, [scope], label="holder")
        other = server.create_key(admin, ["tag:read"], label="other")
        payload = [{"email": new_email()}] if body == "invite" else body
        refused = api.request(method, path.format(id=server.create_user().id), other, json=payload)
        assert refused.status_code == 403
        assert refused.json() == FORBIDDEN
        assert refused.headers["X-Required-Scopes"] == scope
        allowed = api.request(method, path.format(id=server.create_user().id), holder, json=payload)
        assert allowed.status_code == status, allowed.text

    def test_unlicensed_admin_key_should_use_every_scope_of_its_role(
        self, api: Api, server: RunningServer, unlicensed: RunningServer
    ) -> None:
        admin = server.create_user("global:admin")
        key = server.create_key(admin, ["tag:read"])
        assert api.get("/users", key).status_code == 200
        assert api.get(f"/users/{admin.id}", key).status_code == 200
