"""Rate limits on top of `limits`: in memory by default, in Redis when several instances share.

Each named policy is one or more `limits` strings (`100/second;5000/hour`). A refusal carries
`Retry-After`, the IETF draft `RateLimit-Policy` / `RateLimit` headers and the legacy
`X-RateLimit-*` trio.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from relayflow.core.errors import ServiceUnavailable, TooManyRequests

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of limits, e.g. `per-key` = `100/second`."""

    name: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, text: str) -> Policy:
        """Build a policy from a `limits` string."""
        return cls(name, tuple(parse_many(text)))


def make_storage(redis_url: str | None, prefix: str = "relayflow") -> Storage:
    """The shared Redis storage when configured, else this process's memory."""
    if redis_url:
        scheme, rest = redis_url.split("://", 1)
        return RedisStorage(
            f"async+{scheme}://{rest}", implementation="redispy", key_prefix=f"{prefix}:limits"
        )
    return MemoryStorage()


class RateLimiter:
    """Checks and counts hits against named policies."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._strategy = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, policy: Policy, identity: str) -> None:
        """Count one request for `identity`; raise 429 when a limit is exceeded."""
        for item in policy.items:
            if not await self._call(self._strategy.hit(item, policy.name, identity)):
                raise await self._refusal(policy, item, identity)

    async def check(self, policy: Policy, identity: str) -> None:
        """Raise 429 if `identity` has no budget left, without counting a hit."""
        for item in policy.items:
            if not await self._call(self._strategy.test(item, policy.name, identity)):
                raise await self._refusal(policy, item, identity)

    async def reset(self, policy: Policy, identity: str) -> None:
        """Forget what `identity` has spent (for example after a successful sign-in)."""
        for item in policy.items:
            await self._call(self._strategy.clear(item, policy.name, identity))

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except Exception as exc:
            # Fail closed: without a working limiter we cannot promise the limits hold.
            log.error("rate limiter storage failed: %s", type(exc).__name__)
            raise ServiceUnavailable("Rate limiting is temporarily unavailable") from None

    async def _refusal(self, policy: Policy, item: RateLimitItem, identity: str) -> TooManyRequests:
        stats = await self._call(self._strategy.get_window_stats(item, policy.name, identity))
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        window = item.get_expiry()
        headers = {
            "Retry-After": str(retry_after),
            "RateLimit-Policy": f'"{policy.name}";q={item.amount};w={window}',
            "RateLimit": f'"{policy.name}";r=0;t={retry_after}',
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(math.ceil(stats.reset_time)),
        }
        return TooManyRequests(
            f"Too many requests: the {policy.name} limit of {item.amount} per {window} "
            f"seconds was exceeded; retry after {retry_after} seconds",
            headers=headers,
        )
