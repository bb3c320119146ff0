"""The UI's routes over plain HTTP: redirects, roles, headers, cookies and CSRF refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.api_keys.repository import ApiKeyRepository
from relayflow.app import create_app
from relayflow.db.models import User
from relayflow.instance import Instance
from tests.support.server import RunningServer, Variant
from tests.support.ui import csrf_token, sign_in_over_http, submit, ui_client
from tests.support.workflows import payload

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
SESSION = "relayflow-auth"


def keys_of(server: RunningServer, user_id: str) -> dict[str, str]:
    """A user's keys as label → id, read from the database."""

    async def task(_instance: Instance, session: AsyncSession) -> dict[str, str]:
        keys = await ApiKeyRepository(session).list_for_user(user_id)
        return {key.label: key.id for key in keys}

    return server.work(task)


def key_labels(server: RunningServer, user_id: str) -> list[str]:
    """The labels of a user's keys."""
    return list(keys_of(server, user_id))


class SignedIn(NamedTuple):
    """An HTTP client signed in through the UI, and its user."""

    http: httpx.Client
    user: User


SignIn = Callable[[str], SignedIn]


@pytest.fixture
def signed_in(ui_server: RunningServer) -> Iterator[SignIn]:
    """HTTP clients signed in through the UI as a new user of the given role."""
    clients: list[httpx.Client] = []

    def open_client(role: str) -> SignedIn:
        user = ui_server.create_user(role)
        client = ui_client(ui_server)
        clients.append(client)
        sign_in_over_http(client, user.email)
        return SignedIn(client, user)

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture(scope="module")
def ownerless(make_server: Callable[..., RunningServer]) -> Iterator[httpx.Client]:
    """A client on a new instance that has no owner yet."""
    with ui_client(make_server(Variant("sqlite"))) as client:
        yield client


class TestSignedOut:
    @pytest.mark.parametrize(
        "path", ["/", "/workflows", "/credentials", "/settings/api", "/settings/users"]
    )
    def test_get_should_redirect_to_sign_in(self, ui_server: RunningServer, path: str) -> None:
        with ui_client(ui_server) as client:
            response = client.get(path)
        assert response.status_code == 303
        expected = "/signin" if path == "/" else f"/signin?next={path}"
        assert response.headers["location"] == expected

    def test_post_should_redirect_to_sign_in(self, ui_server: RunningServer) -> None:
        with ui_client(ui_server) as client:
            response = client.post("/settings/api/new", data={"label": "x"})
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"

    def test_setup_should_redirect_to_sign_in_once_an_owner_exists(
        self, ui_server: RunningServer
    ) -> None:
        with ui_client(ui_server) as client:
            assert client.get("/setup").headers["location"] == "/signin"

    def test_every_page_should_send_the_owner_to_set_up_on_a_new_instance(
        self, ownerless: httpx.Client
    ) -> None:
        assert ownerless.get("/").headers["location"] == "/setup"
        assert ownerless.get("/signin").headers["location"] == "/setup"
        assert ownerless.get("/setup").status_code == 200

    def test_sign_in_should_not_redirect_elsewhere(self, ui_server: RunningServer) -> None:
        admin_email = ui_server.create_user("global:admin").email
        with ui_client(ui_server) as client:
            page = client.get("/signin", params={"next": "//evil.example/"})
            token = csrf_token(page.text)
            response = client.post(
                "/signin",
                data={
                    "csrf_token": token,
                    "email": admin_email,
                    "password": "Correct-Horse-9",
                    "next": "//evil.example/",
                },
            )
        assert response.status_code == 303
        assert response.headers["location"] == "/"


class TestSignedIn:
    @pytest.mark.parametrize(
        "path", ["/", "/workflows", "/credentials", "/settings/api", "/settings/api/new"]
    )
    def test_get_should_respond_200_for_a_member(self, signed_in: SignIn, path: str) -> None:
        response = signed_in("global:member").http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")

    @pytest.mark.parametrize("path", ["/settings/users", "/settings/licence"])
    def test_get_should_respond_403_to_a_member(self, signed_in: SignIn, path: str) -> None:
        response = signed_in("global:member").http.get(path)
        assert response.status_code == 403
        assert "have access" in response.text

    def test_member_should_not_invite_or_see_the_admin_tabs(self, signed_in: SignIn) -> None:
        client = signed_in("global:member").http
        settings = client.get("/settings/api")
        assert 'href="/settings/users"' not in settings.text
        assert 'href="/settings/licence"' not in settings.text
        token = csrf_token(settings.text)
        response = client.post(
            "/settings/users/invite", data={"csrf_token": token, "email": "x@example.com"}
        )
        assert response.status_code == 403

    def test_admin_should_manage_users_but_not_the_licence(self, signed_in: SignIn) -> None:
        client = signed_in("global:admin").http
        assert client.get("/settings/users").status_code == 200
        assert client.get("/settings/licence").status_code == 403

    def test_another_users_key_should_respond_404(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        other = ui_server.create_user()
        ui_server.create_key(other, ["workflow:read"], label="theirs")
        key_id = keys_of(ui_server, other.id)["theirs"]
        client = signed_in("global:admin").http
        for suffix in ("edit", "rotate", "delete"):
            assert client.get(f"/settings/api/{key_id}/{suffix}").status_code == 404

    def test_sign_in_should_set_an_http_only_lax_cookie(self, ui_server: RunningServer) -> None:
        user = ui_server.create_user()
        with ui_client(ui_server) as client:
            token = csrf_token(client.get("/signin").text)
            response = client.post(
                "/signin",
                data={"csrf_token": token, "email": user.email, "password": "Correct-Horse-9"},
            )
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION))
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "secure" not in attributes

    def test_sign_out_should_end_the_session(self, signed_in: SignIn) -> None:
        client = signed_in("global:member").http
        token = csrf_token(client.get("/").text)
        response = client.post("/signout", data={"csrf_token": token})
        assert response.headers["location"] == "/signin?notice=signed-out"
        assert client.get("/").status_code == 303


class TestLists:
    def test_workflows_should_list_only_what_a_member_may_read(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        stranger = ui_server.create_user()
        for owner, name in ((user, "Mine to read"), (stranger, "Not for my eyes")):
            headers = {"X-N8N-API-KEY": ui_server.create_key(owner)}
            made = client.post("/api/v1/workflows", json=payload(name), headers=headers)
            assert made.status_code == 200, made.text
        page = client.get("/workflows")
        assert page.status_code == 200
        assert "Mine to read" in page.text
        assert "Not for my eyes" not in page.text

    def test_credentials_should_list_names_and_types_but_never_data(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        body = {
            "name": "Billing API",
            "type": "httpHeaderAuth",
            "data": {"name": "X-Token", "value": "very-secret-value"},
        }
        headers = {"X-N8N-API-KEY": ui_server.create_key(user)}
        assert client.post("/api/v1/credentials", json=body, headers=headers).status_code == 200
        page = client.get("/credentials")
        assert "Billing API" in page.text
        assert "very-secret-value" not in page.text

    def test_a_bad_cursor_should_respond_400(self, signed_in: SignIn) -> None:
        response = signed_in("global:member").http.get("/workflows", params={"cursor": "nope"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")


class TestHeaders:
    def test_pages_should_carry_the_csp_and_no_store(self, signed_in: SignIn) -> None:
        response = signed_in("global:member").http.get("/settings/api")
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"

    def test_redirects_and_error_pages_should_carry_the_csp(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        with ui_client(ui_server) as client:
            assert client.get("/").headers["content-security-policy"] == CSP
        forbidden = signed_in("global:member").http.get("/settings/users")
        assert forbidden.headers["content-security-policy"] == CSP

    def test_the_api_should_not_get_the_ui_headers(self, ui_server: RunningServer) -> None:
        with ui_client(ui_server) as client:
            for path in ("/api/v1/workflows", "/rest/me", "/healthz"):
                response = client.get(path)
                assert "content-security-policy" not in response.headers, path
                assert response.headers["x-content-type-options"] == "nosniff"

    def test_pages_should_load_only_their_own_assets(self, ui_server: RunningServer) -> None:
        with ui_client(ui_server) as client:
            html = client.get("/signin").text
            assert "<script>" not in html and " style=" not in html
            assert "http://" not in html and "https://" not in html
            css = client.get("/static/relayflow.css")
            script = client.get("/static/relayflow.js")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert "url(" not in css.text and "@import" not in css.text


class TestCsrf:
    def test_post_without_token_should_respond_403_and_change_nothing(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        form = {"label": "no token", "scopes": "workflow:read", "expiry": "never"}
        response = client.post("/settings/api/new", data=form)
        assert response.status_code == 403
        assert "This form has expired" in response.text
        assert key_labels(ui_server, user.id) == []

    @pytest.mark.parametrize("token", ["", "not-the-token", "A" * 43])
    def test_post_with_a_wrong_token_should_respond_403(
        self, ui_server: RunningServer, signed_in: SignIn, token: str
    ) -> None:
        client, user = signed_in("global:member")
        form = {"csrf_token": token, "label": "wrong", "scopes": "workflow:read", "expiry": "7"}
        assert client.post("/settings/api/new", data=form).status_code == 403
        assert key_labels(ui_server, user.id) == []

    def test_a_token_of_another_session_should_respond_403(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        mine, theirs = signed_in("global:member"), signed_in("global:member")
        their_token = csrf_token(theirs.http.get("/settings/api/new").text)
        form = {"csrf_token": their_token, "label": "x", "scopes": "workflow:read", "expiry": "7"}
        assert mine.http.post("/settings/api/new", data=form).status_code == 403
        assert key_labels(ui_server, mine.user.id) == []

    def test_the_session_token_should_be_accepted(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        form = {"label": "ok", "scopes": "workflow:read", "expiry": "7"}
        response = submit(client, "/settings/api/new", form)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert key_labels(ui_server, user.id) == ["ok"]

    def test_a_cross_site_post_should_respond_403(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        form = {"label": "x", "scopes": "workflow:read", "expiry": "7"}
        headers = {"Origin": "https://evil.example"}
        assert submit(client, "/settings/api/new", form, headers=headers).status_code == 403
        assert key_labels(ui_server, user.id) == []

    def test_sign_in_without_token_should_respond_403(self, ui_server: RunningServer) -> None:
        user = ui_server.create_user()
        with ui_client(ui_server) as client:
            client.get("/signin")
            form = {"email": user.email, "password": "Correct-Horse-9"}
            response = client.post("/signin", data=form)
            assert response.status_code == 403
            assert SESSION not in response.cookies

    def test_sign_in_should_refuse_a_token_without_its_visitor_cookie(
        self, ui_server: RunningServer
    ) -> None:
        user = ui_server.create_user()
        with ui_client(ui_server) as client:
            token = csrf_token(client.get("/signin").text)
        with ui_client(ui_server) as stranger:
            form = {"csrf_token": token, "email": user.email, "password": "Correct-Horse-9"}
            assert stranger.post("/signin", data=form).status_code == 403

    def test_setup_without_token_should_respond_403(self, ownerless: httpx.Client) -> None:
        form = {
            "email": "owner@example.com",
            "firstName": "O",
            "lastName": "W",
            "password": "Correct-Horse-9",
        }
        assert ownerless.post("/setup", data=form).status_code == 403
        assert ownerless.get("/").headers["location"] == "/setup"


class TestForms:
    def test_sign_in_should_show_the_apis_words_on_a_wrong_password(
        self, ui_server: RunningServer
    ) -> None:
        user = ui_server.create_user()
        with ui_client(ui_server) as client:
            token = csrf_token(client.get("/signin").text)
            form = {"csrf_token": token, "email": user.email, "password": "Wrong-Horse-9"}
            response = client.post("/signin", data=form)
        assert response.status_code == 401
        assert "Wrong username or password. Do you have caps lock on?" in response.text

    def test_create_should_show_scope_and_label_errors_next_to_their_fields(
        self, signed_in: SignIn
    ) -> None:
        client = signed_in("global:member").http
        form = {"label": "  ", "scopes": "user:list", "expiry": "30"}
        response = submit(client, "/settings/api/new", form)
        assert response.status_code == 400
        assert 'id="f-label-error">Must not be empty<' in response.text
        assert "scopes not allowed for role global:member: user:list" in response.text

    def test_create_should_refuse_a_past_custom_date_in_the_apis_words(
        self, signed_in: SignIn
    ) -> None:
        client = signed_in("global:member").http
        form = {
            "label": "past",
            "scopes": "workflow:read",
            "expiry": "custom",
            "expiry_date": "2020-01-01",
        }
        response = submit(client, "/settings/api/new", form)
        assert response.status_code == 400
        assert "Expiration date must be in the future or null" in response.text

    def test_create_should_show_a_taken_label_next_to_the_label(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        ui_server.create_key(user, ["workflow:read"], label="taken")
        form = {"label": "taken", "scopes": "workflow:read", "expiry": "7"}
        response = submit(client, "/settings/api/new", form)
        assert response.status_code == 400
        assert 'id="f-label-error">An API key with the label &#34;taken&#34; already exists<' in (
            response.text
        )
        assert key_labels(ui_server, user.id) == ["taken"]

    def test_rotate_should_refuse_a_grace_period_not_offered(
        self, ui_server: RunningServer, signed_in: SignIn
    ) -> None:
        client, user = signed_in("global:member")
        ui_server.create_key(user, ["workflow:read"], label="rotating")
        key_id = keys_of(ui_server, user.id)["rotating"]
        response = submit(client, f"/settings/api/{key_id}/rotate", {"grace": "999999"})
        assert response.status_code == 400
        assert "Choose one of the grace periods offered" in response.text

    def test_a_form_that_is_not_url_encoded_should_respond_400(self, signed_in: SignIn) -> None:
        client = signed_in("global:member").http
        response = client.post("/settings/api/new", json={"label": "x"})
        assert response.status_code == 400


def test_sign_in_over_https_should_mark_cookies_secure(ui_server: RunningServer) -> None:
    """Served over HTTPS (here: an ASGI client with an https base URL), cookies are Secure."""
    user = ui_server.create_user()
    app = create_app(ui_server.instance)  # the running server's instance; no second lifespan

    async def sign_in() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://relay.test") as client:
            page = await client.get("/signin")
            form = {"csrf_token": csrf_token(page.text), "email": user.email}
            response = await client.post("/signin", data={**form, "password": "Correct-Horse-9"})
            assert response.status_code == 303
            return [*page.headers.get_list("set-cookie"), *response.headers.get_list("set-cookie")]

    cookies = ui_server.run(sign_in())
    assert len(cookies) == 2
    assert all("secure" in {p.strip().lower() for p in c.split(";")} for c in cookies)
