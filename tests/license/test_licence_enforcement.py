"""The `apiKeyScopes` licence over real HTTP: scopes enforced with it, role scopes without it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing

import httpx
import pytest

from relayflow.license.document import generate_keypair, issue, load_private_key
from tests.support.client import Api
from tests.support.keys import FORBIDDEN
from tests.support.licences import LicenceIssuer
from tests.support.server import RunningServer, Variant


@pytest.fixture(scope="module")
def forged() -> str:
    """A well-formed licence signed by a key no server trusts."""
    pem, _ = generate_keypair()
    return issue(load_private_key(pem.encode()), ["apiKeyScopes"], None, "Forger")


def licence_state(api: Api, email: str) -> dict[str, object]:
    """`GET /rest/license`, signed in as `email` for the occasion."""
    with closing(api.signed_in(email)) as browser:
        response = browser.get("/rest/license")
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def assert_forbidden(response: httpx.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == FORBIDDEN
    assert response.headers["X-Required-Scopes"] == scope


class TestLicensed:
    def test_key_without_the_scope_should_get_403_naming_it(
        self, licensed: RunningServer, api: Api
    ) -> None:
        key = licensed.create_key(licensed.create_user(), ["apiKey:create"])

        assert_forbidden(api.get("/api-keys", key), "apiKey:read")

    def test_key_with_the_scope_should_get_200(self, licensed: RunningServer, api: Api) -> None:
        key = licensed.create_key(licensed.create_user(), ["apiKey:read"])

        response = api.get("/api-keys", key)

        assert response.status_code == 200, response.text
        assert isinstance(response.json(), list)

    def test_scopes_endpoint_should_need_no_scope(self, licensed: RunningServer, api: Api) -> None:
        key = licensed.create_key(licensed.create_user(), ["apiKey:create"])

        response = api.get("/api-keys/scopes", key)

        assert response.status_code == 200, response.text
        assert "apiKey:read" in response.json()

    def test_owner_key_should_be_held_to_its_own_scopes(
        self, licensed: RunningServer, api: Api
    ) -> None:
        key = licensed.create_key(licensed.create_user("global:admin"), ["apiKey:read"])

        assert_forbidden(api.get("/users", key), "user:list")

    def test_licence_state_should_report_the_feature(
        self, licensed: RunningServer, api: Api
    ) -> None:
        user = licensed.create_user()

        state = licence_state(api, user.email)

        assert state["licensed"] is True
        assert state["source"] == "database"
        assert state["error"] is None
        assert state["features"] == {"apiKeyScopes": True}


class TestUnlicensed:
    def test_key_should_have_every_scope_of_its_role(
        self, unlicensed: RunningServer, api: Api
    ) -> None:
        key = unlicensed.create_key(unlicensed.create_user(), ["apiKey:create"])

        assert api.get("/api-keys", key).status_code == 200

    def test_member_key_should_still_be_refused_what_its_role_lacks(
        self, unlicensed: RunningServer, api: Api
    ) -> None:
        key = unlicensed.create_key(unlicensed.create_user(), ["apiKey:read"])

        assert_forbidden(api.get("/users", key), "user:list")

    def test_admin_key_should_reach_what_its_role_allows(
        self, unlicensed: RunningServer, api: Api
    ) -> None:
        key = unlicensed.create_key(unlicensed.create_user("global:admin"), ["apiKey:read"])

        response = api.get("/users", key)

        assert response.status_code == 200, response.text

    def test_licence_state_should_report_no_licence(
        self, unlicensed: RunningServer, api: Api
    ) -> None:
        user = unlicensed.create_user()

        state = licence_state(api, user.email)

        assert state["licensed"] is False
        assert state["features"] == {"apiKeyScopes": False}
        assert state["license"] is None


class TestToggling:
    def test_stored_scopes_should_be_kept_and_apply_again_once_licensed(
        self, server: RunningServer, api: Api, licences: LicenceIssuer
    ) -> None:
        user = server.create_user()
        narrow = server.create_key(user, ["apiKey:create"], label="narrow")
        reader = server.create_key(user, ["apiKey:read"])
        try:
            server.set_licence(licences.issue(["apiKeyScopes"]))
            assert_forbidden(api.get("/api-keys", narrow), "apiKey:read")

            server.set_licence(None)
            assert api.get("/api-keys", narrow).status_code == 200

            server.set_licence(licences.issue(["apiKeyScopes"]))
            assert_forbidden(api.get("/api-keys", narrow), "apiKey:read")
            listed = {key["label"]: key for key in api.get("/api-keys", reader).json()}
            assert listed["narrow"]["scopes"] == ["apiKey:create"]
        finally:
            server.set_licence(None)

    def test_licence_should_stop_counting_when_it_expires_while_running(
        self, server: RunningServer, api: Api, licences: LicenceIssuer
    ) -> None:
        user = server.create_user()
        key = server.create_key(user, ["apiKey:create"])
        expires_at = int(time.time()) + 2
        try:
            server.set_licence(licences.issue(["apiKeyScopes"], expires_in=2))
            assert_forbidden(api.get("/api-keys", key), "apiKey:read")

            while time.time() < expires_at:
                time.sleep(0.05)

            assert api.get("/api-keys", key).status_code == 200
            state = licence_state(api, user.email)
            assert state["licensed"] is False
            assert state["features"] == {"apiKeyScopes": False}
            assert "expired" in str(state["error"])
        finally:
            server.set_licence(None)


class TestLicenceFromEnvironment:
    def test_forged_licence_should_leave_the_server_unlicensed_and_say_why(
        self, variant: Variant, make_server: Callable[..., RunningServer], forged: str
    ) -> None:
        server = make_server(variant, license_key=forged)
        user = server.create_user()
        key = server.create_key(user, ["apiKey:create"])

        with Api(server) as api:
            assert api.get("/api-keys", key).status_code == 200
            state = licence_state(api, user.email)

        assert state["licensed"] is False
        assert state["source"] == "environment"
        assert state["features"] == {"apiKeyScopes": False}
        assert state["error"] == "the licence signature does not match any trusted public key"
        assert state["license"] is None

    def test_valid_licence_should_license_the_server(
        self,
        variant: Variant,
        make_server: Callable[..., RunningServer],
        licences: LicenceIssuer,
    ) -> None:
        server = make_server(variant, license_key=licences.issue(["apiKeyScopes"]))
        user = server.create_user()
        key = server.create_key(user, ["apiKey:create"])

        with Api(server) as api:
            assert_forbidden(api.get("/api-keys", key), "apiKey:read")
            state = licence_state(api, user.email)

        assert state["licensed"] is True
        assert state["source"] == "environment"
        assert state["error"] is None
        assert state["features"] == {"apiKeyScopes": True}
        licence = state["license"]
        assert isinstance(licence, dict)
        assert licence["features"] == ["apiKeyScopes"]
        assert licence["issuedTo"] == "Relayflow tests"


class Fresh:
    """A server of its own with an owner, an admin and a key limited to `apiKey:create`."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.api = Api(server)
        self.owner = server.create_user("global:owner")
        self.admin = server.create_user("global:admin")
        self.narrow_key = server.create_key(self.owner, ["apiKey:create"])

    def state(self) -> dict[str, object]:
        return licence_state(self.api, self.owner.email)

    def activate(self, email: str, text: str) -> httpx.Response:
        with closing(self.api.signed_in(email)) as browser:
            return browser.post("/rest/license/activate", json={"licenseKey": text})


@pytest.fixture(scope="module")
def fresh(variant: Variant, make_server: Callable[..., RunningServer]) -> Iterator[Fresh]:
    instance = Fresh(make_server(variant))
    with instance.api:
        yield instance


class TestActivation:
    def test_non_owner_should_be_refused(self, fresh: Fresh, licences: LicenceIssuer) -> None:
        before = fresh.state()

        response = fresh.activate(fresh.admin.email, licences.issue(["apiKeyScopes"]))

        assert response.status_code == 403, response.text
        assert response.json()["message"]
        assert fresh.state() == before

    def test_signed_out_should_be_refused(self, fresh: Fresh, licences: LicenceIssuer) -> None:
        response = fresh.api.http.post(
            "/rest/license/activate", json={"licenseKey": licences.issue(["apiKeyScopes"])}
        )

        assert response.status_code == 401

    @pytest.mark.parametrize(
        ("kind", "reason"),
        [
            ("forged", "signature does not match"),
            ("expired", "expired"),
            ("malformed", "malformed"),
        ],
    )
    def test_refused_licence_should_answer_400_and_change_nothing(
        self, fresh: Fresh, licences: LicenceIssuer, forged: str, kind: str, reason: str
    ) -> None:
        text = {
            "forged": forged,
            "expired": licences.issue(["apiKeyScopes"], expires_in=-60),
            "malformed": "rflic1.not-a-licence",
        }[kind]
        before = fresh.state()
        status_before = fresh.api.get("/api-keys", fresh.narrow_key).status_code

        response = fresh.activate(fresh.owner.email, text)

        assert response.status_code == 400, response.text
        assert response.json()["message"].startswith("The licence was refused: ")
        assert reason in response.json()["message"]
        assert fresh.state() == before
        assert fresh.api.get("/api-keys", fresh.narrow_key).status_code == status_before

    def test_owner_should_activate_and_scopes_apply_at_once(
        self, fresh: Fresh, licences: LicenceIssuer
    ) -> None:
        assert fresh.api.get("/api-keys", fresh.narrow_key).status_code == 200

        response = fresh.activate(fresh.owner.email, licences.issue(["apiKeyScopes"]))

        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["licensed"] is True
        assert data["source"] == "database"
        assert data["features"] == {"apiKeyScopes": True}
        assert fresh.state()["licensed"] is True
        assert_forbidden(fresh.api.get("/api-keys", fresh.narrow_key), "apiKey:read")
