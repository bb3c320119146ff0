"""`/api/v1/variables`: n8n's public variables API, on every backend."""

from __future__ import annotations

import base64
import json
import re
import string
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from relayflow.auth.scopes import ROLE_SCOPES
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer

INVALID_CURSOR = {"message": "An invalid cursor was provided"}
NOT_FOUND = {"message": "Not Found"}
KEY_EXISTS = {"message": "Variable key already exists"}
VARIABLE_FIELDS = {"id", "key", "value", "type"}
NANOID = re.compile(r"^[0-9A-Za-z]{16}$")
UNKNOWN_ID = "NoSuchVariable00"

ROUTES = [
    ("POST", "/variables"),
    ("GET", "/variables"),
    ("PUT", "/variables/{id}"),
    ("DELETE", "/variables/{id}"),
]
ROUTE_IDS = ["create", "list", "update", "delete"]


# -- helpers ---------------------------------------------------------------------------------


def new_key(prefix: str = "VAR") -> str:
    """A variable key no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def admin_key(server: RunningServer, scopes: list[str] | None = None) -> str:
    return server.create_key(server.create_user("global:admin"), scopes)


def member_key(server: RunningServer) -> str:
    return server.create_key(server.create_user("global:member"))


def walk(api: Api, key: str, limit: int = 250) -> tuple[list[list[dict]], list[str]]:
    """Every page of `GET /variables` with page size `limit`, and the cursors that led on."""
    pages: list[list[dict]] = []
    cursors: list[str] = []
    query: dict[str, object] = {"limit": limit}
    while True:
        response = api.get("/variables", key, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        pages.append(body["data"])
        if body["nextCursor"] is None:
            return pages, cursors
        cursors.append(body["nextCursor"])
        query = {"cursor": body["nextCursor"]}


def all_variables(api: Api, key: str) -> dict[str, dict]:
    """Every variable `GET /variables` lists, by id."""
    return {item["id"]: item for page in walk(api, key)[0] for item in page}


def by_key(api: Api, key: str, variable_key: str) -> dict[str, Any] | None:
    """The listed variable with `variable_key`, or None."""
    found = [v for v in all_variables(api, key).values() if v["key"] == variable_key]
    assert len(found) <= 1
    return found[0] if found else None


def create_variable(
    api: Api, key: str, variable_key: str | None = None, value: str = "some value"
) -> dict[str, Any]:
    """Create a variable through the API, asserting 201, and return it as listed."""
    name = variable_key or new_key()
    response = api.post("/variables", key, json={"key": name, "value": value})
    assert response.status_code == 201, response.text
    created = by_key(api, key, name)
    assert created is not None
    return created


def by_id(api: Api, key: str, variable_id: str) -> dict[str, Any] | None:
    return all_variables(api, key).get(variable_id)


def cursor_of(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def call(api: Api, method: str, path: str, key: str | None, variable_id: str = UNKNOWN_ID) -> Any:
    """One call of a variables route with a valid body where it takes one."""
    body = {"key": new_key(), "value": "v"} if method in ("POST", "PUT") else None
    return api.request(method, path.format(id=variable_id), key, json=body)


@pytest.fixture(scope="module")
def key(server: RunningServer) -> str:
    """An admin key with every scope, for set-up and checks."""
    return admin_key(server)


# -- authentication and roles ----------------------------------------------------------------


class TestVariablesAccess:
    @pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
    def test_request_should_respond_401_without_key(
        self, api: Api, key: str, method: str, path: str
    ) -> None:
        variable = create_variable(api, key)
        response = call(api, method, path, None, variable["id"])
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED
        assert by_id(api, key, variable["id"]) == variable

    @pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
    def test_request_should_respond_401_with_unknown_key(
        self, api: Api, key: str, method: str, path: str
    ) -> None:
        variable = create_variable(api, key)
        response = call(api, method, path, "n8n_api_" + "A" * 46, variable["id"])
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
        assert by_id(api, key, variable["id"]) == variable

    @pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
    def test_member_key_should_respond_403_and_change_nothing(
        self,
        api: Api,
        key: str,
        server: RunningServer,
        licence_state: str,
        method: str,
        path: str,
    ) -> None:
        variable = create_variable(api, key)
        before = all_variables(api, key)
        response = call(api, method, path, member_key(server), variable["id"])
        assert response.status_code == 403, licence_state
        assert response.json() == FORBIDDEN
        assert all_variables(api, key) == before


# -- POST /variables -------------------------------------------------------------------------


class TestCreateVariable:
    def test_post_should_respond_201_with_empty_body_and_store_it(self, api: Api, key: str) -> None:
        name = new_key()
        response = api.post("/variables", key, json={"key": name, "value": "hello world"})
        assert response.status_code == 201
        assert response.content == b""
        stored = by_key(api, key, name)
        assert stored is not None
        assert set(stored) == VARIABLE_FIELDS
        assert NANOID.match(stored["id"]), stored["id"]
        assert stored == {"id": stored["id"], "key": name, "value": "hello world", "type": "string"}

    @pytest.mark.parametrize(
        ("variable_key", "value"),
        [
            (lambda: (uuid.uuid4().hex + "K" * 50)[:50], "v" * 255),
            (lambda: new_key(), ""),
            (lambda: new_key("lower_UPPER_123"), "ünïcödé ✓ with spaces"),
        ],
        ids=["longest", "empty-value", "mixed"],
    )
    def test_post_should_accept_keys_and_values_within_limits(
        self, api: Api, key: str, variable_key: Callable[[], str], value: str
    ) -> None:
        name = variable_key()
        stored = create_variable(api, key, name, value)
        assert (stored["key"], stored["value"]) == (name, value)

    def test_post_should_accept_a_one_character_key(self, api: Api, key: str) -> None:
        taken = {item["key"] for item in all_variables(api, key).values()}
        alphabet = string.ascii_letters + string.digits + "_"
        name = next(char for char in alphabet if char not in taken)
        assert create_variable(api, key, name)["key"] == name

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({}, "request/body must have required property 'key'"),
            ({"key": "K_1"}, "request/body must have required property 'value'"),
            ({"value": "v"}, "request/body must have required property 'key'"),
            (
                {"key": "K_2", "value": "v", "id": "abc"},
                "request/body must NOT have additional properties ('id')",
            ),
            (
                {"key": "K_3", "value": "v", "type": "string"},
                "request/body must NOT have additional properties ('type')",
            ),
            (
                {"key": "K_4", "value": "v", "secret": True},
                "request/body must NOT have additional properties ('secret')",
            ),
        ],
        ids=["empty", "no-value", "no-key", "id", "type", "unknown"],
    )
    def test_post_should_respond_400_on_invalid_body(
        self, api: Api, key: str, body: dict, message: str
    ) -> None:
        before = all_variables(api, key)
        response = api.post("/variables", key, json=body)
        assert response.status_code == 400
        assert response.json() == {"message": message}
        assert all_variables(api, key) == before

    @pytest.mark.parametrize(
        "variable_key",
        ["", "K" * 51, "with-dash", "with space", "dotted.key", "naïve", "new\nline", "٣"],
        ids=["empty", "too-long", "dash", "space", "dot", "accent", "newline", "arabic-digit"],
    )
    def test_post_should_respond_400_on_invalid_key(
        self, api: Api, key: str, variable_key: str
    ) -> None:
        response = api.post("/variables", key, json={"key": variable_key, "value": "v"})
        assert response.status_code == 400
        assert response.json()["message"].startswith("request/body/key ")
        assert by_key(api, key, variable_key) is None

    def test_post_should_name_the_allowed_key_characters(self, api: Api, key: str) -> None:
        response = api.post("/variables", key, json={"key": "bad-key", "value": "v"})
        assert response.json() == {
            "message": "request/body/key may only contain the characters A-Za-z0-9_"
        }

    @pytest.mark.parametrize(
        "value",
        ["v" * 256, 42, None, ["a"], {"a": 1}, "nul\x00"],
        ids=["too-long", "number", "null", "array", "object", "nul"],
    )
    def test_post_should_respond_400_on_invalid_value(
        self, api: Api, key: str, value: object
    ) -> None:
        name = new_key()
        response = api.post("/variables", key, json={"key": name, "value": value})
        assert response.status_code == 400
        assert response.json()["message"].startswith("request/body/value ")
        assert by_key(api, key, name) is None

    def test_post_should_respond_400_on_non_string_key(self, api: Api, key: str) -> None:
        response = api.post("/variables", key, json={"key": 12, "value": "v"})
        assert response.status_code == 400

    def test_post_should_respond_409_on_duplicate_key_and_keep_the_first(
        self, api: Api, key: str
    ) -> None:
        first = create_variable(api, key, value="first")
        response = api.post("/variables", key, json={"key": first["key"], "value": "second"})
        assert response.status_code == 409
        assert response.json() == KEY_EXISTS
        assert by_key(api, key, first["key"]) == first

    def test_post_should_treat_keys_as_case_sensitive(self, api: Api, key: str) -> None:
        first = create_variable(api, key, new_key("lower"))
        other = create_variable(api, key, first["key"].upper())
        assert other["id"] != first["id"]


# -- GET /variables --------------------------------------------------------------------------


class TestListVariables:
    def test_get_should_respond_200_with_data_and_next_cursor(self, api: Api, key: str) -> None:
        created = [create_variable(api, key, value=f"value {i}") for i in range(3)]
        response = api.get("/variables", key)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        listed = all_variables(api, key)
        for variable in created:
            assert listed[variable["id"]] == variable
        for item in listed.values():
            assert set(item) == VARIABLE_FIELDS
            assert item["type"] == "string"

    def test_get_should_visit_every_variable_once_with_limit_1(self, api: Api, key: str) -> None:
        created = {create_variable(api, key)["id"] for _ in range(3)}
        whole = [item["id"] for page in walk(api, key)[0] for item in page]
        pages, cursors = walk(api, key, 1)
        paged = [item["id"] for page in pages for item in page]
        assert all(len(page) == 1 for page in pages)
        assert paged == whole
        assert len(set(paged)) == len(paged)
        assert created <= set(paged)
        assert len(set(cursors)) == len(cursors) == len(pages) - 1

    def test_get_should_stay_stable_while_variables_come_and_go(self, api: Api, key: str) -> None:
        ids = [create_variable(api, key)["id"] for _ in range(6)]
        seen: list[str] = []
        deleted: set[str] = set()
        query: dict[str, object] = {"limit": 2}
        while True:
            body = api.get("/variables", key, params=query).json()
            seen += [item["id"] for item in body["data"]]
            if body["nextCursor"] is None:
                break
            if not deleted:
                deleted.add(seen[0])
                assert api.delete(f"/variables/{seen[0]}", key).status_code == 204
                create_variable(api, key)
            query = {"cursor": body["nextCursor"]}
        assert len(seen) == len(set(seen))
        assert set(ids) - deleted <= set(seen)

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            base64.b64encode(b"not json").decode(),
            cursor_of([1, 2]),
            cursor_of({"limit": 10, "offset": 0}),
            cursor_of({"limit": 10, "after": [5]}),
            cursor_of({"limit": 300, "after": ["abc"]}),
        ],
        ids=["garbage", "not-json", "array", "offset", "number-id", "limit-too-big"],
    )
    def test_get_should_respond_400_on_invalid_cursor(
        self, api: Api, key: str, cursor: str
    ) -> None:
        response = api.get("/variables", key, params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json() == INVALID_CURSOR

    @pytest.mark.parametrize(
        ("limit", "message"),
        [(0, "request/query/limit must be >= 1"), (251, "request/query/limit must be <= 250")],
    )
    def test_get_should_respond_400_on_limit_out_of_range(
        self, api: Api, key: str, limit: int, message: str
    ) -> None:
        response = api.get("/variables", key, params={"limit": limit})
        assert response.status_code == 400
        assert response.json() == {"message": message}


# -- PUT /variables/{id} ---------------------------------------------------------------------


class TestUpdateVariable:
    def test_put_should_respond_204_and_store_key_and_value(self, api: Api, key: str) -> None:
        variable = create_variable(api, key)
        name = new_key("NEW")
        response = api.request(
            "PUT", f"/variables/{variable['id']}", key, json={"key": name, "value": "changed"}
        )
        assert response.status_code == 204
        assert response.content == b""
        assert by_id(api, key, variable["id"]) == {
            "id": variable["id"],
            "key": name,
            "value": "changed",
            "type": "string",
        }

    def test_put_should_respond_204_when_keeping_its_own_key(self, api: Api, key: str) -> None:
        variable = create_variable(api, key)
        response = api.request(
            "PUT", f"/variables/{variable['id']}", key, json={"key": variable["key"], "value": ""}
        )
        assert response.status_code == 204
        assert by_id(api, key, variable["id"]) == {**variable, "value": ""}

    def test_put_should_respond_404_for_unknown_variable(self, api: Api, key: str) -> None:
        name = new_key()
        response = api.request(
            "PUT", f"/variables/{UNKNOWN_ID}", key, json={"key": name, "value": "v"}
        )
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert by_key(api, key, name) is None

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"key": "ONLY_KEY"},
            {"value": "only value"},
            {"key": "K_5", "value": "v", "id": "x"},
            {"key": "K_6", "value": "v", "type": "string"},
            {"key": "bad-key", "value": "v"},
            {"key": "K_7", "value": "v" * 256},
        ],
        ids=["empty", "no-value", "no-key", "id", "type", "bad-key", "long-value"],
    )
    def test_put_should_respond_400_on_invalid_body(self, api: Api, key: str, body: dict) -> None:
        variable = create_variable(api, key)
        response = api.request("PUT", f"/variables/{variable['id']}", key, json=body)
        assert response.status_code == 400
        assert by_id(api, key, variable["id"]) == variable

    def test_put_should_respond_409_on_existing_key_and_change_nothing(
        self, api: Api, key: str
    ) -> None:
        first, second = create_variable(api, key), create_variable(api, key)
        response = api.request(
            "PUT", f"/variables/{second['id']}", key, json={"key": first["key"], "value": "x"}
        )
        assert response.status_code == 409
        assert response.json() == KEY_EXISTS
        assert by_id(api, key, first["id"]) == first
        assert by_id(api, key, second["id"]) == second


# -- DELETE /variables/{id} ------------------------------------------------------------------


class TestDeleteVariable:
    def test_delete_should_respond_204_and_remove_it(self, api: Api, key: str) -> None:
        variable = create_variable(api, key)
        response = api.delete(f"/variables/{variable['id']}", key)
        assert response.status_code == 204
        assert response.content == b""
        assert by_id(api, key, variable["id"]) is None

    def test_delete_should_free_the_key(self, api: Api, key: str) -> None:
        variable = create_variable(api, key)
        assert api.delete(f"/variables/{variable['id']}", key).status_code == 204
        assert create_variable(api, key, variable["key"])["id"] != variable["id"]

    def test_delete_should_respond_404_for_unknown_variable(self, api: Api, key: str) -> None:
        response = api.delete(f"/variables/{UNKNOWN_ID}", key)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    def test_delete_should_respond_404_the_second_time(self, api: Api, key: str) -> None:
        variable = create_variable(api, key)
        assert api.delete(f"/variables/{variable['id']}", key).status_code == 204
        response = api.delete(f"/variables/{variable['id']}", key)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


# -- scopes ----------------------------------------------------------------------------------

SCOPED_ROUTES = [
    ("variable:create", "POST", "/variables", 201),
    ("variable:list", "GET", "/variables", 200),
    ("variable:update", "PUT", "/variables/{id}", 204),
    ("variable:delete", "DELETE", "/variables/{id}", 204),
]


class TestVariablesScopes:
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
        variable = create_variable(api, key)
        before = all_variables(api, key)
        refused = call(api, method, path, others, variable["id"])
        assert refused.status_code == 403
        assert refused.json() == FORBIDDEN
        assert refused.headers["X-Required-Scopes"] == scope
        assert all_variables(api, key) == before
        allowed = call(api, method, path, holder, variable["id"])
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
        holder = admin_key(server, ["tag:read"])
        variable = create_variable(api, key)
        response = call(api, method, path, holder, variable["id"])
        assert response.status_code == status, (scope, response.text)

    def test_openapi_should_name_the_scope_of_each_variables_route(self, api: Api) -> None:
        paths = api.http.get("/api/v1/openapi.json").json()["paths"]
        for scope, method, path, _ in SCOPED_ROUTES:
            assert paths[path][method.lower()]["x-required-scopes"] == [scope]


def test_values_may_span_lines(api: Api, server: RunningServer) -> None:
    """Line breaks and tabs are fine in a value; other control characters are not."""
    key = server.create_key(server.create_user("global:admin"))
    name = f"MULTI_{uuid.uuid4().hex[:8]}"
    response = api.post("/variables", key, json={"key": name, "value": "line one\nline\ttwo"})
    assert response.status_code == 201, response.text
    found, cursor = [], None
    while True:
        page = api.get("/variables", key, params={"cursor": cursor} if cursor else {}).json()
        found += [item for item in page["data"] if item["key"] == name]
        if (cursor := page["nextCursor"]) is None:
            break
    assert [item["value"] for item in found] == ["line one\nline\ttwo"]
