"""Password hashing with argon2id."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# A real hash to verify against when the account does not exist, so that an unknown e-mail
# costs the same time as a wrong password.
_DECOY_PASSWORD = "relayflow-decoy-password"  # noqa: S105


class Passwords:
    """Hashes and checks passwords off the event loop."""

    def __init__(self, profile: str = "standard") -> None:
        if profile == "fast":
            self._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            self._hasher = PasswordHasher()
        self._decoy = self._hasher.hash(_DECOY_PASSWORD)

    async def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches; a missing hash costs the same time and fails."""
        target = stored_hash or self._decoy
        try:
            ok = await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(ok) and stored_hash is not None
