"""Wire models of the credential endpoints: secrets go in, only metadata comes out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool

from relayflow.http.schemas import Text, WireModel


class CredentialIn(WireModel):
    """`POST /credentials`: a name, a known type and that type's data."""

    name: Text = Field(min_length=1, max_length=128)
    type: Text = Field(min_length=1, max_length=128)
    data: dict[str, Any]


class CredentialPatch(WireModel):
    """`PATCH /credentials/{id}`: a new name and/or new data.

    `data` replaces the stored data, unless `isPartialData` is true: then it is merged into it
    (keys given win, keys not given keep their stored values).
    """

    name: Text | None = Field(default=None, min_length=1, max_length=128)
    data: dict[str, Any] | None = None
    isPartialData: StrictBool = False


class Transfer(WireModel):
    """`PUT /credentials/{id}/transfer`."""

    destinationProjectId: str


class SharingOut(BaseModel):
    """A project's role over a credential."""

    credentialId: str
    projectId: str
    role: str
    createdAt: str
    updatedAt: str


class CredentialOut(BaseModel):
    """A credential's metadata: never its data."""

    id: str
    name: str
    type: str
    isManaged: bool
    createdAt: str
    updatedAt: str
    shared: list[SharingOut] | None = None


class CredentialList(BaseModel):
    """One page of credentials."""

    data: list[CredentialOut]
    nextCursor: str | None
