"""429 answers: per key, per user, and per client IP for failed authentications."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from relayflow.auth import key_format
from tests.support.client import Api
from tests.support.keys import UNAUTHORIZED
from tests.support.server import RunningServer, Variant

DRAFT_REMAINING = re.compile(r'^"(?P<name>[a-z-]+)";r=0;t=(?P<t>\d+)$')


def assert_limited(response, policy: str, quota: int, window: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.text
    assert "Too many requests" in response.json()["message"]
    retry_after = int(response.headers["Retry-After"])
    # A sliding window weighs the previous window's hits, so a full window can keep a client
    # waiting into the next one: never longer than two windows.
    assert 1 <= retry_after <= 2 * window
    assert response.headers["RateLimit-Policy"] == f'"{policy}";q={quota};w={window}'
    match = DRAFT_REMAINING.match(response.headers["RateLimit"])
    assert match and match["name"] == policy and int(match["t"]) == retry_after
    assert response.headers["X-RateLimit-Limit"] == str(quota)
    assert response.headers["X-RateLimit-Remaining"] == "0"


@pytest.fixture(scope="module")
def tight(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(
        variant,
        rate_limit_per_key="3/minute",
        rate_limit_per_user="5/minute",
        rate_limit_auth_failures_per_ip="4/minute",
        trusted_proxies=["127.0.0.1/32"],
    )


def test_per_key_limit_should_respond_429_with_standard_headers(tight: RunningServer) -> None:
    key = tight.create_key(tight.create_user())
    with Api(tight) as api:
        for _ in range(3):
            assert api.get("/api-keys/scopes", key).status_code == 200
        assert_limited(api.get("/api-keys/scopes", key), "per-key", 3, 60)


def test_per_user_limit_should_span_all_of_a_users_keys(tight: RunningServer) -> None:
    user = tight.create_user()
    first, second = tight.create_key(user), tight.create_key(user)
    with Api(tight) as api:
        for _ in range(3):
            assert api.get("/api-keys/scopes", first).status_code == 200
        for _ in range(2):
            assert api.get("/api-keys/scopes", second).status_code == 200
        assert_limited(api.get("/api-keys/scopes", second), "per-user", 5, 60)
        other = tight.create_key(tight.create_user())
        assert api.get("/api-keys/scopes", other).status_code == 200


def test_failed_authentications_should_be_limited_per_client_ip(tight: RunningServer) -> None:
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    bystander = {"X-Forwarded-For": "203.0.113.8"}
    with Api(tight) as api:
        for _ in range(4):
            response = api.get("/api-keys", key_format.generate(), headers=attacker)
            assert response.json() == UNAUTHORIZED
        assert_limited(
            api.get("/api-keys", "n8n_api_guess", headers=attacker), "auth-failures-per-ip", 4, 60
        )
        valid = tight.create_key(tight.create_user())
        assert api.get("/api-keys", valid, headers=attacker).status_code == 429
        # Once the key is cached (its warm path), the attacker's address is still refused.
        cached = tight.create_key(tight.create_user())
        assert api.get("/api-keys", cached, headers=bystander).status_code == 200
        assert api.get("/api-keys", cached, headers=attacker).status_code == 429
        assert api.get("/api-keys", valid, headers=bystander).status_code == 200


def test_forwarded_for_should_be_ignored_from_untrusted_peers(
    variant: Variant, make_server: Callable[..., RunningServer]
) -> None:
    server = make_server(variant, rate_limit_auth_failures_per_ip="2/minute")
    with Api(server) as api:
        for address in ("203.0.113.1", "203.0.113.2"):
            response = api.get("/api-keys", "bad", headers={"X-Forwarded-For": address})
            assert response.status_code == 401
        spoofed = api.get("/api-keys", "bad", headers={"X-Forwarded-For": "203.0.113.3"})
        assert spoofed.status_code == 429


def test_instances_sharing_redis_should_share_one_budget(
    variant: Variant, make_server: Callable[..., RunningServer]
) -> None:
    if variant.redis_url is None:
        pytest.skip("budgets are shared through Redis; the embedded default is one process")
    first = make_server(variant, rate_limit_per_key="4/minute")
    second = make_server(variant, share_with=first)
    key = first.create_key(first.create_user())
    with Api(first) as a, Api(second) as b:
        for client in (a, b, a, b):
            assert client.get("/api-keys/scopes", key).status_code == 200
        assert_limited(b.get("/api-keys/scopes", key), "per-key", 4, 60)
