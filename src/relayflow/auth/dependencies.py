"""The one way in: `X-N8N-API-KEY` for `/api/v1`, the session cookie for `/rest`.

Public routers use `PublicRoute`; routes declare the scope they need with
`**requires("workflow:read")`, which both documents it in the OpenAPI description and, through
the route class, enforces it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import Scope

from relayflow.auth.principal import Principal
from relayflow.auth.scopes import ADMIN, OWNER
from relayflow.core.client_ip import client_ip, peer_ip
from relayflow.core.errors import BadRequest, Forbidden
from relayflow.http.schemas import ERROR_RESPONSES, OPTIONAL_ERRORS

SECURITY_SCHEMES = {
    "ApiKeyAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "X-N8N-API-KEY",
        "description": "An API key created under Settings → API or through `/api-keys`.",
    }
}
_SECURITY: list[dict[str, list[str]]] = [{"ApiKeyAuth": []}]


async def current_principal(request: Request) -> Principal:
    """The caller, as the route's access check authenticated it."""
    principal: Principal = request.state.principal
    return principal


ApiPrincipal = Annotated[Principal, Depends(current_principal)]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_names(sub_dependant)
    return names


def _api_key(scope: Scope) -> str | None:
    """The first `X-N8N-API-KEY` header (ASGI servers lower-case header names)."""
    for name, value in scope["headers"]:
        if name == b"x-n8n-api-key":
            text: str = value.decode("latin-1")
            return text
    return None


class PublicRoute(APIRoute):
    """A route of the public API: it authenticates the key before anything else runs.

    The access rule comes from the route's `requires(...)` / `authenticated()` options. The
    check wraps FastAPI's handler instead of being a dependency: it runs on every request of
    the product's hottest path, and outside dependency injection it costs a fraction.
    Every path to the route (however it is routed) goes through this handler.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the key, scope, role and query checks."""
        handler = super().get_route_handler()
        extra = self.openapi_extra or {}
        if "x-required-scopes" not in extra:
            raise TypeError(f"public route {self.path} declares no access rule")
        scopes: list[str] = extra["x-required-scopes"]
        needed = scopes[0] if scopes else None
        admin_only = bool(extra.get("x-required-roles"))
        declared = frozenset(_query_names(self.dependant))

        async def guarded(request: Request) -> Response:
            # Routes are shared by every app built in this process: nothing per instance is
            # kept here. The scope is read directly: this runs on every public request.
            scope = request.scope
            instance = scope["app"].state.instance
            trusted = instance.settings.trusted_networks
            ip = client_ip(request, trusted) if trusted else peer_ip(scope)
            keys, raw = instance.keys, _api_key(scope)
            # `keys.authenticate`, spelled out: a cached key costs no coroutine here.
            principal = keys.admit_cached(raw, ip)
            if principal is None:
                principal = await keys.authenticate_uncached(raw, ip)
            scope.setdefault("state", {})["principal"] = principal
            if scope["query_string"]:
                for name in request.query_params:
                    if name not in declared:
                        raise BadRequest(f"Unknown query parameter '{name}'")
            if needed is not None and needed not in principal.scopes:
                raise Forbidden("Forbidden", headers={"X-Required-Scopes": needed})
            if admin_only and not principal.is_instance_admin:
                raise Forbidden("Forbidden")
            return await handler(request)

        return guarded


def _responses(errors: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    return {**ERROR_RESPONSES, **{status: OPTIONAL_ERRORS[status] for status in errors}}


def requires(
    scope: str, *, instance_admin: bool = False, errors: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Route options that demand `scope` of the caller's key and say so in the docs.

    With `instance_admin`, the key's user must also be the owner or an admin. The router
    must use `PublicRoute`, which enforces what these options declare.
    """
    extra: dict[str, Any] = {"x-required-scopes": [scope], "security": _SECURITY}
    if instance_admin:
        extra["x-required-roles"] = [OWNER, ADMIN]
    return {"openapi_extra": extra, "responses": _responses(errors)}


def authenticated(errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """Route options for endpoints any valid key may call."""
    return {
        "openapi_extra": {"x-required-scopes": [], "security": _SECURITY},
        "responses": _responses(errors),
    }
