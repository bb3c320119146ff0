"""Credentials for a running workflow: found by the node's reference, checked, decrypted.

A workflow may use the credentials its owning project may use: those shared with a team
project, or, for a personal project, those its owner may use (every one, for the instance's
owner and admins). Anything else fails the node with n8n's message naming the credential, as
does a reference to a credential that no longer exists.

The source remembers the secret values it handed out (password fields and tokens, not names
such as a header's), so that the executor can make sure none of them is stored with the run.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import quote, quote_plus

from sqlalchemy import select

from relayflow.auth.scopes import ADMIN, OWNER
from relayflow.core.crypto import Cipher
from relayflow.credentials.oauth2 import TOKEN_FIELD, CredentialTokenError, OAuth2Tokens
from relayflow.credentials.oauth2 import TYPE_NAME as OAUTH2
from relayflow.credentials.repository import accessible_ids
from relayflow.credentials.service import context
from relayflow.credentials.types import registry as credential_types
from relayflow.db.models import Credential, Project, ProjectRelation, SharedCredential, User
from relayflow.db.session import Database
from relayflow.engine.errors import CredentialNotFound, NodeError
from relayflow.projects.roles import PERSONAL_OWNER, sharing_roles_with

TOKEN_NAMES = ("access_token", "refresh_token", "id_token")
MIN_SECRET_LENGTH = 4
"""Shorter values are too common to scrub from run data without mangling it."""


def _strings(data: Any) -> Iterable[str]:
    """Every string (and number, as text) inside a JSON value."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield str(data)  # sent as text in a header, query or body
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def secret_strings(type_name: str, data: dict[str, Any]) -> set[str]:
    """The secret values of decrypted credential data: its password fields (each string
    inside a JSON one) and any OAuth2 token, but not names such as a header's."""
    found: set[str] = set()
    kind = credential_types.get(type_name)
    for prop in kind.properties if kind is not None else ():
        value = data.get(prop.name)
        if not prop.password or value is None:
            continue
        if prop.type == "json" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                found.update(_strings(json.loads(value)))
        found.update(_strings(value))
    tokens = data.get(TOKEN_FIELD) or {}
    found.update(str(tokens[name]) for name in TOKEN_NAMES if tokens.get(name))
    if type_name == "httpBasicAuth" and data.get("password"):
        pair = f"{data.get('user', '')}:{data['password']}".encode()
        found.add(base64.b64encode(pair).decode())
    secrets = {value for value in found if len(value) >= MIN_SECRET_LENGTH}
    # The forms a request or an echo of it may carry them in: URL-encoded, JSON-escaped.
    for value in list(secrets):
        secrets.update({quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]})
    return secrets


class StoredCredentials:
    """The `CredentialSource` of one run of one workflow."""

    def __init__(
        self, database: Database, cipher: Cipher, oauth2: OAuth2Tokens, project_id: str | None
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.oauth2 = oauth2
        self.project_id = project_id
        self.handed_out: set[str] = set()

    async def get(self, node: dict[str, Any], type_name: str) -> dict[str, Any]:
        """The decrypted data of the credential of `type_name` that `node` names."""
        reference = (node.get("credentials") or {}).get(type_name)
        if not isinstance(reference, dict) or not (reference.get("id") or reference.get("name")):
            raise NodeError(
                f'Node "{node["name"]}" does not have any credentials of type "{type_name}" set'
            )
        wanted_id = str(reference.get("id") or "")
        async with self.database.session() as session:
            if wanted_id:
                credential = await session.get(Credential, wanted_id)
                if credential is None or credential.type != type_name:
                    raise CredentialNotFound(
                        f'Credential with ID "{wanted_id}" does not exist for type "{type_name}".',
                        description=(
                            f'Node "{node["name"]}" uses a credential that was deleted or never '
                            "existed: select another one in the node"
                        ),
                    )
                if not await self._usable(session, credential.id):
                    raise CredentialNotFound(
                        f'Node "{node["name"]}" does not have access to the credential '
                        f'"{credential.name}" (ID "{credential.id}")',
                        description="The workflow's project may not use this credential",
                    )
            else:
                credential = await self._by_name(session, node, str(reference["name"]), type_name)
            data = self.cipher.decrypt(credential.data, context(credential.id))
            if type_name == OAUTH2:
                try:
                    token = await self.oauth2.access_token(session, credential)
                except CredentialTokenError as exc:
                    raise NodeError(str(exc)) from None
                data = {
                    **data,
                    "oauthTokenData": {"access_token": token.value, "token_type": token.token_type},
                }
        self.handed_out.update(secret_strings(type_name, data))
        return data

    async def _by_name(
        self, session: Any, node: dict[str, Any], name: str, type_name: str
    ) -> Credential:
        """An older reference without an id: the first credential of that name and type the
        workflow may use (another's credential is never named in the error)."""
        candidates = (
            await session.scalars(
                select(Credential)
                .where(Credential.name == name, Credential.type == type_name)
                .order_by(Credential.created_at, Credential.id)
            )
        ).all()
        for candidate in candidates:
            if await self._usable(session, candidate.id):
                return cast(Credential, candidate)
        raise CredentialNotFound(
            f'Credential with name "{name}" does not exist for type "{type_name}".',
            description=f'Node "{node["name"]}" names no credential its workflow may use',
        )

    async def _usable(self, session: Any, credential_id: str) -> bool:
        if self.project_id is None:
            return False
        project = await session.get(Project, self.project_id)
        if project is None:
            return False
        shared = await session.scalar(
            select(SharedCredential.credential_id).where(
                SharedCredential.credential_id == credential_id,
                SharedCredential.project_id == project.id,
                SharedCredential.role.in_(sharing_roles_with("credential:use")),
            )
        )
        if shared is not None:
            return True
        owner = await session.scalar(
            select(User)
            .join(ProjectRelation, ProjectRelation.user_id == User.id)
            .where(
                ProjectRelation.project_id == project.id,
                ProjectRelation.role == PERSONAL_OWNER,
            )
        )
        if owner is None:
            return False
        if owner.role in (OWNER, ADMIN):
            return True
        found = await session.scalar(
            accessible_ids(owner.id, "credential:use").where(
                SharedCredential.credential_id == credential_id
            )
        )
        return found is not None
