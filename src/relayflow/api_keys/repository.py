"""All SQL about API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.db.models import ApiKey, ApiKeySecret


class ApiKeyRepository:
    """Reads and writes `api_key` and `api_key_secret` rows in one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_for_user(self, user_id: str) -> list[ApiKey]:
        """A user's keys, oldest first."""
        query = (
            select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at, ApiKey.id)
        )
        return list((await self.session.scalars(query)).all())

    async def get(self, key_id: str) -> ApiKey | None:
        """Any key by id (for administrators and the CLI)."""
        return await self.session.get(ApiKey, key_id)

    async def label_taken(self, user_id: str, label: str, except_id: str | None = None) -> bool:
        """Whether the user already has a key with this label."""
        query = select(ApiKey.id).where(ApiKey.user_id == user_id, ApiKey.label == label)
        if except_id is not None:
            query = query.where(ApiKey.id != except_id)
        return (await self.session.scalar(query)) is not None

    async def add(self, key: ApiKey, secret: ApiKeySecret) -> None:
        """Store a new key with its first secret."""
        self.session.add(key)
        await self.session.flush()
        secret.api_key_id = key.id
        self.session.add(secret)
        await self.session.flush()

    async def retire_secrets(self, key_id: str, until: datetime) -> None:
        """Let every current secret of the key live on until `until` (a rotation's grace)."""
        await self.session.execute(
            update(ApiKeySecret)
            .where(ApiKeySecret.api_key_id == key_id)
            .where((ApiKeySecret.valid_until.is_(None)) | (ApiKeySecret.valid_until > until))
            .values(valid_until=until)
        )

    async def purge_secrets(self, key_id: str, now: datetime | None = None) -> None:
        """Delete the key's secrets whose grace has ended (all of them when `now` is None)."""
        statement = delete(ApiKeySecret).where(ApiKeySecret.api_key_id == key_id)
        if now is not None:
            statement = statement.where(ApiKeySecret.valid_until <= now)
        await self.session.execute(statement)

    async def add_secret(self, secret: ApiKeySecret) -> None:
        """Store another secret for an existing key."""
        self.session.add(secret)
        await self.session.flush()

    async def delete(self, key: ApiKey) -> None:
        """Delete a key and, by cascade, its secrets."""
        await self.session.execute(delete(ApiKeySecret).where(ApiKeySecret.api_key_id == key.id))
        await self.session.delete(key)
        await self.session.flush()
