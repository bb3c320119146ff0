"""The `/api/v1` application: n8n's public API, its OpenAPI document and Swagger UI."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute
from swagger_ui_bundle import swagger_ui_path

from relayflow import __version__
from relayflow.api_keys.router import router as api_keys_router
from relayflow.audit.router import router as audit_router
from relayflow.auth.dependencies import SECURITY_SCHEMES
from relayflow.credentials.router import router as credentials_router
from relayflow.executions.router import router as executions_router
from relayflow.http.errors import install_error_handlers, public_shape
from relayflow.instance import Instance
from relayflow.projects.router import router as projects_router
from relayflow.tags.router import router as tags_router
from relayflow.users.router import router as users_router
from relayflow.variables.router import router as variables_router
from relayflow.workflows.router import router as workflows_router

DESCRIPTION = """\
Relayflow's public REST API, compatible with n8n's API v1.

Every request carries an API key in the `X-N8N-API-KEY` header. Each operation names the
scope it needs in `x-required-scopes`; a key without it gets `403 Forbidden` and a
`X-Required-Scopes` header. Without the `apiKeyScopes` licence, a key has every scope of its
user's role.
"""


ROUTERS = (
    workflows_router,
    executions_router,
    credentials_router,
    tags_router,
    projects_router,
    variables_router,
    users_router,
    api_keys_router,
    audit_router,
)


def public_routes() -> tuple[BaseRoute, ...]:
    """Every route of the public API, in the order FastAPI would try them."""
    return tuple(route for router in ROUTERS for route in router.routes)


def create_public_api(instance: Instance) -> FastAPI:
    """The public API as an application of its own, mounted at `/api/v1`."""
    api = FastAPI(
        title="Relayflow Public API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        servers=[{"url": "/api/v1"}],
    )
    api.state.instance = instance
    build_document = api.openapi

    def openapi_document() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = build_document()
            document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        return api.openapi_schema or {}

    api.openapi = openapi_document  # type: ignore[method-assign]
    install_error_handlers(api, public_shape)
    # Requests for these routes normally arrive through `PublicApiDispatch`; included here
    # they make the OpenAPI document, and answer whatever the dispatch passes on.
    for router in ROUTERS:
        api.include_router(router)
    api.mount("/docs/static", StaticFiles(directory=swagger_ui_path), name="swagger-static")

    @api.get("/openapi.yml", include_in_schema=False)
    async def openapi_yaml() -> Response:
        document: dict[str, Any] = api.openapi()
        return Response(yaml.safe_dump(document, sort_keys=False), media_type="application/yaml")

    @api.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="Relayflow Public API",
            swagger_js_url=f"{root}/docs/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/static/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/static/favicon-32x32.png",
        )

    return api
