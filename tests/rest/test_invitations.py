"""Invited through `/api/v1/users`, accepted through `POST /rest/invitations/{id}/accept`."""

from __future__ import annotations

import uuid
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.client import Api
from tests.support.server import RunningServer

NEW_PASSWORD = "Fresh-Start-42"


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    """One pending invitation, as the accept URL names it."""

    inviter_id: str
    invitee_id: str
    email: str
    admin_key: str


def invite(api: Api, server: RunningServer, role: str = "global:member") -> Invitation:
    """Invite a new e-mail address with a fresh admin's key."""
    admin = server.create_user("global:admin")
    key = server.create_key(admin)
    email = f"invited-{uuid.uuid4().hex[:10]}@example.com"
    response = api.post("/users", key, json=[{"email": email, "role": role}])
    assert response.status_code == 201, response.text
    user = response.json()[0]["user"]
    query = parse_qs(urlsplit(user["inviteAcceptUrl"]).query)
    return Invitation(query["inviterId"][0], query["inviteeId"][0], email, key)


def accept(
    client: httpx.Client,
    invitation: Invitation,
    password: str = NEW_PASSWORD,
    **changes: object,
) -> httpx.Response:
    body = {
        "inviterId": invitation.inviter_id,
        "firstName": "Ivy",
        "lastName": "Invited",
        "password": password,
        **changes,
    }
    return client.post(f"/rest/invitations/{invitation.invitee_id}/accept", json=body)


def public_view(api: Api, invitation: Invitation) -> dict:
    response = api.get(
        f"/users/{invitation.invitee_id}", invitation.admin_key, params={"includeRole": "true"}
    )
    assert response.status_code == 200, response.text
    return response.json()


# -- POST /rest/invitations/{inviteeId}/accept -----------------------------------------------


class TestAcceptInvitation:
    def test_post_should_activate_the_user_and_sign_it_in(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            response = accept(client, invitation)
            assert response.status_code == 200, response.text
            data = response.json()["data"]
            assert data["id"] == invitation.invitee_id
            assert data["email"] == invitation.email
            assert data["isPending"] is False
            assert (data["firstName"], data["lastName"]) == ("Ivy", "Invited")
            assert data["role"] == "global:member"
            me = client.get("/rest/me")
            assert me.status_code == 200
            assert me.json()["data"]["id"] == invitation.invitee_id

    def test_post_should_make_the_user_no_longer_pending(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        assert public_view(api, invitation)["isPending"] is True
        with api.browser() as client:
            assert accept(client, invitation).status_code == 200
        user = public_view(api, invitation)
        assert user["isPending"] is False
        assert (user["firstName"], user["lastName"]) == ("Ivy", "Invited")

    def test_post_should_let_the_user_log_in_with_the_new_password(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            assert accept(client, invitation).status_code == 200
        with closing(api.signed_in(invitation.email, NEW_PASSWORD)) as client:
            assert client.get("/rest/me").json()["data"]["id"] == invitation.invitee_id

    def test_post_should_keep_the_invited_role(self, api: Api, server: RunningServer) -> None:
        invitation = invite(api, server, role="global:admin")
        with api.browser() as client:
            response = accept(client, invitation)
            assert response.status_code == 200
            assert response.json()["data"]["role"] == "global:admin"
        assert public_view(api, invitation)["role"] == "global:admin"

    def test_post_should_let_the_new_user_create_keys(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            assert accept(client, invitation).status_code == 200
            created = client.post(
                "/rest/api-keys", json={"label": "first", "scopes": ["apiKey:read"]}
            )
            assert created.status_code == 200, created.text
        raw = created.json()["data"]["rawApiKey"]
        assert api.get("/api-keys", raw).status_code == 200

    def test_post_should_respond_400_for_a_wrong_inviter(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        someone_else = server.create_user("global:admin").id
        with api.browser() as client:
            response = accept(client, invitation, inviterId=someone_else)
            assert response.status_code == 400
            assert response.json()["code"] == 400
            assert "set-cookie" not in response.headers
        assert public_view(api, invitation)["isPending"] is True

    @pytest.mark.parametrize(
        "invitee", [str(uuid.uuid4()), "not-a-uuid"], ids=["unknown-uuid", "not-a-uuid"]
    )
    def test_post_should_respond_400_for_an_unknown_invitee(
        self, api: Api, server: RunningServer, invitee: str
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            response = client.post(
                f"/rest/invitations/{invitee}/accept",
                json={
                    "inviterId": invitation.inviter_id,
                    "firstName": "Ivy",
                    "lastName": "Invited",
                    "password": NEW_PASSWORD,
                },
            )
            assert response.status_code == 400

    def test_post_should_respond_400_for_a_user_nobody_invited(
        self, api: Api, server: RunningServer
    ) -> None:
        admin = server.create_user("global:admin")
        created = server.create_user(password=None)
        not_invited = Invitation(admin.id, created.id, created.email, server.create_key(admin))
        with api.browser() as client:
            assert accept(client, not_invited).status_code == 400

    def test_post_should_respond_400_when_accepted_twice(
        self, api: Api, server: RunningServer
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            assert accept(client, invitation).status_code == 200
        with api.browser() as client:
            again = accept(client, invitation, password="Other-Password-7", firstName="Mallory")
            assert again.status_code == 400
            assert again.json()["code"] == 400
            assert "set-cookie" not in again.headers
        assert public_view(api, invitation)["firstName"] == "Ivy"
        with closing(api.signed_in(invitation.email, NEW_PASSWORD)):
            pass  # the first password still works

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("Short-1", "Password must be 8 to 64 characters long."),
            ("A1" + "a" * 63, "Password must be 8 to 64 characters long."),
            ("No-Digits-Here", "Password must contain at least 1 number."),
            ("lower-case-only-1", "Password must contain at least 1 uppercase letter."),
        ],
        ids=["too-short", "too-long", "no-digit", "no-uppercase"],
    )
    def test_post_should_respond_400_on_weak_password(
        self, api: Api, server: RunningServer, password: str, message: str
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            response = accept(client, invitation, password=password)
            assert response.status_code == 400
            assert response.json() == {"code": 400, "message": message}
        assert public_view(api, invitation)["isPending"] is True

    @pytest.mark.parametrize("missing", ["inviterId", "firstName", "lastName", "password"])
    def test_post_should_respond_400_on_missing_field(
        self, api: Api, server: RunningServer, missing: str
    ) -> None:
        invitation = invite(api, server)
        body = {
            "inviterId": invitation.inviter_id,
            "firstName": "Ivy",
            "lastName": "Invited",
            "password": NEW_PASSWORD,
        }
        del body[missing]
        with api.browser() as client:
            response = client.post(f"/rest/invitations/{invitation.invitee_id}/accept", json=body)
            assert response.status_code == 400
        assert public_view(api, invitation)["isPending"] is True

    @pytest.mark.parametrize(
        "headers",
        [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
        ids=["foreign-origin", "sec-fetch-site"],
    )
    def test_post_should_respond_403_cross_site(
        self, api: Api, server: RunningServer, headers: dict[str, str]
    ) -> None:
        invitation = invite(api, server)
        with api.browser() as client:
            response = client.post(
                f"/rest/invitations/{invitation.invitee_id}/accept",
                json={
                    "inviterId": invitation.inviter_id,
                    "firstName": "Ivy",
                    "lastName": "Invited",
                    "password": NEW_PASSWORD,
                },
                headers=headers,
            )
            assert response.status_code == 403
        assert public_view(api, invitation)["isPending"] is True
