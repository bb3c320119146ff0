"""`/rest` sign-in: owner set-up, login, logout, `/rest/me`, CSRF and login rate limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.instance import Instance
from relayflow.users.repository import UserRepository
from tests.support.client import Api
from tests.support.server import PASSWORD, RunningServer, Variant

COOKIE = "relayflow-auth"
WRONG_CREDENTIALS = {
    "code": 401,
    "message": "Wrong username or password. Do you have caps lock on?",
}
UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
OWNER_EXISTS = {"code": 400, "message": "Instance owner already setup"}
ME_FIELDS = {
    "id",
    "email",
    "firstName",
    "lastName",
    "createdAt",
    "updatedAt",
    "isPending",
    "role",
}
CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "http://127.0.0.1:1"},
    {"Sec-Fetch-Site": "cross-site"},
]
CROSS_SITE_IDS = ["foreign-origin", "other-port", "sec-fetch-site"]


# -- helpers ---------------------------------------------------------------------------------


def new_email(prefix: str = "person") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def owner_details(**changes: str) -> dict[str, str]:
    return {
        "email": new_email("owner"),
        "firstName": "Olivia",
        "lastName": "Owner",
        "password": PASSWORD,
        **changes,
    }


def login(
    client: httpx.Client,
    email: str,
    password: str = PASSWORD,
    field: str = "emailOrLdapLoginId",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post("/rest/login", json={field: email, "password": password}, headers=headers)


def session_cookie(response: httpx.Response) -> str:
    """The `Set-Cookie` header that carries the session."""
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return cookies[0]


def attributes(set_cookie: str) -> dict[str, str]:
    """The attributes of a `Set-Cookie` value, names lower-cased."""
    parts = [part.strip() for part in set_cookie.split(";")[1:]]
    pairs = (part.split("=", 1) if "=" in part else (part, "") for part in parts)
    return {name.lower(): value for name, value in pairs}


def with_cookie(server: RunningServer, token: str) -> httpx.Client:
    """A browser that presents `token` as its session cookie."""
    return httpx.Client(base_url=server.url, timeout=30, headers={"Cookie": f"{COOKIE}={token}"})


def has_owner(server: RunningServer) -> bool:
    """Whether the server's database holds an owner (read directly, not through the API)."""

    async def task(_instance: Instance, session: AsyncSession) -> bool:
        return await UserRepository(session).owner() is not None

    return server.work(task)


@pytest.fixture
def browser(api: Api) -> Iterator[httpx.Client]:
    with api.browser() as client:
        yield client


# -- POST /rest/owner/setup ------------------------------------------------------------------


@dataclass(frozen=True)
class SetUp:
    """A server of its own on which the owner was set up through `/rest/owner/setup`."""

    server: RunningServer
    details: dict[str, str]
    response: httpx.Response


@pytest.fixture(scope="module")
def set_up(variant: Variant, make_server: Callable[..., RunningServer]) -> SetUp:
    server = make_server(variant)
    details = owner_details()
    with Api(server) as api, api.browser() as client:
        response = client.post("/rest/owner/setup", json=details)
    return SetUp(server, details, response)


@pytest.fixture(scope="module")
def ownerless(variant: Variant, make_server: Callable[..., RunningServer]) -> Iterator[Api]:
    """A server of its own that must stay without an owner: only refused set-ups here."""
    with Api(make_server(variant)) as client:
        yield client


class TestOwnerSetup:
    def test_post_should_respond_200_with_the_owner(self, set_up: SetUp) -> None:
        assert set_up.response.status_code == 200, set_up.response.text
        body = set_up.response.json()
        assert set(body) == {"data"}
        data = body["data"]
        assert set(data) == ME_FIELDS
        assert data["email"] == set_up.details["email"]
        assert data["role"] == "global:owner"
        assert (data["firstName"], data["lastName"]) == ("Olivia", "Owner")
        assert data["isPending"] is False

    def test_post_should_set_the_session_cookie(self, set_up: SetUp) -> None:
        cookie = attributes(session_cookie(set_up.response))
        assert "httponly" in cookie
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == "/"

    def test_post_should_sign_the_owner_in(self, set_up: SetUp) -> None:
        token = set_up.response.cookies[COOKIE]
        with closing(with_cookie(set_up.server, token)) as client:
            me = client.get("/rest/me")
            assert me.status_code == 200
            assert me.json()["data"]["id"] == set_up.response.json()["data"]["id"]
            assert me.json()["data"]["role"] == "global:owner"

    def test_post_should_let_the_owner_log_in_afterwards(self, set_up: SetUp) -> None:
        with Api(set_up.server) as api, api.browser() as client:
            response = login(client, set_up.details["email"])
            assert response.status_code == 200
            assert response.json()["data"]["role"] == "global:owner"

    def test_post_should_respond_400_once_an_owner_is_set_up(self, set_up: SetUp) -> None:
        again = owner_details()
        with Api(set_up.server) as api, api.browser() as client:
            response = client.post("/rest/owner/setup", json=again)
            assert response.status_code == 400
            assert response.json() == OWNER_EXISTS
            assert COOKIE not in client.cookies
            assert login(client, again["email"]).status_code == 401

    def test_post_should_respond_400_when_an_owner_was_created_otherwise(
        self, variant: Variant, make_server: Callable[..., RunningServer]
    ) -> None:
        server = make_server(variant)
        server.create_user("global:owner")
        with Api(server) as api, api.browser() as client:
            response = client.post("/rest/owner/setup", json=owner_details())
            assert response.status_code == 400
            assert response.json() == OWNER_EXISTS
            assert COOKIE not in client.cookies

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("Short-1", "Password must be 8 to 64 characters long."),
            ("No-Digits-Here", "Password must contain at least 1 number."),
            ("lower-case-only-1", "Password must contain at least 1 uppercase letter."),
        ],
        ids=["too-short", "no-digit", "no-uppercase"],
    )
    def test_post_should_respond_400_on_weak_password(
        self, ownerless: Api, password: str, message: str
    ) -> None:
        response = ownerless.http.post("/rest/owner/setup", json=owner_details(password=password))
        assert response.status_code == 400
        assert response.json() == {"code": 400, "message": message}
        assert not has_owner(ownerless.server)

    @pytest.mark.parametrize(
        "changes",
        [{"email": "not-an-email"}, {"firstName": ""}, {"lastName": "x" * 33}],
        ids=["bad-email", "empty-first-name", "long-last-name"],
    )
    def test_post_should_respond_400_on_invalid_details(
        self, ownerless: Api, changes: dict[str, str]
    ) -> None:
        response = ownerless.http.post("/rest/owner/setup", json=owner_details(**changes))
        assert response.status_code == 400
        assert set(response.json()) == {"code", "message"}
        assert not has_owner(ownerless.server)

    @pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
    def test_post_should_respond_403_cross_site(
        self, ownerless: Api, headers: dict[str, str]
    ) -> None:
        response = ownerless.http.post("/rest/owner/setup", json=owner_details(), headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == 403
        assert not has_owner(ownerless.server)


# -- POST /rest/login ------------------------------------------------------------------------


class TestLogin:
    def test_post_should_sign_in_with_email_or_ldap_login_id(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        response = login(browser, user.email)
        assert response.status_code == 200
        body = response.json()["data"]
        assert set(body) == ME_FIELDS
        assert (body["id"], body["email"], body["role"]) == (user.id, user.email, user.role)
        assert browser.get("/rest/me").json()["data"]["id"] == user.id

    def test_post_should_sign_in_with_email(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user("global:admin")
        response = login(browser, user.email, field="email")
        assert response.status_code == 200
        assert response.json()["data"]["id"] == user.id
        assert browser.get("/rest/me").status_code == 200

    def test_post_should_ignore_the_case_of_the_email(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        assert login(browser, f"  {user.email.upper()} ").status_code == 200

    def test_post_should_set_an_http_only_lax_session_cookie(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        cookie = attributes(session_cookie(login(browser, user.email)))
        assert "httponly" in cookie
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == "/"
        assert int(cookie["max-age"]) > 0
        assert "secure" not in cookie  # plain http on loopback

    def test_post_should_respond_401_on_wrong_password(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        response = login(browser, user.email, "Wrong-Horse-9")
        assert response.status_code == 401
        assert response.json() == WRONG_CREDENTIALS
        assert "set-cookie" not in response.headers

    def test_post_should_respond_401_on_unknown_email_with_the_same_body(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        wrong_password = login(browser, user.email, "Wrong-Horse-9")
        unknown = login(browser, new_email("nobody"))
        assert unknown.status_code == wrong_password.status_code == 401
        assert unknown.content == wrong_password.content
        assert unknown.json() == WRONG_CREDENTIALS

    def test_post_should_respond_401_for_a_pending_user(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        pending = server.create_user(password=None)
        response = login(browser, pending.email, "")
        assert response.status_code == 401
        assert response.json() == WRONG_CREDENTIALS

    def test_post_should_respond_400_without_password(self, browser: httpx.Client) -> None:
        response = browser.post("/rest/login", json={"emailOrLdapLoginId": new_email()})
        assert response.status_code == 400
        assert set(response.json()) == {"code", "message"}

    @pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
    def test_post_should_respond_403_cross_site(
        self, server: RunningServer, browser: httpx.Client, headers: dict[str, str]
    ) -> None:
        user = server.create_user()
        response = login(browser, user.email, headers=headers)
        assert response.status_code == 403
        assert COOKIE not in browser.cookies

    @pytest.mark.parametrize(
        "headers",
        [{"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}],
        ids=["same-origin", "none", "no-header"],
    )
    def test_post_should_accept_same_origin_requests(
        self, server: RunningServer, browser: httpx.Client, headers: dict[str, str]
    ) -> None:
        user = server.create_user()
        assert login(browser, user.email, headers=headers).status_code == 200

    def test_post_should_accept_this_servers_origin(
        self, server: RunningServer, browser: httpx.Client
    ) -> None:
        user = server.create_user()
        assert login(browser, user.email, headers={"Origin": server.url}).status_code == 200

    def test_post_should_open_independent_sessions(self, api: Api, server: RunningServer) -> None:
        user = server.create_user()
        with (
            closing(api.signed_in(user.email)) as first,
            closing(api.signed_in(user.email)) as second,
        ):
            assert first.cookies[COOKIE] != second.cookies[COOKIE]
            assert first.post("/rest/logout").status_code == 200
            assert first.get("/rest/me").status_code == 401
            assert second.get("/rest/me").status_code == 200


# -- POST /rest/logout -----------------------------------------------------------------------


class TestLogout:
    def test_post_should_end_the_session(self, api: Api, server: RunningServer) -> None:
        user = server.create_user()
        with closing(api.signed_in(user.email)) as client:
            token = client.cookies[COOKIE]
            response = client.post("/rest/logout")
            assert response.status_code == 200
            assert response.json() == {"data": {"loggedOut": True}}
            assert client.get("/rest/me").status_code == 401
        with closing(with_cookie(server, token)) as replay:
            response = replay.get("/rest/me")
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED
            assert replay.get("/rest/api-keys").status_code == 401

    def test_post_should_clear_the_cookie(self, api: Api, server: RunningServer) -> None:
        user = server.create_user()
        with closing(api.signed_in(user.email)) as client:
            cleared = attributes(session_cookie(client.post("/rest/logout")))
            assert cleared.get("max-age") == "0" or "expires" in cleared
            assert cleared["path"] == "/"

    def test_post_should_respond_200_without_session(self, browser: httpx.Client) -> None:
        assert browser.post("/rest/logout").status_code == 200

    @pytest.mark.parametrize("headers", CROSS_SITE, ids=CROSS_SITE_IDS)
    def test_post_should_respond_403_cross_site_and_keep_the_session(
        self, api: Api, server: RunningServer, headers: dict[str, str]
    ) -> None:
        user = server.create_user()
        with closing(api.signed_in(user.email)) as client:
            assert client.post("/rest/logout", headers=headers).status_code == 403
            assert client.get("/rest/me").status_code == 200


# -- GET /rest/me ----------------------------------------------------------------------------


class TestMe:
    def test_get_should_respond_the_signed_in_user(self, api: Api, server: RunningServer) -> None:
        user = server.create_user("global:admin")
        with closing(api.signed_in(user.email)) as client:
            response = client.get("/rest/me")
            assert response.status_code == 200
            body = response.json()
            assert set(body) == {"data"}
            assert set(body["data"]) == ME_FIELDS
            assert body["data"]["id"] == user.id
            assert body["data"]["role"] == "global:admin"

    def test_get_should_respond_401_without_cookie(self, browser: httpx.Client) -> None:
        response = browser.get("/rest/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED

    def test_get_should_respond_401_with_a_forged_cookie(self, server: RunningServer) -> None:
        with closing(with_cookie(server, "forged-session-value")) as client:
            response = client.get("/rest/me")
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED

    def test_get_should_respond_401_with_an_api_key(self, api: Api, server: RunningServer) -> None:
        key = server.create_key(server.create_user("global:admin"))
        for header in ({"X-N8N-API-KEY": key}, {"Authorization": f"Bearer {key}"}):
            response = api.http.get("/rest/me", headers=header)
            assert response.status_code == 401
            assert response.json() == UNAUTHORIZED

    def test_get_should_accept_a_foreign_origin_for_reading(
        self, api: Api, server: RunningServer
    ) -> None:
        user = server.create_user()
        with closing(api.signed_in(user.email)) as client:
            assert client.get("/rest/me", headers=CROSS_SITE[0]).status_code == 200


# -- keys and cookies never cross ------------------------------------------------------------


class TestCredentialSeparation:
    @pytest.mark.parametrize(
        "path", ["/api/v1/users", "/api/v1/api-keys", "/api/v1/api-keys/scopes"]
    )
    def test_cookie_should_never_authenticate_the_public_api(
        self, api: Api, server: RunningServer, path: str
    ) -> None:
        user = server.create_user("global:admin")
        with closing(api.signed_in(user.email)) as client:
            response = client.get(path)
            assert response.status_code == 401
            assert response.json() == {"message": "'X-N8N-API-KEY' header required"}

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/rest/api-keys"),
            ("POST", "/rest/api-keys"),
            ("GET", "/rest/api-keys/scopes"),
            ("DELETE", "/rest/api-keys/some-id"),
            ("GET", "/rest/license"),
        ],
    )
    def test_api_key_should_never_authenticate_rest(
        self, api: Api, server: RunningServer, method: str, path: str
    ) -> None:
        key = server.create_key(server.create_user("global:admin"))
        body = {"label": "x", "scopes": ["workflow:read"]} if method == "POST" else None
        response = api.http.request(method, path, headers={"X-N8N-API-KEY": key}, json=body)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED


# -- login rate limits -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def account_limited(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    """A server that allows 3 failed logins per account and minute."""
    return make_server(variant, rate_limit_login_per_account="3/minute")


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json()
    assert set(body) == {"code", "message"} and body["code"] == 429


class TestLoginRateLimits:
    def test_post_should_respond_429_after_too_many_failures_for_one_account(
        self, account_limited: RunningServer
    ) -> None:
        user = account_limited.create_user()
        with Api(account_limited) as api, api.browser() as client:
            for _ in range(3):
                assert login(client, user.email, "Wrong-Horse-9").status_code == 401
            assert_too_many(login(client, user.email, "Wrong-Horse-9"))
            assert_too_many(login(client, user.email))  # even the right password waits
            assert COOKIE not in client.cookies

    def test_post_should_limit_each_account_separately(
        self, account_limited: RunningServer
    ) -> None:
        locked, other = account_limited.create_user(), account_limited.create_user()
        with Api(account_limited) as api, api.browser() as client:
            for _ in range(3):
                login(client, locked.email, "Wrong-Horse-9")
            assert_too_many(login(client, locked.email))
            assert login(client, other.email).status_code == 200

    def test_post_should_limit_unknown_accounts_too(self, account_limited: RunningServer) -> None:
        unknown = new_email("nobody")
        with Api(account_limited) as api, api.browser() as client:
            for _ in range(3):
                assert login(client, unknown, "Wrong-Horse-9").status_code == 401
            assert_too_many(login(client, unknown, "Wrong-Horse-9"))

    def test_post_should_count_the_account_whatever_the_case_of_its_email(
        self, account_limited: RunningServer
    ) -> None:
        user = account_limited.create_user()
        with Api(account_limited) as api, api.browser() as client:
            for spelling in (user.email, user.email.upper(), user.email.title()):
                assert login(client, spelling, "Wrong-Horse-9").status_code == 401
            assert_too_many(login(client, user.email, field="email"))

    def test_post_should_forget_failures_after_a_successful_login(
        self, account_limited: RunningServer
    ) -> None:
        user = account_limited.create_user()
        with Api(account_limited) as api, api.browser() as client:
            for _ in range(2):
                assert login(client, user.email, "Wrong-Horse-9").status_code == 401
            assert login(client, user.email).status_code == 200
            for _ in range(2):
                assert login(client, user.email, "Wrong-Horse-9").status_code == 401
            assert login(client, user.email).status_code == 200

    def test_post_should_respond_429_after_too_many_failures_from_one_ip(
        self, variant: Variant, make_server: Callable[..., RunningServer]
    ) -> None:
        limited = make_server(variant, rate_limit_login_per_ip="3/minute")
        user = limited.create_user()
        with Api(limited) as api, api.browser() as client:
            for _ in range(3):
                assert login(client, new_email("nobody"), "Wrong-Horse-9").status_code == 401
            assert_too_many(login(client, new_email("nobody"), "Wrong-Horse-9"))
            assert_too_many(login(client, user.email))
