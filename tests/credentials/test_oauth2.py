"""OAuth2 client-credentials tokens: fetched from a real token endpoint on loopback, cached
encrypted in the credential, refreshed before expiry, never leaked in an error."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.credentials.oauth2 import AccessToken, CredentialTokenError, OAuth2Tokens
from relayflow.db.models import Credential
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.server import LogCollector, RunningServer, Variant

CLIENT_ID = "relayflow client"
SECRET = f"s3cret:{uuid.uuid4().hex}"


class TokenEndpoint:
    """An RFC 6749 token endpoint on 127.0.0.1 that records what it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.expires_in: int | None = 3600
        self.refresh_token: str | None = None
        self.refuse_refresh = False
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                form["_authorization"] = self.headers.get("Authorization", "")
                endpoint.requests.append(form)
                status, body = endpoint.answer(form)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def client_of(self, form: dict[str, str]) -> tuple[str, str]:
        header = form["_authorization"]
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            client_id, _, secret = pair.partition(":")
            return unquote(client_id), unquote(secret)
        return form.get("client_id", ""), form.get("client_secret", "")

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.client_of(form) != (CLIENT_ID, SECRET):
            return 401, {"error": "invalid_client", "error_description": "Unknown client"}
        if form["grant_type"] == "refresh_token" and self.refuse_refresh:
            return 400, {"error": "invalid_grant"}
        body: dict[str, Any] = {
            "access_token": f"token-{len(self.requests)}",
            "token_type": "bearer",
        }
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return 200, body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def vault(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(variant)


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    token_endpoint = TokenEndpoint()
    yield token_endpoint
    token_endpoint.close()


def create_credential(server: RunningServer, key: str, **data: Any) -> str:
    with Api(server) as api:
        body = {"name": f"oauth-{uuid.uuid4().hex[:6]}", "type": "oAuth2Api", "data": data}
        created = api.post("/credentials", key, json=body)
        assert created.status_code == 200, created.text
        return str(created.json()["id"])


def token_for(server: RunningServer, tokens: OAuth2Tokens, credential_id: str) -> AccessToken:
    async def task(_instance: Instance, session: AsyncSession) -> AccessToken:
        credential = await session.get(Credential, credential_id)
        assert credential is not None
        return await tokens.access_token(session, credential)

    return server.work(task)


def client_data(endpoint: TokenEndpoint, **extra: Any) -> dict[str, Any]:
    return {
        "grantType": "clientCredentials",
        "accessTokenUrl": endpoint.url,
        "clientId": CLIENT_ID,
        "clientSecret": SECRET,
        **extra,
    }


@pytest.fixture
def owner_key(vault: RunningServer) -> str:
    return vault.create_key(vault.create_user())


def test_a_token_should_be_fetched_once_and_then_served_from_the_credential(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    credential_id = create_credential(vault, owner_key, **client_data(endpoint, scope="a b"))
    tokens = OAuth2Tokens(vault.instance.cipher)
    first = token_for(vault, tokens, credential_id)
    again = token_for(vault, OAuth2Tokens(vault.instance.cipher), credential_id)
    assert first == again and first.authorization == "Bearer token-1"
    assert first.expires_at is not None and first.expires_at > utcnow() + timedelta(minutes=59)
    assert len(endpoint.requests) == 1
    sent = endpoint.requests[0]
    assert sent["grant_type"] == "client_credentials" and sent["scope"] == "a b"
    assert "client_secret" not in sent and sent["_authorization"].startswith("Basic ")

    async def stored() -> str:
        async with vault.instance.database.engine.connect() as connection:
            query = text("SELECT data FROM credential WHERE id = :id")
            return str((await connection.execute(query, {"id": credential_id})).scalar_one())

    assert "token-1" not in vault.run(stored())


def test_body_authentication_should_send_the_client_in_the_form(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    data = client_data(endpoint, authentication="body")
    credential_id = create_credential(vault, owner_key, **data)
    token_for(vault, OAuth2Tokens(vault.instance.cipher), credential_id)
    sent = endpoint.requests[0]
    assert sent["client_id"] == CLIENT_ID and sent["client_secret"] == SECRET
    assert sent["_authorization"] == ""


def test_a_token_about_to_expire_should_be_replaced(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    endpoint.expires_in = 120
    credential_id = create_credential(vault, owner_key, **client_data(endpoint))
    clock = Clock()
    tokens = OAuth2Tokens(vault.instance.cipher, clock=clock)
    assert token_for(vault, tokens, credential_id).value == "token-1"
    clock.now += timedelta(seconds=50)
    assert token_for(vault, tokens, credential_id).value == "token-1"
    clock.now += timedelta(seconds=15)  # 55 s left: inside the safety margin
    assert token_for(vault, tokens, credential_id).value == "token-2"


def test_a_refresh_token_should_be_used_and_a_failed_refresh_fall_back(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    endpoint.expires_in, endpoint.refresh_token = 60, "refresh-me"
    credential_id = create_credential(vault, owner_key, **client_data(endpoint))
    clock = Clock()
    tokens = OAuth2Tokens(vault.instance.cipher, clock=clock)
    token_for(vault, tokens, credential_id)
    clock.now += timedelta(minutes=5)
    assert token_for(vault, tokens, credential_id).value == "token-2"
    assert endpoint.requests[1]["grant_type"] == "refresh_token"
    assert endpoint.requests[1]["refresh_token"] == "refresh-me"
    endpoint.refuse_refresh = True
    clock.now += timedelta(minutes=5)
    assert token_for(vault, tokens, credential_id).value == "token-4"
    assert [r["grant_type"] for r in endpoint.requests[2:]] == [
        "refresh_token",
        "client_credentials",
    ]


def test_changing_the_client_settings_should_not_serve_the_old_token(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    credential_id = create_credential(vault, owner_key, **client_data(endpoint))
    tokens = OAuth2Tokens(vault.instance.cipher)
    assert token_for(vault, tokens, credential_id).value == "token-1"
    with Api(vault) as api:
        patched = api.request(
            "PATCH",
            f"/credentials/{credential_id}",
            owner_key,
            json={"data": {"scope": "narrower"}, "isPartialData": True},
        )
        assert patched.status_code == 200
    assert token_for(vault, tokens, credential_id).value == "token-2"
    assert endpoint.requests[1]["scope"] == "narrower"


def test_concurrent_requests_should_fetch_one_token(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    credential_id = create_credential(vault, owner_key, **client_data(endpoint))
    tokens = OAuth2Tokens(vault.instance.cipher)

    async def both() -> set[str]:
        async def one() -> str:
            async with vault.instance.database.session() as session:
                credential = await session.get(Credential, credential_id)
                assert credential is not None
                return (await tokens.access_token(session, credential)).value

        return set(await asyncio.gather(one(), one(), one()))

    assert vault.run(both()) == {"token-1"}
    assert len(endpoint.requests) == 1


def test_a_refused_client_should_get_a_clear_error_without_its_secret(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str, logs: LogCollector
) -> None:
    data = client_data(endpoint, clientSecret=f"wrong-{uuid.uuid4().hex}")
    credential_id = create_credential(vault, owner_key, **data)
    with pytest.raises(CredentialTokenError) as caught:
        token_for(vault, OAuth2Tokens(vault.instance.cipher), credential_id)
    message = str(caught.value)
    assert "refused the request with 401 (invalid_client: Unknown client)" in message
    assert data["clientSecret"] not in message and data["clientSecret"] not in logs.text()


def test_an_unreachable_endpoint_should_be_named_in_the_error(
    vault: RunningServer, owner_key: str
) -> None:
    data = {
        "grantType": "clientCredentials",
        "accessTokenUrl": "http://127.0.0.1:1/token",
        "clientId": CLIENT_ID,
        "clientSecret": SECRET,
    }
    credential_id = create_credential(vault, owner_key, **data)
    with pytest.raises(CredentialTokenError, match="could not reach the token endpoint"):
        token_for(vault, OAuth2Tokens(vault.instance.cipher), credential_id)


def test_an_interactive_grant_without_a_token_should_ask_for_the_browser_flow(
    vault: RunningServer, endpoint: TokenEndpoint, owner_key: str
) -> None:
    data = client_data(endpoint, grantType="authorizationCode", authUrl="https://example.test/a")
    credential_id = create_credential(vault, owner_key, **data)
    with pytest.raises(CredentialTokenError, match="connect it in the browser"):
        token_for(vault, OAuth2Tokens(vault.instance.cipher), credential_id)
    assert endpoint.requests == []
