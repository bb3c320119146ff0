"""Small helpers shared by the key tests."""

from __future__ import annotations

import re
import time

from tests.support.client import Api

RAW_KEY = re.compile(r"^n8n_api_[0-9A-Za-z]{46}$")
REDACTED = re.compile(r"^n8n_api_•{12}[0-9A-Za-z]{4}$")
UNAUTHORIZED = {"message": "unauthorized"}
HEADER_REQUIRED = {"message": "'X-N8N-API-KEY' header required"}
FORBIDDEN = {"message": "Forbidden"}


def future(seconds: int = 3600) -> int:
    """A Unix time `seconds` from now."""
    return int(time.time()) + seconds


def create(api: Api, key: str, label: str, scopes: list[str], **extra: object) -> dict:
    """Create a key through the public API and return the response body (asserting 200)."""
    response = api.post("/api-keys", key, json={"label": label, "scopes": scopes, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def key_id_of(api: Api, key: str, label: str) -> str:
    """The id of the caller's key with `label`."""
    listed = api.get("/api-keys", key).json()
    return next(item["id"] for item in listed if item["label"] == label)
