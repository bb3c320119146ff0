"""The rules of credentials: typed data, encrypted at rest, owned through projects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.access import authorize
from relayflow.auth.principal import Principal
from relayflow.core import keyset
from relayflow.core.clock import iso, utcnow
from relayflow.core.crypto import Cipher
from relayflow.core.errors import BadRequest, NotFound
from relayflow.core.ids import new_id
from relayflow.credentials import json_schema, validation
from relayflow.credentials.repository import (
    CURSOR_KINDS,
    CredentialFilters,
    CredentialRepository,
)
from relayflow.credentials.schemas import CredentialIn, CredentialPatch
from relayflow.credentials.types import registry
from relayflow.credentials.types.model import CredentialType
from relayflow.db.models import Credential, SharedCredential
from relayflow.projects.roles import CREDENTIAL_OWNER
from relayflow.projects.service import ProjectService

UNKNOWN_TYPE = "req.body.type is not a known type"


def context(credential_id: str) -> str:
    """What a credential's ciphertext is bound to."""
    return f"credential:{credential_id}"


def to_wire(
    credential: Credential, sharings: list[SharedCredential] | None = None
) -> dict[str, Any]:
    """A credential's metadata, never its data."""
    body: dict[str, Any] = {
        "id": credential.id,
        "name": credential.name,
        "type": credential.type,
        "isManaged": credential.is_managed,
        "createdAt": iso(credential.created_at),
        "updatedAt": iso(credential.updated_at),
    }
    if sharings is not None:
        body["shared"] = [
            {
                "credentialId": row.credential_id,
                "projectId": row.project_id,
                "role": row.role,
                "createdAt": iso(row.created_at),
                "updatedAt": iso(row.updated_at),
            }
            for row in sharings
        ]
    return body


def known_type(name: str) -> CredentialType:
    """A registered credential type, or n8n's 400."""
    credential_type = registry.get(name)
    if credential_type is None:
        raise BadRequest(UNKNOWN_TYPE)
    return credential_type


class CredentialService:
    """Credential lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self.session = session
        self.cipher = cipher
        self.credentials = CredentialRepository(session)

    async def find(self, principal: Principal, credential_id: str, scope: str) -> Credential:
        """A credential the caller may use for `scope`: 404 if missing, 403 if out of reach."""

        async def permits(who: Principal, credential: Credential, wanted: str) -> bool:
            return await self.credentials.member_may(who.user_id, credential.id, wanted)

        return await authorize(
            principal,
            kind="Credential",
            resource_id=credential_id,
            scope=scope,
            load=self.credentials.get,
            permits=permits,
        )

    async def render(self, credential: Credential) -> dict[str, Any]:
        """One credential's metadata with its sharing rows."""
        return to_wire(
            credential, (await self.credentials.sharings([credential.id]))[credential.id]
        )

    async def create(self, principal: Principal, body: CredentialIn) -> Credential:
        """A new credential owned by the caller's personal project."""
        data = validation.validate_data(known_type(body.type), body.data)
        project = await ProjectService(self.session).personal_of(principal.user_id)
        now, credential_id = utcnow(), new_id()
        credential = Credential(
            id=credential_id,
            name=body.name,
            type=body.type,
            is_managed=False,
            data=self.cipher.encrypt(data, context(credential_id)),
            created_at=now,
            updated_at=now,
        )
        await self.credentials.add(
            credential,
            SharedCredential(
                project_id=project.id,
                role=CREDENTIAL_OWNER,
                created_at=now,
                updated_at=now,
            ),
        )
        return credential

    async def list_page(
        self, principal: Principal, filters: CredentialFilters, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the credentials the caller may read, and the next page's cursor."""
        page = keyset.read_cursor(limit, cursor, CURSOR_KINDS)
        if not principal.is_instance_admin:
            filters = replace(filters, visible_to=principal.user_id)
        rows, next_cursor = keyset.finish(
            await self.credentials.page(filters, page), page, lambda row: (row.created_at, row.id)
        )
        sharings = await self.credentials.sharings([row.id for row in rows])
        return [to_wire(row, sharings[row.id]) for row in rows], next_cursor

    async def update(
        self, principal: Principal, credential_id: str, patch: CredentialPatch
    ) -> Credential:
        """Rename a credential and/or replace (or merge into) its data."""
        credential = await self.find(principal, credential_id, "credential:update")
        if patch.name is None and patch.data is None:
            raise BadRequest("Provide a new name, new data, or both")
        if patch.data is not None:
            credential.data = self.cipher.encrypt(
                self._new_data(credential, patch.data, patch.isPartialData),
                context(credential.id),
            )
        if patch.name is not None:
            credential.name = patch.name
        credential.updated_at = utcnow()
        await self.session.flush()
        return credential

    def _new_data(
        self, credential: Credential, data: dict[str, Any], partial: bool
    ) -> dict[str, Any]:
        """The data to store: replaced, or merged over the stored data (keeping hidden fields
        such as a cached OAuth2 token, which clients cannot send)."""
        credential_type = known_type(credential.type)
        if not partial:
            return validation.validate_data(credential_type, data)
        stored = self.cipher.decrypt(credential.data, context(credential.id))
        hidden_names = validation.hidden_fields(credential_type)
        hidden = {name: value for name, value in stored.items() if name in hidden_names}
        visible = {name: value for name, value in stored.items() if name not in hidden_names}
        return {**validation.validate_data(credential_type, {**visible, **data}), **hidden}

    async def delete(self, principal: Principal, credential_id: str) -> dict[str, Any]:
        """Delete a credential; workflows that use it fail at run time, naming it."""
        credential = await self.find(principal, credential_id, "credential:delete")
        await self.credentials.delete(credential)
        return to_wire(credential)

    async def transfer(self, principal: Principal, credential_id: str, destination: str) -> None:
        """Move a credential to another project, which becomes its only owner."""
        credential = await self.find(principal, credential_id, "credential:move")
        await ProjectService(self.session).destination(principal, destination, "credential:create")
        if await self.credentials.owner_project_id(credential.id) == destination:
            raise BadRequest(
                "You can't transfer a credential into the project that's already owning it."
            )
        now = utcnow()
        await self.credentials.replace_sharing(
            credential,
            SharedCredential(
                project_id=destination, role=CREDENTIAL_OWNER, created_at=now, updated_at=now
            ),
        )

    @staticmethod
    def schema(type_name: str) -> dict[str, Any]:
        """The JSON Schema of a credential type's data, or 404."""
        credential_type = registry.get(type_name)
        if credential_type is None:
            raise NotFound("Not Found")
        return json_schema.to_json_schema(credential_type)
