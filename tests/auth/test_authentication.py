"""The spec's failure answers: 401 for missing, wrong or expired keys; 403 for missing scopes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from relayflow.auth import key_format
from relayflow.auth.dependencies import PublicRoute
from relayflow.auth.principal import Principal
from relayflow.core.gate import LocalAuthGate
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED, future, key_id_of
from tests.support.server import RunningServer


def _refusal(response: httpx.Response) -> tuple[int, bytes, str | None]:
    return response.status_code, response.content, response.headers.get("content-type")


class TestMissingHeader:
    def test_get_should_respond_401_header_required_without_a_header(self, api: Api) -> None:
        response = api.get("/api-keys")
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED

    def test_get_should_respond_401_header_required_for_an_empty_header(self, api: Api) -> None:
        response = api.get("/api-keys", "")
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED


class TestRefusedKeys:
    def test_every_bad_key_should_get_the_same_answer(
        self, api: Api, server: RunningServer
    ) -> None:
        user = server.create_user("global:admin")
        valid = server.create_key(user, label="to-delete")
        deleted_id = key_id_of(api, valid, "to-delete")
        assert api.delete(f"/api-keys/{deleted_id}", valid).status_code == 200
        expired = server.create_key(user, expires_at=future(1), label="expiring")
        time.sleep(1.1)
        unknown = key_format.generate()
        bad_checksum = unknown[:-1] + ("A" if unknown[-1] != "A" else "B")
        candidates = {
            "deleted": valid,
            "expired": expired,
            "unknown": unknown,
            "bad checksum": bad_checksum,
            "wrong prefix": "n8n_xyz" + unknown[7:],
            "too short": unknown[:-2],
            "bad alphabet": unknown[:20] + "-" + unknown[21:],
            "jwt-like": "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "spec example": "n8n_api_1234567890abcdef",
            "too long": unknown + "A",
        }
        answers = {name: _refusal(api.get("/api-keys", key)) for name, key in candidates.items()}
        first = answers["unknown"]
        assert first[0] == 401
        assert api.get("/api-keys", unknown).json() == UNAUTHORIZED
        for name, answer in answers.items():
            assert answer == first, name

    def test_header_name_should_be_case_insensitive(self, api: Api, server: RunningServer) -> None:
        key = server.create_key(server.create_user())
        for name in ("x-n8n-api-key", "X-N8N-API-KEY", "X-n8N-Api-Key"):
            response = api.http.get("/api/v1/api-keys", headers={name: key})
            assert response.status_code == 200, name

    def test_expiry_should_apply_with_a_warm_cache(self, api: Api, server: RunningServer) -> None:
        expires_at = future(3)  # at least 2 s away: whole seconds
        key = server.create_key(server.create_user(), expires_at=expires_at)
        deadline = min(time.time() + 1, expires_at - 0.5)
        while time.time() < deadline:
            assert api.get("/api-keys", key).status_code == 200
        time.sleep(max(0.0, expires_at - time.time()) + 0.1)
        refused = api.get("/api-keys", key)
        assert refused.status_code == 401
        assert refused.json() == UNAUTHORIZED


class TestScopeChecks:
    def test_missing_scope_should_respond_403_with_required_scopes(
        self, api: Api, licensed: RunningServer
    ) -> None:
        key = licensed.create_key(licensed.create_user("global:admin"), ["workflow:read"])
        response = api.get("/api-keys", key)
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
        assert response.headers["X-Required-Scopes"] == "apiKey:read"

    def test_matching_scope_should_pass(self, api: Api, licensed: RunningServer) -> None:
        key = licensed.create_key(licensed.create_user(), ["apiKey:read"])
        assert api.get("/api-keys", key).status_code == 200

    def test_scope_checks_should_follow_only_after_authentication(
        self, api: Api, licensed: RunningServer
    ) -> None:
        response = api.get("/users", key_format.generate())
        assert response.status_code == 401
        assert "X-Required-Scopes" not in response.headers

    def test_unlicensed_key_should_have_every_scope_of_its_role(
        self, api: Api, unlicensed: RunningServer
    ) -> None:
        admin_key = unlicensed.create_key(unlicensed.create_user("global:admin"), ["workflow:read"])
        assert api.get("/api-keys", admin_key).status_code == 200
        assert api.get("/users", admin_key).status_code == 200
        member_key = unlicensed.create_key(unlicensed.create_user(), ["workflow:read"])
        assert api.get("/api-keys", member_key).status_code == 200
        denied = api.get("/users", member_key)
        assert denied.status_code == 403
        assert denied.json() == FORBIDDEN
        assert denied.headers["X-Required-Scopes"] == "user:list"

    def test_effective_scopes_should_follow_the_current_role(
        self, api: Api, server: RunningServer, licensed: RunningServer
    ) -> None:
        admin = server.create_user("global:admin")
        admin_key = server.create_key(admin, ["user:list", "apiKey:read"])
        changer = server.create_key(server.create_user("global:admin"), ["user:changeRole"])
        assert api.get("/users", admin_key).status_code == 200
        demote = api.patch(
            f"/users/{admin.id}/role", changer, json={"newRoleName": "global:member"}
        )
        assert demote.status_code == 204
        assert api.get("/users", admin_key).status_code == 403
        assert api.get("/api-keys", admin_key).json()[0]["scopes"] == ["apiKey:read"]
        assert (
            api.patch(
                f"/users/{admin.id}/role", changer, json={"newRoleName": "global:admin"}
            ).status_code
            == 204
        )
        assert api.get("/users", admin_key).status_code == 403  # owner-only scopes were removed

    def test_deleting_a_user_should_revoke_its_keys(self, api: Api, server: RunningServer) -> None:
        doomed = server.create_user()
        doomed_key = server.create_key(doomed)
        assert api.get("/api-keys", doomed_key).status_code == 200
        deleter = server.create_key(server.create_user("global:admin"))
        assert api.delete(f"/users/{doomed.id}", deleter).status_code == 204
        assert api.get("/api-keys", doomed_key).json() == UNAUTHORIZED


class TestLastUsed:
    def test_list_should_show_when_a_key_was_last_used(
        self, api: Api, server: RunningServer
    ) -> None:
        key = server.create_key(server.create_user(), label="used")
        before = next(i for i in api.get("/api-keys", key).json() if i["label"] == "used")
        server.run(server.instance.keys.drain())
        after = next(i for i in api.get("/api-keys", key).json() if i["label"] == "used")
        assert before["lastUsedAt"] is None or before["lastUsedAt"].endswith("Z")
        assert after["lastUsedAt"] is not None
        assert after["updatedAt"] == before["updatedAt"]

    def test_last_used_should_be_written_at_most_once_a_minute(
        self, api: Api, server: RunningServer
    ) -> None:
        key = server.create_key(server.create_user(), label="busy")
        api.get("/api-keys", key)
        server.run(server.instance.keys.drain())
        first = next(i for i in api.get("/api-keys", key).json() if i["label"] == "busy")
        for _ in range(5):
            api.get("/api-keys", key)
        server.run(server.instance.keys.drain())
        again = next(i for i in api.get("/api-keys", key).json() if i["label"] == "busy")
        assert again["lastUsedAt"] == first["lastUsedAt"]


def test_only_a_cached_key_on_the_embedded_gate_should_pass_without_waiting(
    api: Api, server: RunningServer
) -> None:
    """`admit_cached` answers what needs no I/O and leaves the rest to the full check."""
    user = server.create_user()
    key = server.create_key(user, label="warm")
    keys = server.instance.keys

    async def warm() -> Principal | None:
        return keys.admit_cached(key, "198.51.100.7")

    assert server.run(warm()) is None  # not verified since the key was created
    assert api.get("/api-keys", key).status_code == 200
    admitted = server.run(warm())
    if isinstance(keys.gate, LocalAuthGate):
        assert admitted is not None and admitted.user_id == user.id
    else:
        assert admitted is None  # budgets kept in Redis always take the round trip


def test_a_lookup_returning_during_a_resync_should_not_refill_the_cache(
    server: RunningServer,
) -> None:
    """A row read before a revocation, returning while the verifier re-reads the licence,
    must not go back into the freshly cleared cache (it would admit the revoked key)."""
    key = server.create_key(server.create_user(), label="raced")
    keys = server.instance.keys
    licence = keys.licence
    reload = licence.reload

    async def scenario() -> bool:
        old = await keys.sync()
        resyncing, release = asyncio.Event(), asyncio.Event()

        async def paused(session: Any) -> Any:
            resyncing.set()
            await release.wait()
            return await reload(session)

        licence.reload = paused  # type: ignore[method-assign]
        try:
            await keys.invalidate()  # as a revocation does, after its commit
            resync = asyncio.ensure_future(keys.sync())
            await resyncing.wait()
            # The lookup that began before the change returns now, with the old epoch.
            await keys._load(key, keys.cache_keys.of(key), old)
            release.set()
            await resync
        finally:
            licence.reload = reload  # type: ignore[method-assign]
        return keys.cache_keys.of(key) in keys._cache

    assert server.run(scenario()) is False


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_undeclared_method_should_respond_405(api: Api, server: RunningServer, method: str) -> None:
    key = server.create_key(server.create_user())
    response = api.request(method, "/api-keys", key)
    assert response.status_code == 405
    assert "message" in response.json()


def test_public_route_without_an_access_rule_should_fail_at_import() -> None:
    router = APIRouter(route_class=PublicRoute)

    async def open_door() -> list[str]:
        return []

    with pytest.raises(TypeError, match="declares no access rule"):
        router.add_api_route("/open", open_door, methods=["GET"])
