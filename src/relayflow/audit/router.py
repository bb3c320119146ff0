"""`/api/v1/audit/api-keys`: the API-key audit log, for owner and admin keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from relayflow.audit import service as audit
from relayflow.auth.dependencies import PublicRoute, requires
from relayflow.core import pagination
from relayflow.core.clock import iso
from relayflow.core.errors import BadRequest
from relayflow.http.deps import SessionDep

router = APIRouter(prefix="/audit", tags=["Audit"], route_class=PublicRoute)


class AuditEventOut(BaseModel):
    """One recorded event."""

    id: int
    event: str
    createdAt: str
    actorUserId: str | None
    userId: str | None
    apiKeyId: str | None
    ip: str | None
    details: dict[str, object]


class AuditEventList(BaseModel):
    """One page of events, newest first."""

    data: list[AuditEventOut]
    nextCursor: str | None


@router.get(
    "/api-keys", response_model=AuditEventList, **requires("apiKey:read", instance_admin=True)
)
async def list_api_key_events(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)] = pagination.DEFAULT_LIMIT,
    cursor: str | None = None,
    event: str | None = None,
    apiKeyId: str | None = None,
    userId: str | None = None,
) -> dict[str, object]:
    """Key lifecycle events (created, updated, rotated, deleted, refused), newest first."""
    page = pagination.id_page(limit, cursor)
    before = int(page.last_id) if page.last_id and page.last_id.isdigit() else None
    if page.last_id is not None and before is None:
        raise BadRequest(pagination.INVALID_CURSOR)
    rows = await audit.list_events(
        session,
        limit=page.limit + 1,
        before_id=before,
        event=event,
        api_key_id=apiKeyId,
        user_id=userId,
    )
    more, rows = len(rows) > page.limit, rows[: page.limit]
    return {
        "data": [
            {
                "id": row.id,
                "event": row.event,
                "createdAt": iso(row.created_at),
                "actorUserId": row.actor_user_id,
                "userId": row.subject_user_id,
                "apiKeyId": row.api_key_id,
                "ip": row.ip,
                "details": row.details,
            }
            for row in rows
        ],
        "nextCursor": pagination.encode({"lastId": str(rows[-1].id), "limit": page.limit})
        if more
        else None,
    }
