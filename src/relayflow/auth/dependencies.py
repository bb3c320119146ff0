"""The one way in: `X-N8N-API-KEY` for `/api/v1`, the session cookie for `/rest`.

Routes declare the scope they need with `**requires("workflow:read")`, which both enforces
it and documents it in the OpenAPI description.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from relayflow.auth.principal import Principal
from relayflow.auth.scopes import ADMIN, OWNER
from relayflow.core.client_ip import client_ip
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


async def _authenticate(request: Request) -> Principal:
    """Authenticate the request's API key (format, hash, expiry, rate limits).

    Called directly by the route's one access check rather than through nested dependencies:
    on the hottest path of the product, each dependency FastAPI resolves costs measurably.
    """
    instance = request.app.state.instance
    ip = client_ip(request, instance.settings.trusted_networks)
    principal: Principal = await instance.keys.authenticate(
        request.headers.get("x-n8n-api-key"), ip
    )
    request.state.principal = principal
    return principal


async def current_principal(request: Request) -> Principal:
    """The caller, as the route's access check authenticated it."""
    principal: Principal = request.state.principal
    return principal


ApiPrincipal = Annotated[Principal, Depends(current_principal)]


_DECLARED_QUERY: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_names(sub_dependant)
    return names


def reject_unknown_query(request: Request) -> None:
    """400 `Unknown query parameter '<name>'` for anything the route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _DECLARED_QUERY.get(id(route))
    if declared is None:
        declared = _DECLARED_QUERY[id(route)] = frozenset(_query_names(route.dependant))
    for name in request.query_params:
        if name not in declared:
            raise BadRequest(f"Unknown query parameter '{name}'")


def _responses(errors: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    return {**ERROR_RESPONSES, **{status: OPTIONAL_ERRORS[status] for status in errors}}


def requires(
    scope: str, *, instance_admin: bool = False, errors: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Route options that demand `scope` of the caller's key and say so in the docs.

    With `instance_admin`, the key's user must also be the owner or an admin.
    """

    async def check_scope(request: Request) -> None:
        principal = await _authenticate(request)
        reject_unknown_query(request)
        if not principal.has(scope):
            raise Forbidden("Forbidden", headers={"X-Required-Scopes": scope})
        if instance_admin and not principal.is_instance_admin:
            raise Forbidden("Forbidden")

    extra: dict[str, Any] = {"x-required-scopes": [scope], "security": _SECURITY}
    if instance_admin:
        extra["x-required-roles"] = [OWNER, ADMIN]
    return {
        "dependencies": [Depends(check_scope)],
        "openapi_extra": extra,
        "responses": _responses(errors),
    }


def authenticated(errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """Route options for endpoints any valid key may call."""

    async def check_key(request: Request) -> None:
        await _authenticate(request)
        reject_unknown_query(request)

    return {
        "dependencies": [Depends(check_key)],
        "openapi_extra": {"x-required-scopes": [], "security": _SECURITY},
        "responses": _responses(errors),
    }
