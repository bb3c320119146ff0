"""Wire models of the users endpoints, in n8n's shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from relayflow.http.schemas import Text, WireModel

InvitableRole = Literal["global:admin", "global:member"]


class UserOut(BaseModel):
    """A user as the public API shows it; `role` only with `includeRole=true`."""

    id: str
    email: str
    firstName: str | None
    lastName: str | None
    createdAt: str
    updatedAt: str
    isPending: bool
    role: str | None = None


class UserList(BaseModel):
    """One page of users."""

    data: list[UserOut]
    nextCursor: str | None


class Invite(WireModel):
    """One person to invite."""

    email: EmailStr
    role: InvitableRole = "global:member"


class InvitedUser(BaseModel):
    """The invited user and where it accepts."""

    id: str
    email: str
    inviteAcceptUrl: str | None
    emailSent: bool


class InviteResult(BaseModel):
    """One invitation's outcome; `error` is empty when it worked."""

    user: InvitedUser
    error: str = ""


class RoleChange(WireModel):
    """`PATCH /users/{id}/role`."""

    newRoleName: InvitableRole


class OwnerSetup(WireModel):
    """`POST /rest/owner/setup`."""

    email: EmailStr
    firstName: Text = Field(min_length=1, max_length=32)
    lastName: Text = Field(min_length=1, max_length=32)
    password: Text


class Login(WireModel):
    """`POST /rest/login`: n8n's `emailOrLdapLoginId`, or plain `email`."""

    emailOrLdapLoginId: Text | None = None
    email: Text | None = None
    password: Text
    mfaCode: Text | None = None
    mfaRecoveryCode: Text | None = None


class AcceptInvitation(WireModel):
    """`POST /rest/invitations/{id}/accept`."""

    inviterId: Text
    firstName: Text = Field(min_length=1, max_length=32)
    lastName: Text = Field(min_length=1, max_length=32)
    password: Text
