"""The auth epoch: a counter bumped by every change to keys, users, roles or the licence.

Caches remember the epoch they were filled at and throw everything away when it moves, so a
revocation or demotion takes effect on the very next request. Embedded, the counter is a file
in the data dir; with Redis it is a key shared by every instance.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from redis.asyncio import Redis

COUNTER = struct.Struct("<Q")


class AuthEpoch(Protocol):
    """Where the current auth epoch is read and bumped."""

    async def current(self) -> int:
        """The epoch now."""
        ...

    async def bump(self) -> None:
        """Move the epoch on, invalidating every cache that remembers the old one."""
        ...

    def close(self) -> None:
        """Release what reading the epoch holds open."""
        ...


class FileAuthEpoch:
    """The epoch of the processes sharing one data dir (the embedded default).

    The counter is 8 bytes in a file that every process maps into memory (`MAP_SHARED`), so
    reading it costs no system call, and a bump by another process (`relayflow api-key
    revoke`) is visible to the server's very next request through the shared page cache.
    Bumps take an exclusive `flock` so that concurrent writers never lose an increment.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                with _locked(descriptor):
                    if os.fstat(descriptor).st_size != COUNTER.size:
                        # A missing file, or one written by an older release: start afresh.
                        os.ftruncate(descriptor, 0)
                        os.ftruncate(descriptor, COUNTER.size)
                self._map = mmap.mmap(descriptor, COUNTER.size, mmap.MAP_SHARED)
            finally:
                os.close(descriptor)
        return self._map

    def peek(self) -> int:
        """The epoch now: one read from shared memory."""
        value: int = COUNTER.unpack_from(self._map or self._mapped())[0]
        return value

    async def current(self) -> int:
        """The epoch now."""
        return self.peek()

    async def bump(self) -> None:
        """Move the epoch on by one, under the file's lock."""
        mapped = self._mapped()
        descriptor = os.open(self.path, os.O_RDWR)
        try:
            with _locked(descriptor):
                COUNTER.pack_into(mapped, 0, COUNTER.unpack_from(mapped)[0] + 1)
        finally:
            os.close(descriptor)

    def close(self) -> None:
        """Unmap the counter."""
        if self._map is not None:
            self._map.close()
            self._map = None


@contextmanager
def _locked(descriptor: int) -> Iterator[None]:
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


class RedisAuthEpoch:
    """The epoch shared through Redis by every instance."""

    def __init__(self, redis: Redis, prefix: str = "relayflow") -> None:
        self._redis = redis
        self.key = f"{prefix}:auth-epoch"

    async def current(self) -> int:
        """The epoch now (one GET)."""
        value = await self._redis.get(self.key)
        return int(value or 0)

    async def bump(self) -> None:
        """Move the epoch on (one INCR)."""
        await self._redis.incr(self.key)

    def close(self) -> None:
        """Nothing to release: the Redis client belongs to the instance."""
