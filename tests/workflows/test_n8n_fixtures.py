"""Real n8n exports import unchanged, read back field for field, and import back again.

Every file of `shared/fixtures/n8n-workflows/` (100 workflows exported by n8n instances of
many eras) is turned into the public-API payload an n8n API client builds from an export:
the fields `POST /workflows` accepts (`name`, `nodes`, `connections`, `settings`,
`staticData`) are kept as they are and everything else the export holds (`id`, `active`,
`tags`, `pinData`, `meta`, `versionId`, …) is dropped. One backend is enough: this proves
the JSON round trip, not the database.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.server import RunningServer, Variant

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "n8n-workflows"
FILES = sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []

WRITABLE = ("name", "nodes", "connections", "settings", "staticData")
"""The top-level fields of n8n's public workflow schema that an import sends."""

READ_ONLY_ON_READ = {
    "id",
    "active",
    "isArchived",
    "createdAt",
    "updatedAt",
    "meta",
    "versionId",
    "triggerCount",
    "tags",
    "pinData",
}
"""What a read returns that a client must strip before sending the workflow back."""

EXPECTED_ON_READ = {
    "id",
    "name",
    "active",
    "isArchived",
    "createdAt",
    "updatedAt",
    "nodes",
    "connections",
    "settings",
    "staticData",
    "meta",
    "versionId",
    "triggerCount",
    "shared",
    "tags",
    "pinData",
}


def payload_of(path: Path) -> dict[str, Any]:
    """The `POST /workflows` body an n8n API client builds from the export at `path`."""
    export = json.loads(path.read_text(encoding="utf-8"))
    body: dict[str, Any] = {
        "name": export.get("name") or path.stem,
        "nodes": export["nodes"],
        "connections": export["connections"],
        "settings": export.get("settings") or {},
    }
    if "staticData" in export:
        body["staticData"] = export["staticData"]
    assert set(body) <= set(WRITABLE)
    return body


def has_id(node: dict[str, Any]) -> bool:
    """Whether n8n keeps the node's id (`if (!node.id) node.id = uuid()`)."""
    return bool(node.get("id"))


def assert_same_workflow(sent: dict[str, Any], got: dict[str, Any]) -> None:
    """`got` (a read) holds exactly what was sent, node ids aside where none was sent."""
    assert got["name"] == sent["name"]
    assert got["connections"] == sent["connections"]
    assert got["settings"] == sent["settings"]
    assert got["staticData"] == sent.get("staticData")
    assert len(got["nodes"]) == len(sent["nodes"])
    for mine, theirs in zip(sent["nodes"], got["nodes"], strict=True):
        if has_id(mine):
            assert theirs == mine, mine["name"]
        else:
            assert uuid.UUID(theirs["id"]).version == 4, mine["name"]
            assert {k: v for k, v in theirs.items() if k != "id"} == {
                k: v for k, v in mine.items() if k != "id"
            }, mine["name"]


@pytest.fixture(scope="module")
def importer(variant: Variant, server: RunningServer, api: Api) -> tuple[Api, str]:
    """A member's key on the shared SQLite server, and the module's client."""
    if variant.name != "sqlite":
        pytest.skip("the import round trip proves the JSON shape; one backend is enough")
    if not FILES:
        pytest.skip(f"n8n workflow fixtures not found at {FIXTURES} (CI copies shared/ there)")
    return api, server.create_key(server.create_user("global:member"))


def test_fixtures_should_be_present() -> None:
    if not FILES:
        pytest.skip(f"n8n workflow fixtures not found at {FIXTURES}")
    assert len(FILES) >= 100


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
class TestImportN8nExport:
    def test_post_should_store_the_export_and_what_it_returns_should_import_back(
        self, importer: tuple[Api, str], path: Path
    ) -> None:
        api, key = importer
        sent = payload_of(path)

        # The export imports and reads back field for field.
        created = api.post("/workflows", key, json=sent)
        assert created.status_code == 200, created.text
        assert_same_workflow(sent, created.json())
        read = api.get(f"/workflows/{created.json()['id']}", key)
        assert read.status_code == 200, read.text
        first = read.json()
        assert set(first) == EXPECTED_ON_READ
        assert_same_workflow(sent, first)
        assert first["nodes"] == created.json()["nodes"]
        assert first["active"] is False
        assert first["isArchived"] is False
        assert first["tags"] == []
        assert first["pinData"] is None

        # What Relayflow returns, stripped of read-only fields, imports back unchanged.
        again = {k: v for k, v in first.items() if k not in READ_ONLY_ON_READ}
        assert set(again) == {*WRITABLE, "shared"}
        reimported = api.post("/workflows", key, json=again)
        assert reimported.status_code == 200, reimported.text
        second = api.get(f"/workflows/{reimported.json()['id']}", key).json()
        assert second["id"] != first["id"]
        assert second["versionId"] != first["versionId"]
        for field in WRITABLE:
            assert second[field] == first[field], field
        assert [(row["projectId"], row["role"]) for row in second["shared"]] == [
            (row["projectId"], row["role"]) for row in first["shared"]
        ]
