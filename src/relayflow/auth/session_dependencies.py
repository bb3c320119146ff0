"""Cookie authentication for `/rest`, with an origin check on every state-changing request."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from relayflow.auth import sessions
from relayflow.auth.principal import Principal
from relayflow.auth.scopes import OWNER, scopes_for_role
from relayflow.core.errors import Forbidden, Unauthorized
from relayflow.db.models import User
from relayflow.http.deps import SessionDep

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_same_origin(request: Request) -> None:
    """Refuse cross-site state changes (CSRF): the browser's Origin must be this host."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden("Cross-site requests are not allowed")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("Cross-site requests are not allowed")


async def session_user(request: Request, session: SessionDep) -> User:
    """The signed-in user, or 401."""
    token = request.cookies.get(sessions.COOKIE_NAME)
    user = await sessions.resolve(session, token) if token else None
    if user is None:
        raise Unauthorized("Unauthorized")
    check_same_origin(request)
    return user


SessionUser = Annotated[User, Depends(session_user)]


async def session_principal(user: SessionUser) -> Principal:
    """The signed-in user as a principal with every scope of its role."""
    return Principal(user_id=user.id, role=user.role, scopes=scopes_for_role(user.role))


SessionPrincipal = Annotated[Principal, Depends(session_principal)]


async def require_owner(user: SessionUser) -> User:
    """The instance owner only."""
    if user.role != OWNER:
        raise Forbidden("Only the instance owner can do this")
    return user


OwnerUser = Annotated[User, Depends(require_owner)]
