"""`/api/v1/users`: the public users API for owner and admin keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, requires
from relayflow.core import pagination
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.users.schemas import Invite, InviteResult, RoleChange, UserList, UserOut
from relayflow.users.service import UserService, to_wire

router = APIRouter(prefix="/users", tags=["Users"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]


def invite_url(request: Request, public_url: str | None, inviter_id: str, invitee_id: str) -> str:
    """Where an invited user accepts: the sign-up page with both ids."""
    base = (public_url or str(request.base_url)).rstrip("/")
    return f"{base}/signup?inviterId={inviter_id}&inviteeId={invitee_id}"


@router.get("", response_model=UserList, response_model_exclude_unset=True, **requires("user:list"))
async def list_users(
    session: SessionDep,
    instance: InstanceDep,
    limit: Limit = pagination.DEFAULT_LIMIT,
    cursor: str | None = None,
    includeRole: bool = False,
    projectId: str | None = None,
) -> dict[str, object]:
    """Retrieve all users of the instance, or only the members of project `projectId`."""
    page = pagination.offset_page(limit, cursor)
    users, total = await UserService(session, instance.passwords).users.page(
        page.offset, page.limit, projectId
    )
    return {
        "data": [to_wire(user, includeRole) for user in users],
        "nextCursor": pagination.next_offset_cursor(page, total),
    }


@router.get(
    "/{id}",
    response_model=UserOut,
    response_model_exclude_unset=True,
    **requires("user:read", errors=(404,)),
)
async def get_user(
    id: str,
    session: SessionDep,
    instance: InstanceDep,
    includeRole: bool = False,
) -> dict[str, object]:
    """Retrieve a user by id or e-mail address."""
    user = await UserService(session, instance.passwords).find(id)
    return to_wire(user, includeRole)


@router.post(
    "", status_code=201, response_model=list[InviteResult], **requires("user:create", errors=(413,))
)
async def create_users(
    body: list[Invite],
    request: Request,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> list[dict[str, object]]:
    """Invite users; each accepts through its `inviteAcceptUrl`."""
    service = UserService(session, instance.passwords)
    results: list[dict[str, object]] = []
    for invite in body:
        user, error = await service.invite(principal, str(invite.email), invite.role)
        url = (
            None
            if error
            else invite_url(request, instance.settings.public_url, principal.user_id, user.id)
        )
        results.append(
            {
                "user": {
                    "id": user.id,
                    "email": user.email,
                    "inviteAcceptUrl": url,
                    "emailSent": False,
                },
                "error": error,
            }
        )
    return results


@router.delete(
    "/{id}", status_code=204, response_class=Response, **requires("user:delete", errors=(404,))
)
async def delete_user(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    transferId: str | None = None,
) -> Response:
    """Delete a user, its keys and personal project (workflows go to `transferId` if given)."""
    await UserService(session, instance.passwords).delete(principal, id, transferId)
    return Response(status_code=204)


@router.patch(
    "/{id}/role",
    status_code=204,
    response_class=Response,
    **requires("user:changeRole", errors=(404,)),
)
async def change_role(
    id: str,
    body: RoleChange,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> Response:
    """Change a user's global role; its keys follow on the very next request."""
    await UserService(session, instance.passwords).change_role(principal, id, body.newRoleName)
    return Response(status_code=204)
