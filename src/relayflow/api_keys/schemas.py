"""Wire models of the API-key endpoints, in the spec's field names."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from relayflow.http.schemas import Text, WireModel


def _clean_label(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


class ApiKeyCreate(WireModel):
    """`POST /api-keys`: a label, the scopes, and an optional expiry in Unix seconds."""

    label: Text = Field(min_length=1, max_length=100, description="A descriptive name")
    scopes: list[str] = Field(description="Permission scopes for this key")
    expiresAt: StrictInt | None = Field(
        default=None, description="Unix timestamp (seconds) when the key expires; null: never"
    )

    _label = field_validator("label")(_clean_label)


class ApiKeyUpdate(WireModel):
    """`PATCH /api-keys/{id}`: a new label and/or new scopes (the expiry never changes)."""

    label: Text | None = Field(default=None, min_length=1, max_length=100)
    scopes: list[str] | None = None
    expiresAt: StrictInt | None = Field(
        default=None,
        description="Accepted for compatibility with n8n clients and ignored: a key's expiry "
        "is fixed at creation.",
    )

    @field_validator("label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        return None if value is None else _clean_label(value)


class ApiKeyRotate(WireModel):
    """`POST /api-keys/{id}/rotate`: how long the old key keeps working."""

    gracePeriodSeconds: int = Field(default=0, ge=0, le=86400)


class ApiKeyOut(BaseModel):
    """A key as lists show it: redacted, with its scopes and dates."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "aB3dE5gH7jK9mN1p",
                "label": "Production API Key",
                "apiKey": "n8n_api_••••••••••••cdef",
                "createdAt": "2024-01-15T10:30:00.000Z",
                "updatedAt": "2024-01-15T10:30:00.000Z",
                "expiresAt": None,
                "lastUsedAt": None,
                "scopes": ["workflow:read", "workflow:execute"],
            }
        }
    )

    id: str
    label: str
    apiKey: str
    createdAt: str
    updatedAt: str
    expiresAt: int | None
    lastUsedAt: str | None
    scopes: list[str]


class ApiKeyCreated(ApiKeyOut):
    """A new key: the only answer that ever carries `rawApiKey`."""

    rawApiKey: str


class Success(BaseModel):
    """`{"success": true}`."""

    success: bool = True
