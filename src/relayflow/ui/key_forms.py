"""What the API-key pages show and send: a key's view, the key form, and its checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from relayflow.api_keys.schemas import ApiKeyCreate, ApiKeyUpdate
from relayflow.api_keys.service import EXPIRY_IN_PAST
from relayflow.auth import key_format
from relayflow.auth.scopes import validate_requested_scopes
from relayflow.core.errors import AppError
from relayflow.db.models import ApiKey
from relayflow.ui.expiry import ExpiryChoice, parse_expiry
from relayflow.ui.forms import Form, Problems

DEFAULT_EXPIRY = ExpiryChoice("30", "")


@dataclass(frozen=True, slots=True)
class KeyView:
    """What the UI shows of a key (never its secret), copied out of the database session."""

    id: str
    label: str
    redacted: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyView:
        """The view of one stored key."""
        return cls(
            key.id,
            key.label,
            key_format.redact(key.last4),
            tuple(key.scopes),
            key.created_at,
            key.expires_at,
            key.last_used_at,
        )


@dataclass(frozen=True, slots=True)
class KeyDraft:
    """What the key form holds: a key's current values, or what a person sent."""

    label: str
    scopes: tuple[str, ...]
    expiry: ExpiryChoice = DEFAULT_EXPIRY

    @classmethod
    def of_form(cls, form: Form) -> KeyDraft:
        """The values a submitted key form carries."""
        expiry = ExpiryChoice(form.get("expiry"), form.get("expiry_date"))
        return cls(form.get("label"), tuple(form.getlist("scopes")), expiry)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A checked request for a new key, as `ApiKeyService.create` takes it."""

    label: str
    scopes: list[str]
    expires_at: int | None


def field_of(message: str) -> str | None:
    """Which field of the key form a service refusal is about (None: the whole form)."""
    if message.startswith(("Invalid scopes", "scopes ", "An API key cannot grant")):
        return "scopes"
    if message.startswith(EXPIRY_IN_PAST):
        return "expiry"
    if message.startswith("An API key with the label"):
        return "label"
    return None


def check_new(draft: KeyDraft, role: str) -> NewKey | Problems:
    """The new key a draft asks for, or every problem of every field, in the API's words."""
    problems, expires_at = Problems(), None
    try:
        expires_at = parse_expiry(draft.expiry)
    except ValueError as exc:
        problems.add("expiry", str(exc))
    try:
        body = ApiKeyCreate(label=draft.label, scopes=list(draft.scopes))
    except ValidationError as exc:
        problems.merge(Problems.of_validation(exc))
    try:
        validate_requested_scopes(list(draft.scopes), role)
    except AppError as exc:
        problems.add("scopes", exc.message)
    return problems if problems else NewKey(body.label, body.scopes, expires_at)


def check_update(draft: KeyDraft) -> ApiKeyUpdate | Problems:
    """The change a draft asks for, or its problems; the service checks the scopes."""
    try:
        return ApiKeyUpdate(label=draft.label, scopes=list(draft.scopes))
    except ValidationError as exc:
        return Problems.of_validation(exc)
