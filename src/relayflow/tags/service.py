"""The rules of tags: unique trimmed names, n8n's shape, keyset pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core import keyset
from relayflow.core.clock import iso, utcnow
from relayflow.core.errors import Conflict, NotFound
from relayflow.db.models import Tag
from relayflow.tags.repository import TagRepository

TAG_EXISTS = "Tag already exists"
NOT_FOUND = "Not Found"


def to_wire(tag: Tag) -> dict[str, object]:
    """A tag as the public API shows it."""
    return {
        "id": tag.id,
        "name": tag.name,
        "createdAt": iso(tag.created_at),
        "updatedAt": iso(tag.updated_at),
    }


def sort_key(tag: Tag) -> tuple[object, ...]:
    """A tag's position in the list: `(created_at, id)`."""
    return (tag.created_at, tag.id)


class TagService:
    """Tag lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.tags = TagRepository(session)

    async def page(self, limit: int, cursor: str | None) -> tuple[list[Tag], str | None]:
        """One page of tags, oldest first, and the cursor of the next one."""
        page = keyset.read_cursor(limit, cursor, (datetime, str))
        return keyset.finish(await self.tags.page(page), page, sort_key)

    async def find(self, tag_id: str) -> Tag:
        """A tag by id, or 404 `Not Found`."""
        tag = await self.tags.get(tag_id)
        if tag is None:
            raise NotFound(NOT_FOUND)
        return tag

    async def create(self, name: str) -> Tag:
        """A new tag; 409 `Tag already exists` when the name is taken."""
        await self._ensure_free(name, None)
        now = utcnow()
        try:
            return await self.tags.add(Tag(name=name, created_at=now, updated_at=now))
        except IntegrityError:
            raise Conflict(TAG_EXISTS) from None

    async def rename(self, tag_id: str, name: str) -> Tag:
        """Rename a tag and bump `updatedAt`; 409 when another tag has the name."""
        tag = await self.find(tag_id)
        await self._ensure_free(name, tag.id)
        tag.name, tag.updated_at = name, utcnow()
        try:
            await self.tags.save()
        except IntegrityError:
            raise Conflict(TAG_EXISTS) from None
        return tag

    async def delete(self, tag_id: str) -> Tag:
        """Delete a tag and return it as it was."""
        tag = await self.find(tag_id)
        await self.tags.delete(tag)
        return tag

    async def _ensure_free(self, name: str, own_id: str | None) -> None:
        """409 `Tag already exists` when a tag other than `own_id` has `name`."""
        holder = await self.tags.by_name(name)
        if holder is not None and holder.id != own_id:
            raise Conflict(TAG_EXISTS)
