"""All SQL about credentials and their sharing rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relayflow.core import keyset
from relayflow.db.filters import contains
from relayflow.db.models import Credential, SharedCredential
from relayflow.projects.repository import ProjectRepository, Sharing, reachable_ids
from relayflow.projects.roles import CREDENTIAL_OWNER

ORDER = (Credential.created_at, Credential.id)
CURSOR_KINDS = (datetime, str)
SHARING = Sharing(
    SharedCredential.credential_id,
    SharedCredential.project_id,
    SharedCredential.role,
    SharedCredential.credential_created_at,
    Credential.id,
)


@dataclass(frozen=True, slots=True)
class CredentialFilters:
    """The list filters of `GET /credentials`."""

    name: str | None = None
    type: str | None = None
    project_id: str | None = None
    visible_to: str | None = None
    """A member's user id: only credentials it may read; None for owner and admin."""


def accessible_ids(user_id: str, scope: str) -> Select[str]:
    """Credentials a member may use for `scope` through one of its projects (a subquery)."""
    return reachable_ids(
        SharedCredential.credential_id,
        SharedCredential.project_id,
        SharedCredential.role,
        user_id,
        scope,
    )


def _conditions(filters: CredentialFilters) -> list[ColumnElement[bool]]:
    """The filters other than visibility, on the `credential` table."""
    conditions: list[ColumnElement[bool]] = []
    if filters.type:
        conditions.append(Credential.type == filters.type)
    if filters.name:
        conditions.append(contains(Credential.name, filters.name))
    if filters.project_id is not None:
        # An alias: a member's page already reads `shared_credential`, which must not correlate.
        owner = aliased(SharedCredential)
        conditions.append(
            exists(
                select(owner.credential_id).where(
                    owner.credential_id == Credential.id,
                    owner.project_id == filters.project_id,
                    owner.role == CREDENTIAL_OWNER,
                )
            )
        )
    return conditions


class CredentialRepository:
    """Reads and writes credential rows in one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, credential_id: str) -> Credential | None:
        """A credential by id."""
        return await self.session.get(Credential, credential_id)

    async def member_may(self, user_id: str, credential_id: str, scope: str) -> bool:
        """Whether a member reaches the credential for `scope` through one of its projects."""
        query = select(
            exists(
                accessible_ids(user_id, scope).where(
                    SharedCredential.credential_id == credential_id
                )
            )
        )
        return bool(await self.session.scalar(query))

    async def page(self, filters: CredentialFilters, page: keyset.KeysetPage) -> list[Credential]:
        """One page of credentials matching `filters`, oldest first (one row extra).

        Owner and admin pages walk `ix_credential_created_at_id`; a member's pages walk its
        projects' sharing rows, one index range per project (see `page_query`).
        """
        found = await ProjectRepository(self.session).page_query(
            SHARING, ORDER, filters.visible_to, "credential:read", page, _conditions(filters)
        )
        if found is None:
            return []
        query, values = found
        return list((await self.session.scalars(query, values)).all())

    async def unusable(self, user_id: str, credential_ids: Sequence[str]) -> list[Credential]:
        """Those of these existing credentials the member may not use in its workflows."""
        if not credential_ids:
            return []
        query = select(Credential).where(
            Credential.id.in_(credential_ids),
            Credential.id.not_in(accessible_ids(user_id, "credential:use")),
        )
        return list((await self.session.scalars(query)).all())

    async def sharings(self, credential_ids: Sequence[str]) -> dict[str, list[SharedCredential]]:
        """The sharing rows of several credentials, by credential id."""
        found: dict[str, list[SharedCredential]] = defaultdict(list)
        if credential_ids:
            query = select(SharedCredential).where(
                SharedCredential.credential_id.in_(credential_ids)
            )
            for row in (await self.session.scalars(query)).all():
                found[row.credential_id].append(row)
        return found

    async def owner_project_id(self, credential_id: str) -> str | None:
        """The project holding `credential:owner` over the credential."""
        return await self.session.scalar(
            select(SharedCredential.project_id).where(
                SharedCredential.credential_id == credential_id,
                SharedCredential.role == CREDENTIAL_OWNER,
            )
        )

    async def add(self, credential: Credential, sharing: SharedCredential) -> None:
        """Store a new credential with its owner sharing row."""
        self.session.add(credential)
        await self.session.flush()
        self._attach(credential, sharing)
        await self.session.flush()

    async def replace_sharing(self, credential: Credential, sharing: SharedCredential) -> None:
        """Make `sharing` the credential's only sharing row (a transfer)."""
        await self.session.execute(
            delete(SharedCredential).where(SharedCredential.credential_id == credential.id)
        )
        self._attach(credential, sharing)
        await self.session.flush()

    def _attach(self, credential: Credential, sharing: SharedCredential) -> None:
        """Add a sharing row of `credential`, with the copy of its creation time."""
        sharing.credential_id = credential.id
        sharing.credential_created_at = credential.created_at
        self.session.add(sharing)

    async def sample_data(self, count: int = 3) -> list[str]:
        """The ciphertexts of a few credentials (to check the key before serving)."""
        query = select(Credential.data).order_by(*ORDER).limit(count)
        return list((await self.session.scalars(query)).all())

    async def all_rows(self) -> list[Credential]:
        """Every credential (key rotation and export)."""
        return list((await self.session.scalars(select(Credential).order_by(*ORDER))).all())

    async def delete(self, credential: Credential) -> None:
        """Delete a credential; its sharing rows go by cascade."""
        await self.session.delete(credential)
        await self.session.flush()
