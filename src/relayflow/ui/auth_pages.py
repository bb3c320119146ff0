"""Owner set-up, sign-in, sign-out and invitation acceptance pages."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import ValidationError

from relayflow.auth import sessions
from relayflow.auth.signin import check_credentials, end_session, start_session
from relayflow.core.errors import AppError, TooManyRequests, Unauthorized
from relayflow.core.ids import is_uuid
from relayflow.db.models import User
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep
from relayflow.ui import csrf
from relayflow.ui.display import full_name
from relayflow.ui.forms import Form, Problems
from relayflow.ui.routing import see_other, ui_router
from relayflow.ui.templating import render
from relayflow.ui.viewer import Redirect, ViewerForm, VisitorForm, safe_next
from relayflow.users.repository import UserRepository
from relayflow.users.schemas import AcceptInvitation, OwnerSetup
from relayflow.users.service import UserService

router = ui_router()

NOTICES = {"signed-out": "You have signed out."}
INVALID_INVITATION = "This invitation link is not valid, or it was already used."


def _password_field(message: str) -> str | None:
    return "password" if message.startswith("Password") else None


# -- owner set-up ----------------------------------------------------------------------------


async def _require_no_owner(session: SessionDep) -> None:
    if await UserRepository(session).owner() is not None:
        raise Redirect("/signin")


def _visitor_page(
    request: Request,
    instance: InstanceDep,
    template: str,
    form: Form,
    problems: Problems,
    status: int = 200,
    **context: object,
) -> Response:
    """A page for a signed-out browser; its form is bound to the visitor cookie."""
    token = csrf.visitor_token(instance, request)
    return render(
        request, template, status, csrf_token=token, form=form, problems=problems, **context
    )


@router.get("/setup")
async def setup_page(request: Request, session: SessionDep, instance: InstanceDep) -> Response:
    """The owner set-up form, while the instance has no owner."""
    await _require_no_owner(session)
    return _visitor_page(request, instance, "setup.html", Form(()), Problems())


@router.post("/setup")
async def set_up_owner(
    request: Request, form: VisitorForm, session: SessionDep, instance: InstanceDep
) -> Response:
    """Create the owner, as `POST /rest/owner/setup` does, and sign it in."""
    await _require_no_owner(session)
    fields = ("email", "firstName", "lastName", "password")
    try:
        body = OwnerSetup(**{name: form.get(name) for name in fields})
        service = UserService(session, instance.passwords)
        user = await service.create(
            str(body.email), body.password, "global:owner", body.firstName, body.lastName
        )
    except ValidationError as exc:
        problems = Problems.of_validation(exc)
        return _visitor_page(request, instance, "setup.html", form, problems, 400)
    except AppError as exc:
        await session.rollback()
        problems = Problems.of_error(exc, _password_field)
        return _visitor_page(request, instance, "setup.html", form, problems, exc.status)
    response = see_other("/")
    await start_session(request, response, session, instance, user)
    return response


# -- sign-in and sign-out --------------------------------------------------------------------


def _signin_page(
    request: Request, instance: InstanceDep, form: Form, problems: Problems, status: int = 200
) -> Response:
    return _visitor_page(
        request,
        instance,
        "signin.html",
        form,
        problems,
        status,
        notice=NOTICES.get(request.query_params.get("notice", "")),
        next=safe_next(request.query_params.get("next") or form.get("next")),
    )


@router.get("/signin")
async def signin_page(request: Request, session: SessionDep, instance: InstanceDep) -> Response:
    """The sign-in form; a signed-in browser goes straight on."""
    token = request.cookies.get(sessions.COOKIE_NAME)
    if token and await sessions.resolve(session, token) is not None:
        raise Redirect(safe_next(request.query_params.get("next")))
    if await UserRepository(session).owner() is None:
        raise Redirect("/setup")
    return _signin_page(request, instance, Form(()), Problems())


@router.post("/signin")
async def sign_in(
    request: Request, form: VisitorForm, session: SessionDep, instance: InstanceDep, ip: ClientIp
) -> Response:
    """Check e-mail and password with the same limits as `POST /rest/login`."""
    try:
        user = await check_credentials(
            instance, session, form.get("email"), form.get("password"), ip
        )
    except Unauthorized as exc:
        problems = Problems()
        problems.add("password", exc.message)
        return _signin_page(request, instance, form, problems, exc.status)
    except TooManyRequests as exc:
        problems = Problems()
        problems.add(None, exc.message)
        response = _signin_page(request, instance, form, problems, exc.status)
        response.headers.update(exc.headers)
        return response
    response = see_other(safe_next(form.get("next")))
    await start_session(request, response, session, instance, user)
    return response


@router.post("/signout")
async def sign_out(request: Request, form: ViewerForm, session: SessionDep) -> Response:
    """Close this browser's session."""
    del form
    response = see_other("/signin?notice=signed-out")
    await end_session(request, response, session)
    return response


# -- invitation acceptance -------------------------------------------------------------------


async def _invitation(session: SessionDep, inviter_id: str, invitee_id: str) -> tuple[User, User]:
    """The pending invitee and its inviter, or a 400 page for a link that is not valid."""
    repository = UserRepository(session)
    invitee = await repository.get(invitee_id) if is_uuid(invitee_id) else None
    inviter = await repository.get(inviter_id) if is_uuid(inviter_id) else None
    if invitee is None or inviter is None or invitee.invited_by != inviter.id:
        raise AppError(INVALID_INVITATION)
    if not invitee.is_pending:
        raise AppError(INVALID_INVITATION)
    return invitee, inviter


async def _signup_page(
    request: Request,
    session: SessionDep,
    instance: InstanceDep,
    form: Form,
    problems: Problems,
    status: int = 200,
) -> Response:
    inviter_id = form.get("inviterId") or request.query_params.get("inviterId", "")
    invitee_id = form.get("inviteeId") or request.query_params.get("inviteeId", "")
    invitee, inviter = await _invitation(session, inviter_id, invitee_id)
    return _visitor_page(
        request,
        instance,
        "signup.html",
        form,
        problems,
        status,
        invitee_email=invitee.email,
        inviter_name=full_name(inviter.first_name, inviter.last_name, inviter.email),
        inviter_id=inviter.id,
        invitee_id=invitee.id,
    )


@router.get("/signup")
async def signup_page(request: Request, session: SessionDep, instance: InstanceDep) -> Response:
    """The invitation's page: the invited person chooses names and a password."""
    return await _signup_page(request, session, instance, Form(()), Problems())


@router.post("/signup")
async def accept_invitation(
    request: Request, form: VisitorForm, session: SessionDep, instance: InstanceDep
) -> Response:
    """Accept the invitation, as `POST /rest/invitations/{id}/accept` does, and sign in."""
    fields = ("inviterId", "firstName", "lastName", "password")
    try:
        body = AcceptInvitation(**{name: form.get(name) for name in fields})
        user = await UserService(session, instance.passwords).accept_invitation(
            form.get("inviteeId"), body.inviterId, body.firstName, body.lastName, body.password
        )
    except ValidationError as exc:
        problems = Problems.of_validation(exc)
        return await _signup_page(request, session, instance, form, problems, 400)
    except AppError as exc:
        await session.rollback()
        problems = Problems.of_error(exc, _password_field)
        return await _signup_page(request, session, instance, form, problems, exc.status)
    response = see_other("/")
    await start_session(request, response, session, instance, user)
    return response
