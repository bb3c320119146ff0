"""All SQL about tags."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core import keyset
from relayflow.db.models import Tag

ORDER = (Tag.created_at, Tag.id)


class TagRepository:
    """Reads and writes `tag` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tag_id: str) -> Tag | None:
        """A tag by id."""
        return await self.session.get(Tag, tag_id)

    async def by_name(self, name: str) -> Tag | None:
        """A tag by its exact name."""
        return await self.session.scalar(select(Tag).where(Tag.name == name))

    async def page(self, page: keyset.KeysetPage) -> list[Tag]:
        """Up to `page.limit + 1` tags after the cursor, oldest first."""
        query = keyset.apply(select(Tag), ORDER, page)
        return list((await self.session.scalars(query)).all())

    async def add(self, tag: Tag) -> Tag:
        """Store a new tag."""
        self.session.add(tag)
        await self.session.flush()
        return tag

    async def save(self) -> None:
        """Write pending changes to tags."""
        await self.session.flush()

    async def delete(self, tag: Tag) -> None:
        """Delete a tag; its workflow links go with it (ON DELETE CASCADE)."""
        await self.session.delete(tag)
        await self.session.flush()
