"""Export and import of credentials, for backups and for moving between instances."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.scopes import OWNER
from relayflow.core.clock import iso, utcnow
from relayflow.core.crypto import Cipher
from relayflow.core.errors import BadRequest, NotFound
from relayflow.credentials import validation
from relayflow.credentials.repository import CredentialRepository
from relayflow.credentials.service import context, known_type
from relayflow.db.models import Credential, SharedCredential
from relayflow.projects.roles import CREDENTIAL_OWNER
from relayflow.projects.service import ProjectService
from relayflow.users.repository import UserRepository


async def export_rows(
    session: AsyncSession, cipher: Cipher, *, decrypted: bool
) -> list[dict[str, Any]]:
    """Every credential with its data, decrypted only when asked to."""
    rows = []
    for credential in await CredentialRepository(session).all_rows():
        data: Any = credential.data
        if decrypted:
            data = cipher.decrypt(credential.data, context(credential.id))
        rows.append(
            {
                "id": credential.id,
                "name": credential.name,
                "type": credential.type,
                "isManaged": credential.is_managed,
                "createdAt": iso(credential.created_at),
                "updatedAt": iso(credential.updated_at),
                "data": data,
            }
        )
    return rows


async def import_rows(
    session: AsyncSession, cipher: Cipher, rows: list[Any], owner_email: str | None
) -> tuple[int, int]:
    """Create or update credentials from exported rows; returns (created, updated)."""
    project_id = await _owner_project(session, owner_email)
    repository = CredentialRepository(session)
    created = updated = 0
    for number, row in enumerate(rows, start=1):
        credential_id, name, type_name, data = _fields(row, number)
        plain = data if isinstance(data, dict) else cipher.decrypt(data, context(credential_id))
        plain = validation.validate_data(known_type(type_name), plain)
        sealed = cipher.encrypt(plain, context(credential_id))
        existing = await repository.get(credential_id)
        now = utcnow()
        if existing is not None:
            existing.name, existing.type, existing.data = name, type_name, sealed
            existing.updated_at = now
            updated += 1
            continue
        await repository.add(
            Credential(
                id=credential_id,
                name=name,
                type=type_name,
                data=sealed,
                is_managed=bool(row.get("isManaged", False)),
                created_at=now,
                updated_at=now,
            ),
            SharedCredential(
                project_id=project_id, role=CREDENTIAL_OWNER, created_at=now, updated_at=now
            ),
        )
        created += 1
    await session.flush()
    return created, updated


def _fields(row: Any, number: int) -> tuple[str, str, str, Any]:
    if not isinstance(row, dict):
        raise BadRequest(f"entry {number} is not an object")
    values = [row.get(name) for name in ("id", "name", "type")]
    strings = [value for value in values if isinstance(value, str) and value]
    if len(strings) != len(values):
        raise BadRequest(f"entry {number} needs a string id, name and type")
    data = row.get("data")
    if not isinstance(data, dict | str):
        raise BadRequest(f"entry {number} needs data (an object, or an encrypted string)")
    return strings[0], strings[1], strings[2], data


async def _owner_project(session: AsyncSession, email: str | None) -> str:
    users = UserRepository(session)
    user = await (users.by_email(email) if email else users.owner())
    if user is None:
        raise NotFound(f"No user {email}" if email else f"No {OWNER} set up yet; pass --email")
    return (await ProjectService(session).personal_of(user.id)).id
