"""The auth epoch: a counter bumped by every change to keys, users, roles or the licence.

Caches remember the epoch they were filled at and throw everything away when it moves, so a
revocation or demotion takes effect on the very next request. Embedded, the counter is a file
in the data dir; with Redis it is a key shared by every instance.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Protocol

from redis.asyncio import Redis


class AuthEpoch(Protocol):
    """Where the current auth epoch is read and bumped."""

    async def current(self) -> int:
        """The epoch now."""
        ...

    async def bump(self) -> None:
        """Move the epoch on, invalidating every cache that remembers the old one."""
        ...


class FileAuthEpoch:
    """The epoch of the processes sharing one data dir (the embedded default).

    A bump replaces a small file; reading the epoch is one `stat`, so the server notices a
    change made by another process (`relayflow api-key revoke`) on its next request.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    async def current(self) -> int:
        """The epoch now: the file's identity and modification time."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return 0
        return hash((info.st_ino, info.st_mtime_ns, info.st_size))

    async def bump(self) -> None:
        """Move the epoch on by replacing the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        temporary.write_text(uuid.uuid4().hex)
        os.replace(temporary, self.path)


class RedisAuthEpoch:
    """The epoch shared through Redis by every instance."""

    def __init__(self, redis: Redis, prefix: str = "relayflow") -> None:
        self._redis = redis
        self._key = f"{prefix}:auth-epoch"

    async def current(self) -> int:
        """The epoch now (one GET)."""
        value = await self._redis.get(self._key)
        return int(value or 0)

    async def bump(self) -> None:
        """Move the epoch on (one INCR)."""
        await self._redis.incr(self._key)
