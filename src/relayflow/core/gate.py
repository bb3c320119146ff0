"""The auth gate: an API-key request's rate limits and the auth epoch, read in one step.

Every authenticated request needs the current auth epoch (is the cache still good?), one
check of its client's failure budget and a hit on its key's and its user's budgets. Embedded,
those are memory reads. With Redis they were four round trips; `RedisAuthGate` does all of
them in one Lua script, atomically: if any budget is spent, nothing is counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import Redis

from relayflow.core.coherence import FileAuthEpoch
from relayflow.core.errors import ServiceUnavailable
from relayflow.core.ratelimit import LocalRateLimiter, Policy, refusal

log = logging.getLogger(__name__)

Budget = tuple[Policy, str]
"""A policy and the identity (client IP, key id, user id) whose budget it limits."""


class AuthGate(Protocol):
    """Applies budgets and reads the auth epoch."""

    async def admit(self, checks: Sequence[Budget], hits: Sequence[Budget]) -> int:
        """Raise 429 if a check or a hit does not fit, else count the hits; the epoch now."""
        ...


class LocalAuthGate:
    """The embedded default: the process's limiter and the data dir's epoch, in memory."""

    def __init__(self, limiter: LocalRateLimiter, epoch: FileAuthEpoch) -> None:
        self.limiter = limiter
        self.epoch = epoch

    def admit_now(self, checks: Sequence[Budget], hits: Sequence[Budget]) -> int:
        """`admit` without a coroutine: nothing here waits, so the hot path calls it directly."""
        self.limiter.admit(checks, hits)
        return self.epoch.peek()

    async def admit(self, checks: Sequence[Budget], hits: Sequence[Budget]) -> int:
        """Check, then count the hits (all or nothing), then read the epoch."""
        return self.admit_now(checks, hits)


# The same sliding-window counter as `LocalRateLimiter` (see `core/ratelimit.py`), on the
# Redis server's clock so that every instance agrees. One counter key per identity, limit
# and window index; it expires after two windows, when it can no longer weigh anything.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local counted = {}
for i = 2, #KEYS do
  local at = 3 * (i - 2) + 1
  local mode, amount, period = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local position = now / period
  local index = math.floor(position)
  local weight = 1 - (position - index)
  local current_key = KEYS[i] .. ':' .. index
  local previous = tonumber(redis.call('GET', KEYS[i] .. ':' .. (index - 1)) or '0')
  local current = tonumber(redis.call('GET', current_key) or '0')
  if previous * weight + current + 1 > amount then
    local wait
    if previous > 0 and current < amount then
      wait = math.max((previous * weight + current + 1 - amount) / previous * period, 0.001)
    else
      local ages = 0
      if current > 0 then ages = 1 - (amount - 1) / current end
      wait = weight * period + ages * period
    end
    return {redis.call('GET', KEYS[1]) or '0', i - 1, tostring(wait)}
  end
  if mode == 'h' then counted[#counted + 1] = {current_key, math.ceil(period * 2) + 1} end
end
for _, counter in ipairs(counted) do
  redis.call('INCR', counter[1])
  redis.call('EXPIRE', counter[1], counter[2])
end
return {redis.call('GET', KEYS[1]) or '0', 0, '0'}
"""


class RedisAuthGate:
    """Budgets and epoch shared by every instance, in one round trip to Redis."""

    def __init__(self, redis: Redis, epoch_key: str, prefix: str = "relayflow") -> None:
        self._script = redis.register_script(_SCRIPT)
        self._epoch_key = epoch_key
        self._prefix = f"{prefix}:gate"

    async def admit(self, checks: Sequence[Budget], hits: Sequence[Budget]) -> int:
        """Run the script; fail closed (503) when Redis cannot answer."""
        keys = [self._epoch_key]
        args: list[str | int | float] = []
        limits = []
        for mode, budgets in (("c", checks), ("h", hits)):
            for policy, identity in budgets:
                for item in policy.items:
                    amount, period = item.amount, item.get_expiry()
                    keys.append(f"{self._prefix}:{policy.name}:{amount}/{period}:{identity}")
                    args += [mode, amount, period]
                    limits.append((policy, item))
        try:
            epoch, refused, wait = await self._script(keys=keys, args=args)
        except Exception as exc:
            log.error("rate limiter storage failed: %s", type(exc).__name__)
            raise ServiceUnavailable("Rate limiting is temporarily unavailable") from None
        if int(refused):
            policy, item = limits[int(refused) - 1]
            raise refusal(policy, item, float(wait))
        return int(epoch)
