"""Signing a browser in and out: one path for `/rest` and the web UI."""

from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth import sessions
from relayflow.core.errors import Unauthorized
from relayflow.db.models import User
from relayflow.instance import Instance
from relayflow.users.service import UserService

WRONG_CREDENTIALS = "Wrong username or password. Do you have caps lock on?"


async def check_credentials(
    instance: Instance, session: AsyncSession, email: str, password: str, ip: str
) -> User:
    """The user these sign-in details belong to; 401 otherwise, counted against the limits."""
    email = email.strip().lower()
    policies = instance.login_policies
    await instance.limiter.check(policies.per_ip, ip)
    await instance.limiter.check(policies.per_account, email)
    user = await UserService(session, instance.passwords).authenticate(email, password)
    if user is None:
        await instance.limiter.hit(policies.per_ip, ip)
        await instance.limiter.hit(policies.per_account, email)
        raise Unauthorized(WRONG_CREDENTIALS)
    await instance.limiter.reset(policies.per_account, email)
    return user


async def start_session(
    request: Request, response: Response, session: AsyncSession, instance: Instance, user: User
) -> str:
    """Open a session for `user` and set its cookie (Secure over HTTPS); returns the token."""
    ttl = instance.settings.session_ttl_seconds
    token = await sessions.open_session(session, user, ttl)
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=ttl,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return token


async def end_session(request: Request, response: Response, session: AsyncSession) -> None:
    """Close this browser's session and clear its cookie."""
    token = request.cookies.get(sessions.COOKIE_NAME)
    if token:
        await sessions.close_session(session, token)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
