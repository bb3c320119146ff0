"""Settings → Users (owner and admin): list, invite, change role, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Query, Request, Response
from pydantic import ValidationError

from relayflow.auth.scopes import ADMIN, MEMBER, OWNER
from relayflow.core.errors import AppError
from relayflow.db.models import User
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.projects.service import ProjectService
from relayflow.ui.display import full_name
from relayflow.ui.forms import Form, Problems
from relayflow.ui.routing import see_other, ui_router
from relayflow.ui.shell import page
from relayflow.ui.viewer import Viewer, ViewerDep, ViewerForm
from relayflow.users.router import invite_url
from relayflow.users.schemas import Invite, RoleChange
from relayflow.users.service import UserService

router = ui_router()

PAGE_SIZE = 50
INVITABLE_ROLES = (MEMBER, ADMIN)
NOTICES = {"role": "Role changed.", "deleted": "User deleted."}


@dataclass(frozen=True, slots=True)
class UserView:
    """A row of the users list, copied out of the database session."""

    id: str
    email: str
    name: str
    role: str
    pending: bool
    created_at: datetime
    invite_link: str | None
    manageable: bool


def _view(request: Request, instance: InstanceDep, viewer: Viewer, user: User) -> UserView:
    link = None
    if user.is_pending and user.invited_by:
        link = invite_url(request, instance.settings.public_url, user.invited_by, user.id)
    return UserView(
        id=user.id,
        email=user.email,
        name=full_name(user.first_name, user.last_name, user.email),
        role=user.role,
        pending=user.is_pending,
        created_at=user.created_at,
        invite_link=link,
        manageable=user.role != OWNER and user.id != viewer.id,
    )


async def _users_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    instance: InstanceDep,
    page_number: int,
    *,
    invite_form: Form | None = None,
    problems: Problems | None = None,
    invited: UserView | None = None,
    status: int = 200,
) -> Response:
    users, total = await UserService(session, instance.passwords).users.page(
        (page_number - 1) * PAGE_SIZE, PAGE_SIZE
    )
    return page(
        request,
        viewer,
        "users.html",
        status=status,
        section="settings",
        tab="users",
        users=[_view(request, instance, viewer, user) for user in users],
        page_number=page_number,
        has_next=page_number * PAGE_SIZE < total,
        invitable_roles=INVITABLE_ROLES,
        invite_form=invite_form or Form(()),
        problems=problems or Problems(),
        invited=invited,
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )


@router.get("/settings/users")
async def list_users(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    instance: InstanceDep,
    page_number: int = Query(1, alias="page", ge=1, le=100_000),
) -> Response:
    """Everyone on the instance, with pending invitations and their links."""
    viewer.require("user:list", "manage users")
    return await _users_page(request, viewer, session, instance, page_number)


@router.post("/settings/users/invite")
async def invite_user(
    request: Request,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
) -> Response:
    """Invite someone and show the link they accept the invitation with."""
    viewer.require("user:create", "invite users")
    problems = Problems()
    try:
        body = Invite.model_validate({"email": form.get("email"), "role": form.get("role")})
        user, error = await UserService(session, instance.passwords).invite(
            viewer.principal, str(body.email), body.role
        )
    except ValidationError as exc:
        problems = Problems.of_validation(exc)
    except AppError as exc:
        await session.rollback()
        problems.add("email", exc.message)
    else:
        if error:
            problems.add("email", error)
    if problems:
        return await _users_page(
            request, viewer, session, instance, 1, invite_form=form, problems=problems, status=400
        )
    invited = _view(request, instance, viewer, user)
    return await _users_page(request, viewer, session, instance, 1, invited=invited)


@router.post("/settings/users/{user_id}/role")
async def change_role(
    user_id: str, viewer: ViewerDep, form: ViewerForm, session: SessionDep, instance: InstanceDep
) -> Response:
    """Give a user another global role."""
    viewer.require("user:changeRole", "change roles")
    try:
        body = RoleChange.model_validate({"newRoleName": form.get("role")})
    except ValidationError as exc:
        raise AppError(next(iter(Problems.of_validation(exc).fields.values()))) from None
    await UserService(session, instance.passwords).change_role(
        viewer.principal, user_id, body.newRoleName
    )
    return see_other("/settings/users?notice=role")


@router.get("/settings/users/{user_id}/delete")
async def delete_page(
    user_id: str, request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """Ask for confirmation, and where the user's workflows should go."""
    viewer.require("user:delete", "delete users")
    service = UserService(session, instance.passwords)
    user = _view(request, instance, viewer, await service.find(user_id))
    others, _ = await service.users.page(0, 250)
    heirs = [
        (other.id, full_name(other.first_name, other.last_name, other.email), other.email)
        for other in others
        if other.id != user.id and not other.is_pending
    ]
    return page(
        request, viewer, "user_delete.html", section="settings", tab="users", user=user, heirs=heirs
    )


@router.post("/settings/users/{user_id}/delete")
async def delete_user(
    user_id: str, viewer: ViewerDep, form: ViewerForm, session: SessionDep, instance: InstanceDep
) -> Response:
    """Delete the user, its keys and sessions; its workflows go to the chosen user, if any."""
    viewer.require("user:delete", "delete users")
    heir = form.get("transfer_to")
    transfer_id = None
    if heir:
        transfer_id = (await ProjectService(session).personal_of(heir)).id
    await UserService(session, instance.passwords).delete(viewer.principal, user_id, transfer_id)
    return see_other("/settings/users?notice=deleted")
