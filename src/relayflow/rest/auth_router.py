"""`/rest` sign-in: owner set-up, login, logout, the current user, invitation acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from relayflow.auth import sessions
from relayflow.auth.session_dependencies import SessionUser, check_same_origin
from relayflow.core.errors import BadRequest, Unauthorized
from relayflow.db.models import User
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep
from relayflow.instance import Instance
from relayflow.users.schemas import AcceptInvitation, Login, OwnerSetup
from relayflow.users.service import OWNER_EXISTS, UserService, to_wire

router = APIRouter(tags=["Sign-in"])

WRONG_CREDENTIALS = "Wrong username or password. Do you have caps lock on?"


async def _sign_in(
    request: Request, response: Response, session: SessionDep, instance: Instance, user: User
) -> dict[str, object]:
    token = await sessions.open_session(session, user, instance.settings.session_ttl_seconds)
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=instance.settings.session_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
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
    email = (body.emailOrLdapLoginId or body.email or "").strip().lower()
    policies = instance.login_policies
    await instance.limiter.check(policies.per_ip, ip)
    await instance.limiter.check(policies.per_account, email)
    user = await UserService(session, instance.passwords).authenticate(email, body.password)
    if user is None:
        await instance.limiter.hit(policies.per_ip, ip)
        await instance.limiter.hit(policies.per_account, email)
        raise Unauthorized(WRONG_CREDENTIALS)
    await instance.limiter.reset(policies.per_account, email)
    return await _sign_in(request, response, session, instance, user)


@router.post("/logout")
async def logout(request: Request, response: Response, session: SessionDep) -> dict[str, object]:
    """Sign this browser out."""
    check_same_origin(request)
    token = request.cookies.get(sessions.COOKIE_NAME)
    if token:
        await sessions.close_session(session, token)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
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
