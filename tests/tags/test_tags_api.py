"""`/api/v1/tags`: n8n's public tags API, on every backend."""

from __future__ import annotations

import base64
import json
import re
import string
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.db.models import Workflow, WorkflowTag
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer

INVALID_CURSOR = {"message": "An invalid cursor was provided"}
NOT_FOUND = {"message": "Not Found"}
TAG_EXISTS = {"message": "Tag already exists"}
TAG_FIELDS = {"id", "name", "createdAt", "updatedAt"}
NANOID = re.compile(r"^[0-9A-Za-z]{16}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UNKNOWN_ID = "NoSuchTag0000000"

ROUTES = [
    ("POST", "/tags"),
    ("GET", "/tags"),
    ("GET", "/tags/{id}"),
    ("PUT", "/tags/{id}"),
    ("DELETE", "/tags/{id}"),
]
ROUTE_IDS = ["create", "list", "read", "update", "delete"]


# -- helpers ---------------------------------------------------------------------------------


def new_name(prefix: str = "tag") -> str:
    """A tag name no other test uses (at most 24 characters)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def admin_key(server: RunningServer, scopes: list[str] | None = None) -> str:
    return server.create_key(server.create_user("global:admin"), scopes)


def member_key(server: RunningServer, scopes: list[str] | None = None) -> str:
    return server.create_key(server.create_user("global:member"), scopes)


def create_tag(api: Api, key: str, name: str | None = None) -> dict[str, Any]:
    """Create a tag through the API, asserting 201, and return it."""
    response = api.post("/tags", key, json={"name": name or new_name()})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def read_tag(api: Api, key: str, tag_id: str) -> dict[str, Any] | None:
    """The tag as `GET /tags/{id}` shows it, or None when it is gone."""
    response = api.get(f"/tags/{tag_id}", key)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def walk(api: Api, key: str, limit: int = 250) -> tuple[list[list[dict]], list[str]]:
    """Every page of `GET /tags` with page size `limit`, and the cursors that led on."""
    pages: list[list[dict]] = []
    cursors: list[str] = []
    query: dict[str, object] = {"limit": limit}
    while True:
        response = api.get("/tags", key, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        pages.append(body["data"])
        if body["nextCursor"] is None:
            return pages, cursors
        cursors.append(body["nextCursor"])
        query = {"cursor": body["nextCursor"]}


def all_tags(api: Api, key: str) -> dict[str, dict]:
    """Every tag `GET /tags` lists, by id."""
    return {tag["id"]: tag for page in walk(api, key)[0] for tag in page}


def cursor_of(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def call(api: Api, method: str, path: str, key: str | None, tag_id: str = UNKNOWN_ID) -> Any:
    """One call of a tags route with a valid body where it takes one."""
    body = {"name": new_name()} if method in ("POST", "PUT") else None
    return api.request(method, path.format(id=tag_id), key, json=body)


@pytest.fixture(scope="module")
def key(server: RunningServer) -> str:
    """An admin key with every scope, for set-up and checks."""
    return admin_key(server)


# -- authentication --------------------------------------------------------------------------


class TestTagsAuthentication:
    @pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
    def test_request_should_respond_401_without_key(
        self, api: Api, key: str, method: str, path: str
    ) -> None:
        tag = create_tag(api, key)
        response = call(api, method, path, None, tag["id"])
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED
        assert read_tag(api, key, tag["id"]) == tag

    @pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
    def test_request_should_respond_401_with_unknown_key(
        self, api: Api, key: str, method: str, path: str
    ) -> None:
        tag = create_tag(api, key)
        response = call(api, method, path, "n8n_api_" + "A" * 46, tag["id"])
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
        assert read_tag(api, key, tag["id"]) == tag


# -- POST /tags ------------------------------------------------------------------------------


class TestCreateTag:
    def test_post_should_respond_201_with_the_tag(self, api: Api, key: str) -> None:
        name = new_name()
        response = api.post("/tags", key, json={"name": name})
        assert response.status_code == 201
        tag = response.json()
        assert set(tag) == TAG_FIELDS
        assert tag["name"] == name
        assert NANOID.match(tag["id"]), tag["id"]
        assert ISO_MS.match(tag["createdAt"]), tag["createdAt"]
        assert tag["updatedAt"] == tag["createdAt"]
        assert read_tag(api, key, tag["id"]) == tag

    def test_post_should_respond_201_for_a_member(self, api: Api, server: RunningServer) -> None:
        tag = create_tag(api, member_key(server))
        assert tag["updatedAt"] == tag["createdAt"]

    def test_post_should_trim_the_name(self, api: Api, key: str) -> None:
        name = new_name()
        assert create_tag(api, key, f"  {name}\t")["name"] == name

    def test_post_should_accept_a_24_character_name(self, api: Api, key: str) -> None:
        name = uuid.uuid4().hex[:24]
        assert create_tag(api, key, name)["name"] == name

    def test_post_should_accept_a_1_character_name(self, api: Api, key: str) -> None:
        taken = {tag["name"] for tag in all_tags(api, key).values()}
        name = next(char for char in string.ascii_letters + string.digits if char not in taken)
        assert create_tag(api, key, name)["name"] == name

    def test_post_should_respond_400_without_name(self, api: Api, key: str) -> None:
        response = api.post("/tags", key, json={})
        assert response.status_code == 400
        assert response.json() == {"message": "request/body must have required property 'name'"}

    @pytest.mark.parametrize(
        "field", ["id", "createdAt", "updatedAt", "color"], ids=lambda field: field
    )
    def test_post_should_respond_400_on_extra_field(self, api: Api, key: str, field: str) -> None:
        name = new_name()
        response = api.post("/tags", key, json={"name": name, field: "x"})
        assert response.status_code == 400
        assert field in response.json()["message"]
        assert name not in {tag["name"] for tag in all_tags(api, key).values()}

    @pytest.mark.parametrize(
        "name",
        ["", "   ", "x" * 25, 42, None, ["a"], "tab\tinside", "nul\x00"],
        ids=["empty", "blank", "too-long", "number", "null", "array", "tab", "nul"],
    )
    def test_post_should_respond_400_on_invalid_name(
        self, api: Api, key: str, name: object
    ) -> None:
        response = api.post("/tags", key, json={"name": name})
        assert response.status_code == 400
        assert response.json()["message"].startswith("request/body/name ")

    def test_post_should_respond_400_when_the_trimmed_name_is_too_long(
        self, api: Api, key: str
    ) -> None:
        assert create_tag(api, key, f" {uuid.uuid4().hex[:24]} ")
        response = api.post("/tags", key, json={"name": uuid.uuid4().hex[:25]})
        assert response.status_code == 400
        assert response.json() == {"message": "request/body/name must be 1 to 24 characters long"}

    def test_post_should_respond_400_when_body_is_not_an_object(self, api: Api, key: str) -> None:
        response = api.post("/tags", key, json=["name"])
        assert response.status_code == 400

    def test_post_should_respond_409_on_duplicate_name(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        response = api.post("/tags", key, json={"name": tag["name"]})
        assert response.status_code == 409
        assert response.json() == TAG_EXISTS
        named = [t for t in all_tags(api, key).values() if t["name"] == tag["name"]]
        assert named == [tag]

    def test_post_should_create_a_name_once_under_concurrent_requests(
        self, api: Api, key: str, server: RunningServer
    ) -> None:
        name = new_name("race")

        def attempt(_: int) -> tuple[int, dict]:
            with Api(server) as client:
                response = client.post("/tags", key, json={"name": name})
                return response.status_code, response.json()

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(attempt, range(8)))
        assert sorted(status for status, _ in results) == [201] + [409] * 7
        assert all(body == TAG_EXISTS for status, body in results if status == 409)
        assert [t["name"] for t in all_tags(api, key).values()].count(name) == 1

    def test_post_should_respond_409_on_duplicate_name_after_trimming(
        self, api: Api, key: str
    ) -> None:
        tag = create_tag(api, key)
        response = api.post("/tags", key, json={"name": f"  {tag['name']}  "})
        assert response.status_code == 409
        assert response.json() == TAG_EXISTS


# -- GET /tags -------------------------------------------------------------------------------


class TestListTags:
    def test_get_should_respond_200_with_data_and_next_cursor(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        response = api.get("/tags", key)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        assert all(set(item) == TAG_FIELDS for item in body["data"])
        assert all_tags(api, key)[tag["id"]] == tag

    def test_get_should_respond_200_for_a_member(self, api: Api, server: RunningServer) -> None:
        key = member_key(server)
        tag = create_tag(api, key)
        assert all_tags(api, key)[tag["id"]] == tag

    def test_get_should_list_oldest_first(self, api: Api, key: str) -> None:
        created = [create_tag(api, key)["id"] for _ in range(3)]
        listed = [tag_id for tag_id in all_tags(api, key) if tag_id in created]
        assert listed == created

    def test_get_should_visit_every_tag_once_with_limit_1(self, api: Api, key: str) -> None:
        created = {create_tag(api, key)["id"] for _ in range(3)}
        whole = [tag["id"] for page in walk(api, key)[0] for tag in page]
        pages, cursors = walk(api, key, 1)
        paged = [tag["id"] for page in pages for tag in page]
        assert all(len(page) == 1 for page in pages)
        assert paged == whole
        assert len(set(paged)) == len(paged)
        assert created <= set(paged)
        assert len(set(cursors)) == len(cursors) == len(pages) - 1

    def test_get_should_page_with_limit_and_opaque_cursor(self, api: Api, key: str) -> None:
        create_tag(api, key)
        create_tag(api, key)
        first = api.get("/tags", key, params={"limit": 1}).json()
        assert len(first["data"]) == 1
        assert isinstance(first["nextCursor"], str)
        second = api.get("/tags", key, params={"cursor": first["nextCursor"]}).json()
        assert len(second["data"]) == 1
        assert second["data"][0]["id"] != first["data"][0]["id"]
        assert second["nextCursor"] != first["nextCursor"]

    def test_get_should_stay_stable_while_tags_come_and_go(self, api: Api, key: str) -> None:
        ids = [create_tag(api, key)["id"] for _ in range(6)]
        seen: list[str] = []
        query: dict[str, object] = {"limit": 2}
        inserted: list[str] = []
        while True:
            body = api.get("/tags", key, params=query).json()
            seen += [tag["id"] for tag in body["data"]]
            if body["nextCursor"] is None:
                break
            if ids[0] in seen and not inserted:
                assert api.delete(f"/tags/{ids[0]}", key).status_code == 200
                inserted.append(create_tag(api, key)["id"])
            query = {"cursor": body["nextCursor"]}
        assert len(seen) == len(set(seen))
        assert set(ids[1:]) <= set(seen)
        assert set(inserted) <= set(seen)

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            base64.b64encode(b"not json").decode(),
            cursor_of([1, 2]),
            cursor_of({"limit": 10, "offset": 0}),
            cursor_of({"limit": 10, "after": ["yesterday", "x"]}),
            cursor_of({"limit": 0, "after": ["2024-01-01T00:00:00+00:00", "x"]}),
            cursor_of({"limit": 10, "after": ["2024-01-01T00:00:00+00:00"]}),
        ],
        ids=["garbage", "not-json", "array", "offset", "bad-date", "zero-limit", "short-key"],
    )
    def test_get_should_respond_400_on_invalid_cursor(
        self, api: Api, key: str, cursor: str
    ) -> None:
        response = api.get("/tags", key, params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json() == INVALID_CURSOR

    @pytest.mark.parametrize(
        ("limit", "message"),
        [(0, "request/query/limit must be >= 1"), (251, "request/query/limit must be <= 250")],
    )
    def test_get_should_respond_400_on_limit_out_of_range(
        self, api: Api, key: str, limit: int, message: str
    ) -> None:
        response = api.get("/tags", key, params={"limit": limit})
        assert response.status_code == 400
        assert response.json() == {"message": message}

    def test_get_should_respond_400_on_unknown_query_parameter(self, api: Api, key: str) -> None:
        response = api.get("/tags", key, params={"name": "x"})
        assert response.status_code == 400
        assert response.json() == {"message": "Unknown query parameter 'name'"}


# -- GET /tags/{id} --------------------------------------------------------------------------


class TestGetTag:
    def test_get_should_respond_200_with_the_tag(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        response = api.get(f"/tags/{tag['id']}", key)
        assert response.status_code == 200
        assert response.json() == tag

    def test_get_should_respond_200_for_a_member(
        self, api: Api, key: str, server: RunningServer
    ) -> None:
        tag = create_tag(api, key)
        response = api.get(f"/tags/{tag['id']}", member_key(server))
        assert response.status_code == 200
        assert response.json() == tag
        assert ISO_MS.match(response.json()["createdAt"])

    @pytest.mark.parametrize("tag_id", [UNKNOWN_ID, "x", "a" * 300])
    def test_get_should_respond_404_for_unknown_tag(self, api: Api, key: str, tag_id: str) -> None:
        response = api.get(f"/tags/{tag_id}", key)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


# -- PUT /tags/{id} --------------------------------------------------------------------------


class TestUpdateTag:
    def test_put_should_respond_200_and_rename_the_tag(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        time.sleep(0.005)
        name = new_name("renamed")
        response = api.request("PUT", f"/tags/{tag['id']}", key, json={"name": name})
        assert response.status_code == 200
        renamed = response.json()
        assert set(renamed) == TAG_FIELDS
        assert (renamed["id"], renamed["name"]) == (tag["id"], name)
        assert renamed["createdAt"] == tag["createdAt"]
        assert ISO_MS.match(renamed["updatedAt"])
        assert renamed["updatedAt"] > tag["updatedAt"]
        assert read_tag(api, key, tag["id"]) == renamed

    def test_put_should_respond_200_for_a_member(self, api: Api, server: RunningServer) -> None:
        key = member_key(server)
        tag = create_tag(api, key)
        name = new_name()
        response = api.request("PUT", f"/tags/{tag['id']}", key, json={"name": name})
        assert response.status_code == 200
        assert response.json()["name"] == name

    def test_put_should_trim_the_name(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        name = new_name()
        response = api.request("PUT", f"/tags/{tag['id']}", key, json={"name": f" {name} "})
        assert response.status_code == 200
        assert response.json()["name"] == name

    def test_put_should_respond_200_when_keeping_its_own_name(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        response = api.request("PUT", f"/tags/{tag['id']}", key, json={"name": tag["name"]})
        assert response.status_code == 200
        assert response.json()["name"] == tag["name"]

    def test_put_should_respond_404_for_unknown_tag(self, api: Api, key: str) -> None:
        response = api.request("PUT", f"/tags/{UNKNOWN_ID}", key, json={"name": new_name()})
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({}, "request/body must have required property 'name'"),
            ({"name": "x" * 25}, "request/body/name must be 1 to 24 characters long"),
            ({"name": "  "}, "request/body/name must be 1 to 24 characters long"),
            (
                {"name": "ok", "id": "x"},
                "request/body must NOT have additional properties ('id')",
            ),
        ],
        ids=["empty", "too-long", "blank", "read-only-id"],
    )
    def test_put_should_respond_400_on_invalid_body(
        self, api: Api, key: str, body: dict, message: str
    ) -> None:
        tag = create_tag(api, key)
        response = api.request("PUT", f"/tags/{tag['id']}", key, json=body)
        assert response.status_code == 400
        assert response.json() == {"message": message}
        assert read_tag(api, key, tag["id"]) == tag

    def test_put_should_respond_409_on_existing_name_and_change_nothing(
        self, api: Api, key: str
    ) -> None:
        first, second = create_tag(api, key), create_tag(api, key)
        response = api.request("PUT", f"/tags/{second['id']}", key, json={"name": first["name"]})
        assert response.status_code == 409
        assert response.json() == TAG_EXISTS
        assert read_tag(api, key, first["id"]) == first
        assert read_tag(api, key, second["id"]) == second


# -- DELETE /tags/{id} -----------------------------------------------------------------------


def tag_workflow(server: RunningServer, tag_id: str) -> str:
    """A workflow carrying the tag, stored directly; returns the workflow's id."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        workflow = Workflow(
            name=f"wf-{uuid.uuid4().hex[:8]}",
            nodes=[],
            connections={},
            settings={},
            version_id=str(uuid.uuid4()),
        )
        session.add(workflow)
        await session.flush()
        session.add(WorkflowTag(workflow_id=workflow.id, tag_id=tag_id))
        return workflow.id

    return server.work(task)


def links_of(server: RunningServer, workflow_id: str) -> tuple[bool, int]:
    """Whether the workflow still exists, and how many tags it carries."""

    async def task(_instance: Instance, session: AsyncSession) -> tuple[bool, int]:
        exists = await session.get(Workflow, workflow_id) is not None
        count = await session.scalar(
            select(func.count())
            .select_from(WorkflowTag)
            .where(WorkflowTag.workflow_id == workflow_id)
        )
        return exists, int(count or 0)

    return server.work(task)


class TestDeleteTag:
    def test_delete_should_respond_200_with_the_deleted_tag(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        response = api.delete(f"/tags/{tag['id']}", key)
        assert response.status_code == 200
        assert response.json() == tag
        assert read_tag(api, key, tag["id"]) is None
        assert tag["id"] not in all_tags(api, key)

    def test_delete_should_free_the_name(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        assert api.delete(f"/tags/{tag['id']}", key).status_code == 200
        assert create_tag(api, key, tag["name"])["id"] != tag["id"]

    def test_delete_should_untag_workflows_and_keep_them(
        self, api: Api, key: str, server: RunningServer
    ) -> None:
        tag = create_tag(api, key)
        workflow_id = tag_workflow(server, tag["id"])
        assert links_of(server, workflow_id) == (True, 1)
        assert api.delete(f"/tags/{tag['id']}", key).status_code == 200
        assert links_of(server, workflow_id) == (True, 0)

    def test_delete_should_respond_404_for_unknown_tag(self, api: Api, key: str) -> None:
        response = api.delete(f"/tags/{UNKNOWN_ID}", key)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    def test_delete_should_respond_404_the_second_time(self, api: Api, key: str) -> None:
        tag = create_tag(api, key)
        assert api.delete(f"/tags/{tag['id']}", key).status_code == 200
        response = api.delete(f"/tags/{tag['id']}", key)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    def test_delete_should_respond_403_for_a_member_and_keep_the_tag(
        self, api: Api, key: str, server: RunningServer, licence_state: str
    ) -> None:
        tag = create_tag(api, key)
        response = api.delete(f"/tags/{tag['id']}", member_key(server))
        assert response.status_code == 403, licence_state
        assert response.json() == FORBIDDEN
        assert read_tag(api, key, tag["id"]) == tag


# -- scopes ----------------------------------------------------------------------------------

SCOPED_ROUTES = [
    ("tag:create", "POST", "/tags", 201),
    ("tag:list", "GET", "/tags", 200),
    ("tag:read", "GET", "/tags/{id}", 200),
    ("tag:update", "PUT", "/tags/{id}", 200),
    ("tag:delete", "DELETE", "/tags/{id}", 200),
]


class TestTagsScopes:
    @pytest.mark.parametrize(("scope", "method", "path", "status"), SCOPED_ROUTES, ids=ROUTE_IDS)
    def test_licensed_key_should_need_the_matching_scope(
        self,
        api: Api,
        key: str,
        server: RunningServer,
        licensed: RunningServer,
        scope: str,
        method: str,
        path: str,
        status: int,
    ) -> None:
        admin = server.create_user("global:admin")
        holder = server.create_key(admin, [scope])
        others = server.create_key(admin, [s for s in ROLE_SCOPES[admin.role] if s != scope])
        tag = create_tag(api, key)
        refused = call(api, method, path, others, tag["id"])
        assert refused.status_code == 403
        assert refused.json() == FORBIDDEN
        assert refused.headers["X-Required-Scopes"] == scope
        assert read_tag(api, key, tag["id"]) == tag
        allowed = call(api, method, path, holder, tag["id"])
        assert allowed.status_code == status, allowed.text

    @pytest.mark.parametrize(
        ("scope", "method", "path", "status"), SCOPED_ROUTES[:4], ids=ROUTE_IDS[:4]
    )
    def test_licensed_member_key_should_need_the_matching_scope(
        self,
        api: Api,
        key: str,
        server: RunningServer,
        licensed: RunningServer,
        scope: str,
        method: str,
        path: str,
        status: int,
    ) -> None:
        member = server.create_user("global:member")
        holder = server.create_key(member, [scope])
        others = server.create_key(member, [s for s in ROLE_SCOPES[member.role] if s != scope])
        tag = create_tag(api, key)
        refused = call(api, method, path, others, tag["id"])
        assert refused.status_code == 403
        assert refused.headers["X-Required-Scopes"] == scope
        allowed = call(api, method, path, holder, tag["id"])
        assert allowed.status_code == status, allowed.text

    @pytest.mark.parametrize(("scope", "method", "path", "status"), SCOPED_ROUTES, ids=ROUTE_IDS)
    def test_unlicensed_admin_key_should_pass_with_any_scope(
        self,
        api: Api,
        key: str,
        server: RunningServer,
        unlicensed: RunningServer,
        scope: str,
        method: str,
        path: str,
        status: int,
    ) -> None:
        holder = admin_key(server, ["workflow:read"])
        tag = create_tag(api, key)
        response = call(api, method, path, holder, tag["id"])
        assert response.status_code == status, (scope, response.text)

    @pytest.mark.parametrize(("scope", "method", "path", "status"), SCOPED_ROUTES, ids=ROUTE_IDS)
    def test_unlicensed_member_key_should_follow_the_role(
        self,
        api: Api,
        key: str,
        server: RunningServer,
        unlicensed: RunningServer,
        scope: str,
        method: str,
        path: str,
        status: int,
    ) -> None:
        holder = member_key(server, ["workflow:read"])
        tag = create_tag(api, key)
        response = call(api, method, path, holder, tag["id"])
        if scope == "tag:delete":
            assert response.status_code == 403
            assert response.json() == FORBIDDEN
            assert read_tag(api, key, tag["id"]) == tag
        else:
            assert response.status_code == status, (scope, response.text)

    def test_openapi_should_name_the_scope_of_each_tags_route(self, api: Api) -> None:
        paths = api.http.get("/api/v1/openapi.json").json()["paths"]
        for scope, method, path, _ in SCOPED_ROUTES:
            assert paths[path][method.lower()]["x-required-scopes"] == [scope]
