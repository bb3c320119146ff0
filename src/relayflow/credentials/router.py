"""`/api/v1/credentials`: credentials in, metadata out, guarded by the credential scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, authenticated, requires
from relayflow.core import pagination
from relayflow.credentials.repository import CredentialFilters
from relayflow.credentials.schemas import (
    CredentialIn,
    CredentialList,
    CredentialOut,
    CredentialPatch,
    Transfer,
)
from relayflow.credentials.service import CredentialService, to_wire
from relayflow.http.deps import InstanceDep, SessionDep

router = APIRouter(prefix="/credentials", tags=["Credentials"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]
NOT_FOUND = (404,)


def _service(session: SessionDep, instance: InstanceDep) -> CredentialService:
    return CredentialService(session, instance.cipher)


@router.post(
    "",
    response_model=CredentialOut,
    response_model_exclude_none=True,
    **requires("credential:create", errors=(413,)),
)
async def create_credential(
    body: CredentialIn, principal: ApiPrincipal, session: SessionDep, instance: InstanceDep
) -> dict[str, Any]:
    """Create a credential in your personal project; its data is stored encrypted."""
    return to_wire(await _service(session, instance).create(principal, body))


@router.get("", response_model=CredentialList, **requires("credential:list"))
async def list_credentials(
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    name: str | None = None,
    type: str | None = None,
    projectId: str | None = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Retrieve the credentials you may read (metadata only), one page at a time."""
    filters = CredentialFilters(name=(name or "").strip() or None, type=type, project_id=projectId)
    data, next_cursor = await _service(session, instance).list_page(
        principal, filters, limit, cursor
    )
    return {"data": data, "nextCursor": next_cursor}


@router.get("/schema/{credentialTypeName}", **authenticated(errors=NOT_FOUND))
async def get_credential_schema(credentialTypeName: str) -> dict[str, Any]:
    """The JSON Schema a credential type's `data` must match."""
    return CredentialService.schema(credentialTypeName)


@router.get("/{id}", response_model=CredentialOut, **requires("credential:read", errors=NOT_FOUND))
async def get_credential(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Retrieve a credential's metadata (never its data)."""
    service = _service(session, instance)
    return await service.render(await service.find(principal, id, "credential:read"))


@router.patch(
    "/{id}", response_model=CredentialOut, **requires("credential:update", errors=(404, 413))
)
async def update_credential(
    id: str,
    body: CredentialPatch,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Rename a credential or change its data (replaced, or merged with `isPartialData`)."""
    service = _service(session, instance)
    return await service.render(await service.update(principal, id, body))


@router.delete(
    "/{id}",
    response_model=CredentialOut,
    response_model_exclude_none=True,
    **requires("credential:delete", errors=NOT_FOUND),
)
async def delete_credential(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Delete a credential; returns its metadata."""
    return await _service(session, instance).delete(principal, id)


@router.put(
    "/{id}/transfer",
    status_code=204,
    response_class=Response,
    **requires("credential:move", errors=NOT_FOUND),
)
async def transfer_credential(
    id: str,
    body: Transfer,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> Response:
    """Move a credential to another project."""
    await _service(session, instance).transfer(principal, id, body.destinationProjectId)
    return Response(status_code=204)
