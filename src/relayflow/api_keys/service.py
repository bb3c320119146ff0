"""The rules of API keys: who may create, change, rotate and delete which key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.api_keys.repository import ApiKeyRepository
from relayflow.audit import service as audit
from relayflow.auth import key_format
from relayflow.auth.access import authorize, not_found
from relayflow.auth.pepper import CURRENT_VERSION
from relayflow.auth.principal import Principal
from relayflow.auth.scopes import scopes_for_role, validate_requested_scopes
from relayflow.core.clock import from_unix, iso, to_unix, utcnow
from relayflow.core.errors import BadRequest, Conflict, Forbidden
from relayflow.db.models import ApiKey, ApiKeySecret, User
from relayflow.db.session import mark_auth_changed

EXPIRY_IN_PAST = "Expiration date must be in the future or null"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a key change: the user, and the key it uses (None for a browser session)."""

    user_id: str
    role: str
    key_scopes: frozenset[str] | None = None
    ip: str | None = None

    @classmethod
    def of(cls, principal: Principal, ip: str | None = None) -> Actor:
        """The actor behind an authenticated request."""
        held = principal.key_scopes & scopes_for_role(principal.role) if principal.key_id else None
        return cls(principal.user_id, principal.role, held, ip)

    @classmethod
    def for_user(cls, user: User) -> Actor:
        """The user acting directly (command line)."""
        return cls(user.id, user.role)


async def _owns(principal: Principal, key: ApiKey, _scope: str) -> bool:
    """API keys are private: only their own user may see or change them."""
    return key.user_id == principal.user_id


def _check_no_escalation(actor: Actor, granted: set[str]) -> None:
    """A key may hand on only scopes it holds itself."""
    if actor.key_scopes is None:
        return
    beyond = sorted(granted - actor.key_scopes)
    if beyond:
        raise Forbidden(
            "An API key cannot grant scopes it does not hold itself: " + ", ".join(beyond),
            headers={"X-Required-Scopes": ",".join(beyond)},
        )


def to_wire(key: ApiKey) -> dict[str, object]:
    """A key as the API shows it, redacted."""
    return {
        "id": key.id,
        "label": key.label,
        "apiKey": key_format.redact(key.last4),
        "createdAt": iso(key.created_at),
        "updatedAt": iso(key.updated_at),
        "expiresAt": to_unix(key.expires_at),
        "lastUsedAt": iso(key.last_used_at),
        "scopes": list(key.scopes),
    }


class ApiKeyService:
    """Key lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession, pepper: bytes) -> None:
        self.session = session
        self.pepper = pepper
        self.keys = ApiKeyRepository(session)

    async def list_own(self, actor: Actor) -> list[ApiKey]:
        """The actor's own keys."""
        return await self.keys.list_for_user(actor.user_id)

    async def create(
        self, actor: Actor, label: str, scopes: list[str], expires_at: int | None
    ) -> tuple[ApiKey, str]:
        """A new key for the actor; returns it with its raw value, shown this once only."""
        scopes = validate_requested_scopes(scopes, actor.role)
        _check_no_escalation(actor, set(scopes))
        expiry = self._expiry(expires_at)
        if await self.keys.label_taken(actor.user_id, label):
            raise Conflict(f'An API key with the label "{label}" already exists')
        raw = key_format.generate()
        now = utcnow()
        key = ApiKey(
            user_id=actor.user_id,
            label=label,
            scopes=scopes,
            last4=raw[-4:],
            expires_at=expiry,
            created_at=now,
            updated_at=now,
        )
        await self.keys.add(key, self._secret(raw, now))
        audit.record(
            self.session,
            audit.KEY_CREATED,
            actor_user_id=actor.user_id,
            subject_user_id=actor.user_id,
            api_key_id=key.id,
            ip=actor.ip,
            details={"label": label, "scopes": scopes, "expiresAt": expires_at},
        )
        mark_auth_changed(self.session)
        return key, raw

    async def update(
        self, actor: Actor, key_id: str, label: str | None, scopes: list[str] | None
    ) -> ApiKey:
        """Change a key's label and/or scopes; its expiry stays as it was."""
        key = await self._own(actor, key_id)
        if label is None and scopes is None:
            raise BadRequest("Provide a new label, new scopes, or both")
        changes: dict[str, object] = {}
        if scopes is not None:
            scopes = validate_requested_scopes(scopes, actor.role)
            _check_no_escalation(actor, set(scopes) - set(key.scopes))
            added = [name for name in scopes if name not in key.scopes]
            removed = [name for name in key.scopes if name not in scopes]
            changes["scopes"] = {"added": added, "removed": removed}
            key.scopes = scopes
        if label is not None and label != key.label:
            if await self.keys.label_taken(actor.user_id, label, except_id=key.id):
                raise Conflict(f'An API key with the label "{label}" already exists')
            changes["label"] = {"from": key.label, "to": label}
            key.label = label
        key.updated_at = utcnow()
        await self.session.flush()
        audit.record(
            self.session,
            audit.KEY_UPDATED,
            actor_user_id=actor.user_id,
            subject_user_id=key.user_id,
            api_key_id=key.id,
            ip=actor.ip,
            details=changes,
        )
        mark_auth_changed(self.session)
        return key

    async def delete(self, actor: Actor, key_id: str) -> None:
        """Revoke a key at once, on every instance."""
        key = await self._own(actor, key_id)
        await self.keys.delete(key)
        audit.record(
            self.session,
            audit.KEY_DELETED,
            actor_user_id=actor.user_id,
            subject_user_id=key.user_id,
            api_key_id=key.id,
            ip=actor.ip,
            details={"label": key.label},
        )
        mark_auth_changed(self.session)

    async def rotate(self, actor: Actor, key_id: str, grace_seconds: int) -> tuple[ApiKey, str]:
        """A new raw value for the key; the old one works only until the grace period ends."""
        key = await self._own(actor, key_id)
        now = utcnow()
        if key.expires_at is not None and key.expires_at <= now:
            raise BadRequest("An expired API key cannot be rotated")
        await self.keys.purge_secrets(key.id, now)
        if grace_seconds == 0:
            await self.keys.purge_secrets(key.id)
        else:
            await self.keys.retire_secrets(key.id, now + timedelta(seconds=grace_seconds))
        raw = key_format.generate()
        secret = self._secret(raw, now)
        secret.api_key_id = key.id
        await self.keys.add_secret(secret)
        key.last4 = raw[-4:]
        key.updated_at = now
        await self.session.flush()
        audit.record(
            self.session,
            audit.KEY_ROTATED,
            actor_user_id=actor.user_id,
            subject_user_id=key.user_id,
            api_key_id=key.id,
            ip=actor.ip,
            details={"gracePeriodSeconds": grace_seconds},
        )
        mark_auth_changed(self.session)
        return key, raw

    async def revoke_any(self, key_id: str) -> ApiKey:
        """Delete any user's key by id (the command line's `api-key revoke`)."""
        key = await self.keys.get(key_id)
        if key is None:
            raise not_found("API key", key_id)
        await self.keys.delete(key)
        audit.record(
            self.session,
            audit.KEY_DELETED,
            subject_user_id=key.user_id,
            api_key_id=key.id,
            details={"label": key.label, "via": "cli"},
        )
        mark_auth_changed(self.session)
        return key

    async def _own(self, actor: Actor, key_id: str) -> ApiKey:
        principal = Principal(user_id=actor.user_id, role=actor.role, scopes=frozenset())
        return await authorize(
            principal,
            kind="API key",
            resource_id=key_id,
            scope="apiKey:update",
            load=self.keys.get,
            permits=_owns,
            hide_foreign=True,
            admin_sees_all=False,
        )

    def _secret(self, raw: str, now: datetime) -> ApiKeySecret:
        return ApiKeySecret(
            key_hash=key_format.digest(self.pepper, raw),
            pepper_version=CURRENT_VERSION,
            created_at=now,
        )

    @staticmethod
    def _expiry(expires_at: int | None) -> datetime | None:
        if expires_at is None:
            return None
        try:
            moment = from_unix(expires_at)
        except (OverflowError, OSError, ValueError):
            raise BadRequest(EXPIRY_IN_PAST + " (a Unix timestamp in seconds)") from None
        if moment <= utcnow():
            raise BadRequest(EXPIRY_IN_PAST)
        return moment
