"""`/api/v1/audit/api-keys`: the key lifecycle, for owner and admin keys, without secrets."""

from __future__ import annotations

import json

from relayflow.auth import key_format
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, create
from tests.support.server import RunningServer


def events_for(api: Api, admin_key: str, key_id: str) -> list[dict]:
    response = api.get("/audit/api-keys", admin_key, params={"apiKeyId": key_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_lifecycle_should_be_recorded_newest_first(api: Api, server: RunningServer) -> None:
    admin_key = server.create_key(server.create_user("global:admin"))
    created = create(api, admin_key, "audited", ["workflow:read", "tag:read"])
    key_id = created["id"]
    api.patch(
        f"/api-keys/{key_id}",
        admin_key,
        json={"label": "audited-2", "scopes": ["workflow:read", "workflow:list"]},
    )
    rotated = api.post(
        f"/api-keys/{key_id}/rotate", admin_key, json={"gracePeriodSeconds": 0}
    ).json()
    api.delete(f"/api-keys/{key_id}", admin_key)
    api.get("/api-keys", rotated["rawApiKey"])  # refused: the key is gone
    events = events_for(api, admin_key, key_id)
    names = [event["event"] for event in events]
    assert names[:4] == ["apiKey.deleted", "apiKey.rotated", "apiKey.updated", "apiKey.created"]
    updated = events[2]
    assert updated["details"]["scopes"] == {"added": ["workflow:list"], "removed": ["tag:read"]}
    assert updated["details"]["label"] == {"from": "audited", "to": "audited-2"}
    assert events[1]["details"] == {"gracePeriodSeconds": 0}
    assert all(event["ip"] == "127.0.0.1" for event in events)
    text = json.dumps(events)
    assert created["rawApiKey"] not in text and rotated["rawApiKey"] not in text


def test_authentication_failures_should_be_recorded_by_reason(
    api: Api, server: RunningServer
) -> None:
    admin_key = server.create_key(server.create_user("global:admin"))
    unknown = key_format.generate()
    api.get("/api-keys", unknown)
    api.get("/api-keys", "n8n_api_malformed")
    server.run(server.instance.keys.drain())
    response = api.get(
        "/audit/api-keys", admin_key, params={"event": "apiKey.authFailed", "limit": 10}
    )
    reasons = [event["details"]["reason"] for event in response.json()["data"]]
    assert "unknown" in reasons and "malformed" in reasons
    assert unknown not in response.text


def test_pagination_should_walk_every_event_once(api: Api, server: RunningServer) -> None:
    admin_key = server.create_key(server.create_user("global:admin"))
    for number in range(5):
        create(api, admin_key, f"page-{number}", ["workflow:read"])
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, "event": "apiKey.created", **({"cursor": cursor} if cursor else {})}
        page = api.get("/audit/api-keys", admin_key, params=params).json()
        seen += [event["id"] for event in page["data"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 5
    assert seen == sorted(seen, reverse=True)


def test_bad_cursor_should_respond_400(api: Api, server: RunningServer) -> None:
    admin_key = server.create_key(server.create_user("global:admin"))
    response = api.get("/audit/api-keys", admin_key, params={"cursor": "%%%"})
    assert response.status_code == 400
    assert response.json() == {"message": "An invalid cursor was provided"}


def test_members_should_get_403(api: Api, server: RunningServer) -> None:
    member_key = server.create_key(server.create_user())
    response = api.get("/audit/api-keys", member_key)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
