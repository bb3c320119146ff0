"""Nothing a client sends becomes a 500: size limits, bad JSON, unknown paths and methods."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from relayflow.db.migrate import head_revisions
from tests.support.client import Api
from tests.support.server import RunningServer, Variant


@pytest.fixture(scope="module")
def small(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(variant, payload_size_max=2048)


@pytest.fixture
def small_api(small: RunningServer) -> Iterator[Api]:
    with Api(small) as client:
        yield client


def test_body_over_the_limit_should_respond_413(small_api: Api, small: RunningServer) -> None:
    key = small.create_key(small.create_user())
    body = {"label": "x" * 3000, "scopes": ["workflow:read"]}
    response = small_api.post("/api-keys", key, json=body)
    assert response.status_code == 413
    assert "2048" in response.json()["message"]
    assert set(response.json()) == {"message"}


def test_chunked_body_over_the_limit_should_respond_413(
    small_api: Api, small: RunningServer
) -> None:
    key = small.create_key(small.create_user())

    def chunks() -> Iterator[bytes]:
        yield b'{"label": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'", "scopes": ["workflow:read"]}'

    response = small_api.post(
        "/api-keys", key, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_chunked_body_under_the_limit_should_pass(small_api: Api, small: RunningServer) -> None:
    key = small.create_key(small.create_user())

    def chunks() -> Iterator[bytes]:
        yield b'{"label": "chunked", '
        yield b'"scopes": ["workflow:read"]}'

    response = small_api.post(
        "/api-keys", key, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_internal_api_should_answer_413_in_its_own_shape(small_api: Api) -> None:
    response = small_api.http.post("/rest/login", content=b"x" * 5000)
    assert response.status_code == 413
    assert response.json()["code"] == 413


def test_unknown_public_path_should_respond_404_not_found(api: Api) -> None:
    response = api.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"message": "not found"}


def test_unknown_internal_path_should_respond_404_in_rest_shape(api: Api) -> None:
    response = api.http.get("/rest/nowhere")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "not found"}


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"null",
        b"[]",
        b"123",
        b'"text"',
        b"{",
        b'{"label": 1, "scopes": "x"}',
        b'{"label": "a", "scopes": [1, 2]}',
        b'{"label": "a", "scopes": [], "expiresAt": {}}',
        b'{"label": "a\\u0000b", "scopes": ["workflow:read"]}',
        b'{"label": "\\ud800", "scopes": ["workflow:read"]}',
        b"\xff\xfe",
    ],
)
def test_garbage_bodies_should_respond_400(api: Api, server: RunningServer, payload: bytes) -> None:
    key = server.create_key(server.create_user())
    response = api.post(
        "/api-keys", key, content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 409), response.text
    assert isinstance(response.json()["message"], str)


def test_responses_should_carry_nosniff(api: Api) -> None:
    assert api.http.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_readiness_should_respond_ok_once_migrated(api: Api) -> None:
    response = api.http.get("/healthz/readiness")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_query_parameter_should_respond_400(api: Api, server: RunningServer) -> None:
    key = server.create_key(server.create_user("global:admin"))
    response = api.get("/users", key, params={"limit": 5, "sortBy": "email"})
    assert response.status_code == 400
    assert response.json() == {"message": "Unknown query parameter 'sortBy'"}
    assert api.get("/users", key, params={"limit": 5, "includeRole": "true"}).status_code == 200
    assert api.get("/api-keys/scopes", key, params={"x": 1}).status_code == 400


def test_unknown_query_parameter_should_not_outrank_authentication(api: Api) -> None:
    assert api.get("/users", "n8n_api_bad", params={"sortBy": "email"}).status_code == 401


def test_readiness_should_respond_503_until_migrated(
    variant: Variant, make_server: Callable[..., RunningServer]
) -> None:
    server = make_server(variant)

    async def set_version(version: str | None) -> None:
        async with server.instance.database.engine.begin() as connection:
            await connection.execute(text("DELETE FROM alembic_version"))
            if version is not None:
                await connection.execute(
                    text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version}
                )

    with Api(server) as client:
        server.run(set_version(None))
        response = client.http.get("/healthz/readiness")
        assert response.status_code == 503
        assert response.json() == {"status": "error"}
        assert client.http.get("/healthz").status_code == 200
        server.run(set_version(max(head_revisions())))
        assert client.http.get("/healthz/readiness").status_code == 200


def test_unknown_path_under_a_known_resource_should_respond_404_not_found(api: Api) -> None:
    # `/workflows` is dispatched straight to its routes; what they do not match falls through.
    for path in ("/workflows/abc/nowhere", "/api-keys/scopes/more"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"message": "not found"}
    # A trailing slash still gets FastAPI's redirect to the route without it.
    redirected = api.get("/workflows/")
    assert redirected.status_code == 307
    assert redirected.headers["location"].endswith("/api/v1/workflows")
