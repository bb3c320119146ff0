"""The OpenAPI document: JSON and YAML, Swagger UI served locally, every operation documented."""

from __future__ import annotations

import yaml

from tests.support.client import Api


def test_openapi_json_should_document_every_operation_with_scopes(api: Api) -> None:
    response = api.http.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-N8N-API-KEY",
        "description": document["components"]["securitySchemes"]["ApiKeyAuth"]["description"],
    }
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 11
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert "x-required-scopes" in operation, where
        assert operation.get("security") == [{"ApiKeyAuth": []}], where
        assert operation.get("summary") and operation.get("description"), where
        for status in ("401", "403", "429"):
            assert status in operation["responses"], where


def test_openapi_should_name_the_scope_of_each_key_endpoint(api: Api) -> None:
    paths = api.http.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api-keys"]["get"]["x-required-scopes"] == ["apiKey:read"]
    assert paths["/api-keys"]["post"]["x-required-scopes"] == ["apiKey:create"]
    assert paths["/api-keys/{id}"]["patch"]["x-required-scopes"] == ["apiKey:update"]
    assert paths["/api-keys/{id}"]["delete"]["x-required-scopes"] == ["apiKey:delete"]
    assert paths["/api-keys/scopes"]["get"]["x-required-scopes"] == []
    assert paths["/users"]["get"]["x-required-scopes"] == ["user:list"]


def test_openapi_yaml_should_match_the_json(api: Api) -> None:
    response = api.http.get("/api/v1/openapi.yml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text) == api.http.get("/api/v1/openapi.json").json()


def test_swagger_ui_should_be_served_without_a_cdn(api: Api) -> None:
    page = api.http.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/openapi.json" in page.text
    assert "cdn" not in page.text.lower()
    assert api.http.get("/api/v1/docs/static/swagger-ui-bundle.js").status_code == 200
    assert api.http.get("/api/v1/docs/static/swagger-ui.css").status_code == 200


def test_spec_endpoints_should_need_no_key(api: Api) -> None:
    assert api.http.get("/api/v1/openapi.json").status_code == 200
