"""Who is looking at a UI page, and the checks before a form changes anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from relayflow.auth import sessions
from relayflow.auth.principal import Principal
from relayflow.auth.scopes import OWNER, scopes_for_role
from relayflow.auth.session_dependencies import check_same_origin
from relayflow.core.errors import Forbidden
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.ui import csrf
from relayflow.ui.display import full_name, role_name
from relayflow.ui.forms import Form, read_form
from relayflow.users.repository import UserRepository


class Redirect(Exception):
    """Send the browser elsewhere (303 See Other)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user of a page, copied out of the database session."""

    id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    session_token: str
    csrf_token: str

    @property
    def name(self) -> str:
        """The user's name, or its e-mail address while it has none."""
        return full_name(self.first_name, self.last_name, self.email)

    @property
    def initials(self) -> str:
        """One or two letters for the avatar."""
        parts = [part for part in (self.first_name, self.last_name) if part]
        return "".join(part[0] for part in parts).upper() or self.email[:1].upper()

    @property
    def role_name(self) -> str:
        """Owner, Admin or Member."""
        return role_name(self.role)

    @property
    def principal(self) -> Principal:
        """The viewer as the services see a browser session: every scope of its role."""
        return Principal(user_id=self.id, role=self.role, scopes=scopes_for_role(self.role))

    @property
    def is_owner(self) -> bool:
        """Whether the viewer is the instance owner."""
        return self.role == OWNER

    def may(self, scope: str) -> bool:
        """Whether the viewer's role carries `scope`, as the API would check it."""
        return scope in scopes_for_role(self.role)

    def require(self, scope: str, what: str) -> None:
        """Refuse with 403 unless the viewer's role carries `scope`."""
        if not self.may(scope):
            raise Forbidden(f"Your role does not allow you to {what}.")

    def require_owner(self, what: str) -> None:
        """Refuse with 403 unless the viewer is the instance owner."""
        if not self.is_owner:
            raise Forbidden(f"Only the instance owner can {what}.")


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else goes to the overview."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


async def current_viewer(request: Request, session: SessionDep, instance: InstanceDep) -> Viewer:
    """The signed-in user; signed-out browsers go to sign-in (or to set-up on a new instance)."""
    token = request.cookies.get(sessions.COOKIE_NAME)
    user = await sessions.resolve(session, token) if token else None
    if user is None or token is None:
        if await UserRepository(session).owner() is None:
            raise Redirect("/setup")
        here = request.url.path if request.method == "GET" else "/"
        raise Redirect("/signin" if here == "/" else f"/signin?next={quote(here)}")
    return Viewer(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=user.role,
        session_token=token,
        csrf_token=csrf.token_for(instance, csrf.session_binding(token)),
    )


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def viewer_form(request: Request, viewer: ViewerDep, instance: InstanceDep) -> Form:
    """A signed-in browser's form, refused unless same-origin with this session's token."""
    check_same_origin(request)
    form = await read_form(request)
    csrf.check(instance, csrf.session_binding(viewer.session_token), form.get(csrf.FIELD))
    return form


ViewerForm = Annotated[Form, Depends(viewer_form)]


async def visitor_form(request: Request, instance: InstanceDep) -> Form:
    """A signed-out browser's form (set-up, sign-in, sign-up), checked the same way."""
    check_same_origin(request)
    form = await read_form(request)
    csrf.check(instance, csrf.visitor_binding(request), form.get(csrf.FIELD))
    return form


VisitorForm = Annotated[Form, Depends(visitor_form)]
