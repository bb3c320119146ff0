"""An HTTP client for a test server, with helpers for keys and sessions."""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Any

import httpx

from tests.support.server import PASSWORD, RunningServer

HEADER = "X-N8N-API-KEY"
# Test servers speak plain HTTP; one shared context spares every client loading the CA store.
_TLS = ssl.create_default_context()


class Api:
    """Real HTTP against a running test server."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=30, verify=_TLS)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.http.close()

    def request(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A call to `/api/v1{path}` with `key` in `X-N8N-API-KEY` (none if None)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers[HEADER] = key
        return self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, key, **kwargs)

    def post(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, key, **kwargs)

    def patch(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, key, **kwargs)

    def delete(self, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, key, **kwargs)

    def browser(self) -> httpx.Client:
        """A separate client with its own cookie jar, for `/rest` sessions."""
        return httpx.Client(base_url=self.server.url, timeout=30, verify=_TLS)

    def signed_in(self, email: str, password: str = PASSWORD) -> httpx.Client:
        """A browser-like client signed in as `email`."""
        client = self.browser()
        response = client.post(
            "/rest/login", json={"emailOrLdapLoginId": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return client
