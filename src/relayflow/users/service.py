"""The rules of users: one owner, invitations, role changes, deletion."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.audit import service as audit
from relayflow.auth import sessions
from relayflow.auth.principal import Principal
from relayflow.auth.scopes import MEMBER, OWNER, ROLES, scopes_for_role
from relayflow.core.clock import iso, utcnow
from relayflow.core.errors import BadRequest, Conflict, Forbidden
from relayflow.core.ids import is_uuid
from relayflow.db.models import User
from relayflow.db.session import mark_auth_changed
from relayflow.projects.service import ProjectService
from relayflow.users.errors import user_not_found
from relayflow.users.passwords import Passwords
from relayflow.users.repository import UserRepository

OWNER_EXISTS = "Instance owner already setup"


def check_password_strength(password: str) -> None:
    """n8n's password rules: 8–64 characters, a digit and an upper-case letter."""
    if not 8 <= len(password) <= 64:
        raise BadRequest("Password must be 8 to 64 characters long.")
    if not re.search(r"\d", password):
        raise BadRequest("Password must contain at least 1 number.")
    if not re.search(r"[A-Z]", password):
        raise BadRequest("Password must contain at least 1 uppercase letter.")


def to_wire(user: User, include_role: bool = False) -> dict[str, object]:
    """A user as the public API shows it (never a password)."""
    body: dict[str, object] = {
        "id": user.id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
        "isPending": user.is_pending,
    }
    if include_role:
        body["role"] = user.role
    return body


class UserService:
    """User lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession, passwords: Passwords) -> None:
        self.session = session
        self.passwords = passwords
        self.users = UserRepository(session)

    async def create(
        self,
        email: str,
        password: str | None,
        role: str,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> User:
        """A user with a password (or a pending one without); at most one owner."""
        if role not in ROLES:
            raise BadRequest(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}")
        if role == OWNER and await self.users.owner() is not None:
            raise BadRequest(OWNER_EXISTS)
        if await self.users.by_email(email) is not None:
            raise Conflict(f"A user with the e-mail address {email.lower()} already exists")
        password_hash = None
        if password is not None:
            check_password_strength(password)
            password_hash = await self.passwords.hash(password)
        now = utcnow()
        user = await self.users.add(
            User(
                email=email.lower(),
                password_hash=password_hash,
                role=role,
                first_name=first_name,
                last_name=last_name,
                created_at=now,
                updated_at=now,
            )
        )
        await ProjectService(self.session).create_personal(user)
        return user

    async def find(self, identifier: str) -> User:
        """A user by id (UUID) or by e-mail address."""
        user = await (
            self.users.get(identifier) if is_uuid(identifier) else self.users.by_email(identifier)
        )
        if user is None:
            raise user_not_found(identifier)
        return user

    async def invite(self, inviter: Principal, email: str, role: str) -> tuple[User, str]:
        """A pending user the inviter asks to join; returns it and an error text, if any.

        Inviting someone still pending invites them again, from this inviter.
        """
        existing = await self.users.by_email(email)
        if existing is not None and not existing.is_pending:
            return existing, "The user already exists"
        user = existing or await self.create(email, None, role)
        user.invited_by = inviter.user_id
        await self.session.flush()
        return user, ""

    async def accept_invitation(
        self, invitee_id: str, inviter_id: str, first_name: str, last_name: str, password: str
    ) -> User:
        """A pending user sets its names and password and becomes active."""
        invitee = await self.users.get(invitee_id) if is_uuid(invitee_id) else None
        if invitee is None or invitee.invited_by != inviter_id:
            raise BadRequest("Invalid invitation: it does not exist or was not sent by this user")
        if not invitee.is_pending:
            raise BadRequest("This invitation was already accepted")
        check_password_strength(password)
        invitee.password_hash = await self.passwords.hash(password)
        invitee.first_name, invitee.last_name = first_name, last_name
        invitee.updated_at = utcnow()
        await self.session.flush()
        await ProjectService(self.session).rename_personal(invitee)
        return invitee

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user these sign-in details belong to, or None (same time either way)."""
        user = await self.users.by_email(email)
        ok = await self.passwords.verify(user.password_hash if user else None, password)
        return user if ok else None

    async def delete(
        self, actor: Principal, identifier: str, transfer_id: str | None = None
    ) -> None:
        """Delete a user, its keys, sessions and personal project; never oneself or the owner."""
        user = await self.find(identifier)
        if user.id == actor.user_id:
            raise BadRequest("Cannot delete your own user")
        if user.role == OWNER:
            raise Forbidden("Cannot delete the instance owner")
        await ProjectService(self.session).remove_personal(user.id, transfer_id)
        await self.users.delete(user)
        audit.record(
            self.session,
            "user.deleted",
            actor_user_id=actor.user_id,
            subject_user_id=user.id,
            details={"email": user.email},
        )
        mark_auth_changed(self.session)

    async def change_role(self, actor: Principal, identifier: str, new_role: str) -> None:
        """Give a user another global role; its keys follow on the very next request."""
        user = await self.find(identifier)
        if user.role == OWNER:
            raise Forbidden("Cannot change the role of the instance owner")
        if user.id == actor.user_id:
            raise BadRequest("Cannot change your own role")
        previous, user.role, user.updated_at = user.role, new_role, utcnow()
        if new_role == MEMBER:
            allowed = scopes_for_role(MEMBER)
            for key in await self.users.keys_of(user.id):
                kept = [name for name in key.scopes if name in allowed]
                if kept != key.scopes:
                    key.scopes = kept
        await self.session.flush()
        audit.record(
            self.session,
            "user.roleChanged",
            actor_user_id=actor.user_id,
            subject_user_id=user.id,
            details={"from": previous, "to": new_role},
        )
        mark_auth_changed(self.session)

    async def sign_out_everywhere(self, user: User) -> None:
        """Close all of a user's browser sessions."""
        await sessions.close_all(self.session, user.id)
