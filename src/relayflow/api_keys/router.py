"""`/api/v1/api-keys`: the spec's key endpoints, authenticated by `X-N8N-API-KEY`."""

from __future__ import annotations

from fastapi import APIRouter

from relayflow.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    ApiKeyRotate,
    ApiKeyUpdate,
    Success,
)
from relayflow.api_keys.service import Actor, ApiKeyService, to_wire
from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, authenticated, requires
from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep

router = APIRouter(prefix="/api-keys", tags=["API keys"], route_class=PublicRoute)


@router.get("", response_model=list[ApiKeyOut], **requires("apiKey:read"))
async def list_api_keys(
    principal: ApiPrincipal, session: SessionDep, instance: InstanceDep
) -> list[dict[str, object]]:
    """Retrieve all API keys of your account, redacted."""
    service = ApiKeyService(session, instance.keys.pepper)
    return [to_wire(key) for key in await service.list_own(Actor.of(principal))]


@router.post("", response_model=ApiKeyCreated, **requires("apiKey:create", errors=(409, 413)))
async def create_api_key(
    body: ApiKeyCreate,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> dict[str, object]:
    """Generate a new API key; `rawApiKey` is returned this once and never again."""
    service = ApiKeyService(session, instance.keys.pepper)
    key, raw = await service.create(
        Actor.of(principal, ip), body.label, body.scopes, body.expiresAt
    )
    return {**to_wire(key), "rawApiKey": raw}


@router.get("/scopes", response_model=list[str], **authenticated())
async def list_available_scopes(principal: ApiPrincipal) -> list[str]:
    """The scopes a key of your role may hold."""
    return list(ROLE_SCOPES.get(principal.role, ()))


@router.patch("/{id}", response_model=Success, **requires("apiKey:update", errors=(404, 409, 413)))
async def update_api_key(
    id: str,
    body: ApiKeyUpdate,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Success:
    """Change an API key's label or scopes."""
    service = ApiKeyService(session, instance.keys.pepper)
    await service.update(Actor.of(principal, ip), id, body.label, body.scopes)
    return Success()


@router.delete("/{id}", response_model=Success, **requires("apiKey:delete", errors=(404,)))
async def delete_api_key(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Success:
    """Revoke an API key permanently, with immediate effect."""
    service = ApiKeyService(session, instance.keys.pepper)
    await service.delete(Actor.of(principal, ip), id)
    return Success()


@router.post(
    "/{id}/rotate", response_model=ApiKeyCreated, **requires("apiKey:update", errors=(404,))
)
async def rotate_api_key(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
    body: ApiKeyRotate | None = None,
) -> dict[str, object]:
    """Replace the key's secret; the old one works until `gracePeriodSeconds` have passed."""
    service = ApiKeyService(session, instance.keys.pepper)
    grace = body.gracePeriodSeconds if body else 0
    key, raw = await service.rotate(Actor.of(principal, ip), id, grace)
    return {**to_wire(key), "rawApiKey": raw}
