"""The instance's licence: from `RELAYFLOW_LICENSE_KEY` or activated into the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import iso, utcnow
from relayflow.core.errors import BadRequest
from relayflow.db.models import InstanceSetting
from relayflow.license.document import PROJECT_PUBLIC_KEYS, License, LicenseError, verify

log = logging.getLogger(__name__)

SETTING_KEY = "license.key"
API_KEY_SCOPES = "apiKeyScopes"


@dataclass(frozen=True, slots=True)
class LicenseState:
    """What the instance runs under: a licence, or none and perhaps why one was refused."""

    license: License | None = None
    source: str | None = None
    error: str | None = None


class LicenseService:
    """Holds the verified licence in memory; it is re-read whenever the auth epoch moves."""

    def __init__(self, env_key: str | None, trusted_keys: list[str]) -> None:
        self._env_key = env_key
        self.trusted = tuple(trusted_keys) or PROJECT_PUBLIC_KEYS
        self.state = LicenseState()

    def is_enabled(self, feature: str) -> bool:
        """Whether `feature` is licensed right now (a licence stops counting when it expires)."""
        licence = self.state.license
        return licence is not None and feature in licence.features and not licence.is_expired()

    async def reload(self, session: AsyncSession) -> LicenseState:
        """Read the licence again: the environment's first, else the activated one."""
        text, source = self._env_key, "environment"
        if not text:
            stored = await session.get(InstanceSetting, SETTING_KEY)
            text, source = (stored.value if stored else None), "database"
        if not text:
            self.state = LicenseState()
            return self.state
        try:
            self.state = LicenseState(verify(text, self.trusted), source)
        except LicenseError as exc:
            log.warning("licence refused, running unlicensed: %s", exc)
            self.state = LicenseState(error=str(exc), source=source)
        return self.state

    async def activate(self, session: AsyncSession, text: str) -> License:
        """Verify `text` and store it as the instance's licence; refuse it with the reason."""
        try:
            licence = verify(text, self.trusted)
        except LicenseError as exc:
            raise BadRequest(f"The licence was refused: {exc}") from None
        stored = await session.get(InstanceSetting, SETTING_KEY)
        if stored is None:
            session.add(InstanceSetting(key=SETTING_KEY, value=text.strip(), updated_at=utcnow()))
        else:
            stored.value, stored.updated_at = text.strip(), utcnow()
        await session.flush()
        return licence

    async def deactivate(self, session: AsyncSession) -> None:
        """Remove the activated licence; the instance runs unlicensed unless the env sets one."""
        await session.execute(delete(InstanceSetting).where(InstanceSetting.key == SETTING_KEY))

    async def stored_text(self, session: AsyncSession) -> str | None:
        """The activated licence text, if any."""
        return await session.scalar(
            select(InstanceSetting.value).where(InstanceSetting.key == SETTING_KEY)
        )

    def describe(self) -> dict[str, Any]:
        """The licence state as `/rest/license` and the UI show it."""
        licence = self.state.license
        return {
            "licensed": licence is not None and not licence.is_expired(),
            "source": self.state.source,
            "error": self.state.error,
            "features": {API_KEY_SCOPES: self.is_enabled(API_KEY_SCOPES)},
            "license": None
            if licence is None
            else {
                "id": licence.id,
                "issuedTo": licence.issued_to,
                "features": list(licence.features),
                "issuedAt": iso(licence.issued_at),
                "expiresAt": iso(licence.expires_at),
            },
        }
