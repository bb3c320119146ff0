"""The application factory: the public API, the internal REST API and the health checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from relayflow import __version__
from relayflow.api.app import create_public_api, public_routes
from relayflow.api.dispatch import PREFIX, RelayflowApp
from relayflow.db.migrate import is_migrated
from relayflow.http.body_limit import BodyLimitMiddleware
from relayflow.http.errors import install_error_handlers, internal_shape
from relayflow.http.security_headers import SecurityHeadersMiddleware
from relayflow.instance import Instance
from relayflow.rest.api_keys_router import router as rest_api_keys_router
from relayflow.rest.auth_router import router as rest_auth_router
from relayflow.rest.license_router import router as rest_license_router
from relayflow.ui import install_ui


def create_app(instance: Instance) -> RelayflowApp:
    """Everything `relayflow start` serves, for one instance."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await instance.prepare()
        await instance.keys.sync()
        yield
        await instance.close()

    app = RelayflowApp(
        title="Relayflow",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.instance = instance
    app.public_routes = public_routes()
    install_error_handlers(app, internal_shape, public_prefix=PREFIX)

    # First in the route table: probes call these often, and each route before costs.
    @app.get("/healthz")
    async def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/healthz/readiness")
    async def readiness() -> JSONResponse:
        """The database is reachable and migrated."""
        if await is_migrated(instance.database):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "error"}, status_code=503)

    rest = APIRouter(prefix="/rest")
    for router in (rest_auth_router, rest_api_keys_router, rest_license_router):
        rest.include_router(router)
    app.include_router(rest)
    install_ui(app)

    app.mount(PREFIX, create_public_api(instance))
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=instance.settings.payload_size_max)
    return app
