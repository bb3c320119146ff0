"""`/rest/api-keys`: the session-authenticated twins of the key endpoints, for the web UI."""

from __future__ import annotations

from fastapi import APIRouter

from relayflow.api_keys.schemas import ApiKeyCreate, ApiKeyRotate, ApiKeyUpdate
from relayflow.api_keys.service import Actor, ApiKeyService, to_wire
from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.auth.session_dependencies import SessionPrincipal
from relayflow.db.models import ApiKey
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep

router = APIRouter(prefix="/api-keys", tags=["API keys (session)"])


def _internal(key: ApiKey) -> dict[str, object]:
    return {**to_wire(key), "userId": key.user_id}


@router.get("")
async def list_keys(
    principal: SessionPrincipal, session: SessionDep, instance: InstanceDep
) -> dict[str, object]:
    """The signed-in user's keys, redacted."""
    keys = await ApiKeyService(session, instance.keys.pepper).list_own(Actor.of(principal))
    return {"data": [_internal(key) for key in keys]}


@router.post("")
async def create_key(
    body: ApiKeyCreate,
    principal: SessionPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> dict[str, object]:
    """Create a key; the raw value is in this answer only."""
    service = ApiKeyService(session, instance.keys.pepper)
    key, raw = await service.create(
        Actor.of(principal, ip), body.label, body.scopes, body.expiresAt
    )
    return {"data": {**_internal(key), "rawApiKey": raw}}


@router.get("/scopes")
async def list_scopes(principal: SessionPrincipal) -> dict[str, object]:
    """The scopes the signed-in user's role allows."""
    return {"data": list(ROLE_SCOPES.get(principal.role, ()))}


@router.patch("/{key_id}")
async def update_key(
    key_id: str,
    body: ApiKeyUpdate,
    principal: SessionPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> dict[str, object]:
    """Change a key's label or scopes."""
    service = ApiKeyService(session, instance.keys.pepper)
    await service.update(Actor.of(principal, ip), key_id, body.label, body.scopes)
    return {"data": {"success": True}}


@router.delete("/{key_id}")
async def delete_key(
    key_id: str,
    principal: SessionPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> dict[str, object]:
    """Revoke a key."""
    await ApiKeyService(session, instance.keys.pepper).delete(Actor.of(principal, ip), key_id)
    return {"data": {"success": True}}


@router.post("/{key_id}/rotate")
async def rotate_key(
    key_id: str,
    principal: SessionPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
    body: ApiKeyRotate | None = None,
) -> dict[str, object]:
    """Replace a key's secret with a grace period for the old one."""
    service = ApiKeyService(session, instance.keys.pepper)
    key, raw = await service.rotate(
        Actor.of(principal, ip), key_id, body.gracePeriodSeconds if body else 0
    )
    return {"data": {**_internal(key), "rawApiKey": raw}}
