"""`/api/v1/tags`: n8n's public tags API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from relayflow.auth.dependencies import PublicRoute, requires
from relayflow.core import pagination
from relayflow.http.deps import SessionDep
from relayflow.tags.schemas import TagIn, TagList, TagOut
from relayflow.tags.service import TagService, to_wire

router = APIRouter(prefix="/tags", tags=["Tags"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]


@router.post(
    "", status_code=201, response_model=TagOut, **requires("tag:create", errors=(409, 413))
)
async def create_tag(body: TagIn, session: SessionDep) -> dict[str, object]:
    """Create a tag; names are unique."""
    return to_wire(await TagService(session).create(body.name))


@router.get("", response_model=TagList, **requires("tag:list"))
async def list_tags(
    session: SessionDep, limit: Limit = pagination.DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, object]:
    """Retrieve all tags, oldest first."""
    tags, next_cursor = await TagService(session).page(limit, cursor)
    return {"data": [to_wire(tag) for tag in tags], "nextCursor": next_cursor}


@router.get("/{id}", response_model=TagOut, **requires("tag:read", errors=(404,)))
async def get_tag(id: str, session: SessionDep) -> dict[str, object]:
    """Retrieve a tag by id."""
    return to_wire(await TagService(session).find(id))


@router.put("/{id}", response_model=TagOut, **requires("tag:update", errors=(404, 409, 413)))
async def update_tag(id: str, body: TagIn, session: SessionDep) -> dict[str, object]:
    """Rename a tag; `updatedAt` moves on."""
    return to_wire(await TagService(session).rename(id, body.name))


@router.delete("/{id}", response_model=TagOut, **requires("tag:delete", errors=(404,)))
async def delete_tag(id: str, session: SessionDep) -> dict[str, object]:
    """Delete a tag and return it; it is removed from every workflow."""
    return to_wire(await TagService(session).delete(id))
