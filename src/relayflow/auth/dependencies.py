"""The one way in: `X-N8N-API-KEY` for `/api/v1`, the session cookie for `/rest`.

Routes declare the scope they need with `**requires("workflow:read")`, which both enforces
it and documents it in the OpenAPI description.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from relayflow.auth.principal import Principal
from relayflow.auth.scopes import ADMIN, OWNER
from relayflow.core.errors import Forbidden
from relayflow.http.deps import ClientIp, InstanceDep
from relayflow.http.schemas import ERROR_RESPONSES

api_key_header = APIKeyHeader(
    name="X-N8N-API-KEY",
    auto_error=False,
    scheme_name="ApiKeyAuth",
    description="An API key created under Settings → API or through `/api-keys`.",
)


async def api_principal(
    request: Request,
    instance: InstanceDep,
    ip: ClientIp,
    raw: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    """Authenticate the request's API key (format, hash, expiry, rate limits)."""
    principal = await instance.keys.authenticate(raw, ip)
    request.state.principal = principal
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def requires(scope: str, *, instance_admin: bool = False) -> dict[str, Any]:
    """Route options that demand `scope` of the caller's key and say so in the docs.

    With `instance_admin`, the key's user must also be the owner or an admin.
    """

    async def check_scope(principal: ApiPrincipal) -> None:
        if not principal.has(scope):
            raise Forbidden("Forbidden", headers={"X-Required-Scopes": scope})
        if instance_admin and not principal.is_instance_admin:
            raise Forbidden("Forbidden")

    extra: dict[str, Any] = {"x-required-scopes": [scope]}
    if instance_admin:
        extra["x-required-roles"] = [OWNER, ADMIN]
    return {
        "dependencies": [Depends(check_scope)],
        "openapi_extra": extra,
        "responses": ERROR_RESPONSES,
    }


def authenticated() -> dict[str, Any]:
    """Route options for endpoints any valid key may call."""

    async def check_key(principal: ApiPrincipal) -> None:
        del principal

    return {
        "dependencies": [Depends(check_key)],
        "openapi_extra": {"x-required-scopes": []},
        "responses": ERROR_RESPONSES,
    }
