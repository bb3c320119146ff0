"""`/rest` sign-in: owner set-up, login, logout, the current user, invitation acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from relayflow.auth.session_dependencies import SessionUser, check_same_origin
from relayflow.auth.signin import check_credentials, end_session, start_session
from relayflow.core.errors import BadRequest
from relayflow.db.models import User
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep
from relayflow.instance import Instance
from relayflow.users.schemas import AcceptInvitation, Login, OwnerSetup
from relayflow.users.service import OWNER_EXISTS, UserService, to_wire

router = APIRouter(tags=["Sign-in"])


async def _sign_in(
    request: Request, response: Response, session: SessionDep, instance: Instance, user: User
) -> dict[str, object]:
    await start_session(request, response, session, instance, user)
    return {"data": to_wire(user, include_role=True)}


@router.post("/owner/setup")
async def setup_owner(
    body: OwnerSetup,
    request: Request,
    response: Response,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, object]:
    """Create the instance owner (only while there is none) and sign it in."""
    check_same_origin(request)
    service = UserService(session, instance.passwords)
    if await service.users.owner() is not None:
        raise BadRequest(OWNER_EXISTS)
    user = await service.create(
        str(body.email), body.password, "global:owner", body.firstName, body.lastName
    )
    return await _sign_in(request, response, session, instance, user)


@router.post("/login")
async def login(
    body: Login,
    request: Request,
    response: Response,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> dict[str, object]:
    """Sign in with e-mail and password; sets the session cookie."""
    check_same_origin(request)
    email = body.emailOrLdapLoginId or body.email or ""
    user = await check_credentials(instance, session, email, body.password, ip)
    return await _sign_in(request, response, session, instance, user)


@router.post("/logout")
async def logout(request: Request, response: Response, session: SessionDep) -> dict[str, object]:
    """Sign this browser out."""
    check_same_origin(request)
    await end_session(request, response, session)
    return {"data": {"loggedOut": True}}


@router.get("/me")
async def me(user: SessionUser) -> dict[str, object]:
    """The signed-in user."""
    return {"data": to_wire(user, include_role=True)}


@router.post("/invitations/{invitee_id}/accept")
async def accept_invitation(
    invitee_id: str,
    body: AcceptInvitation,
    request: Request,
    response: Response,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, object]:
    """Accept an invitation: set names and a password, and sign in."""
    check_same_origin(request)
    user = await UserService(session, instance.passwords).accept_invitation(
        invitee_id, body.inviterId, body.firstName, body.lastName, body.password
    )
    return await _sign_in(request, response, session, instance, user)
