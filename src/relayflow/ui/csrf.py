"""CSRF protection for the UI's forms: a synchroniser token bound to the browser's session.

The token is `HMAC-SHA256(k, binding)`, where `k` is derived from the instance's API-key
pepper (shared by every instance behind a load balancer) and `binding` is the session
cookie's value, or, before sign-in, the value of a random visitor cookie. Both cookies are
HttpOnly, so another site can neither read them nor compute the token; the server recomputes
it from the cookie on every state-changing request and compares in constant time. Nothing
is stored: signing out or a new session makes every earlier token worthless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response

from relayflow.core.errors import Forbidden
from relayflow.instance import Instance

VISITOR_COOKIE = "relayflow-visitor"
FIELD = "csrf_token"
REFUSED = "This form has expired or was sent from another site. Reload the page and try again."


class CsrfRefused(Forbidden):
    """A state-changing request without the token of this browser's session (403)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def _key(instance: Instance) -> bytes:
    return hmac.new(instance.keys.pepper, b"relayflow ui csrf v1", hashlib.sha256).digest()


def token_for(instance: Instance, binding: str) -> str:
    """The token forms of the browser bound by `binding` must send back."""
    mac = hmac.new(_key(instance), binding.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def session_binding(session_token: str) -> str:
    """What a signed-in browser's tokens are bound to."""
    return f"session:{session_token}"


def visitor_binding(request: Request, *, create: bool = False) -> str | None:
    """What a signed-out browser's tokens are bound to; a new visitor cookie if asked to."""
    value = request.cookies.get(VISITOR_COOKIE) or getattr(request.state, "new_visitor", None)
    if value is None and create:
        value = secrets.token_urlsafe(32)
        request.state.new_visitor = value
    return None if value is None else f"visitor:{value}"


def visitor_token(instance: Instance, request: Request) -> str:
    """The token for a signed-out browser's form, binding it with a new cookie if needed."""
    binding = visitor_binding(request, create=True)
    return token_for(instance, binding or "")


def remember_visitor(request: Request, response: Response) -> None:
    """Set the visitor cookie that `visitor_binding` created during this request."""
    value = getattr(request.state, "new_visitor", None)
    if value is None:
        return
    response.set_cookie(
        VISITOR_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def check(instance: Instance, binding: str | None, sent: str | None) -> None:
    """Refuse the request unless `sent` is the token of `binding`."""
    if not binding or not sent:
        raise CsrfRefused
    if not hmac.compare_digest(token_for(instance, binding).encode(), sent.encode()):
        raise CsrfRefused
