"""The auth gate: an API-key request's rate limits and the auth epoch, read in one step.

Every authenticated request needs the current auth epoch (is the cache still good?), one
check of its client's failure budget and a hit on its key's and its user's budgets. Embedded,
those are memory reads. With Redis they were four round trips; `RedisAuthGate` does all of
them in one Lua script, atomically: if any budget is spent, nothing is counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from relayflow.core.coherence import FileAuthEpoch
from relayflow.core.errors import ServiceUnavailable
from relayflow.core.ratelimit import LocalRateLimiter, Policy, refusal

log = logging.getLogger(__name__)

Budget = tuple[Policy, str]
"""A policy and the identity (client IP, key id, user id) whose budget it limits."""

_Call = tuple[int, list[str | int | float]]
"""One run of the gate's script: the number of keys, then the keys and the arguments."""


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


# At most this many pipelines are under way at once; later requests wait for one to return,
# so a stalled Redis cannot take every pooled connection. A pipeline carries at most
# `MAX_BATCH` calls.
MAX_PIPELINES = 4
MAX_BATCH = 500


class RedisAuthGate:
    """Budgets and epoch shared by every instance, in one round trip to Redis.

    A request that finds the gate idle goes straight to Redis. While round trips are under
    way, further requests do not each make their own: they wait for the next pipeline,
    which carries every request that arrived since the previous one (at most
    `MAX_PIPELINES` are under way), each script still atomic on its own. Under load that
    saves most of the client's per-call cost (a pooled connection, a write and a read per
    request). The client must not retry commands: a retried script could
    count a request twice (`Instance.build` switches retries off).
    """

    def __init__(self, redis: Redis, epoch_key: str, prefix: str = "relayflow") -> None:
        self._redis = redis
        self._sha = hashlib.sha1(_SCRIPT.encode()).hexdigest()  # noqa: S324 (Redis's script id)
        self._epoch_key = epoch_key
        self._prefix = f"{prefix}:gate"
        self._waiting: list[tuple[_Call, asyncio.Future[Any]]] = []
        self._busy = 0  # round trips under way, alone or in a pipeline
        self._pipelines = 0
        self._scheduled = False

    async def admit(self, checks: Sequence[Budget], hits: Sequence[Budget]) -> int:
        """Run the script; fail closed (503) when Redis cannot answer."""
        keys: list[str | int | float] = [self._epoch_key]
        args: list[str | int | float] = []
        limits = []
        for mode, budgets in (("c", checks), ("h", hits)):
            for policy, identity in budgets:
                for item in policy.items:
                    amount, period = item.amount, item.get_expiry()
                    keys.append(f"{self._prefix}:{policy.name}:{amount}/{period}:{identity}")
                    args += [mode, amount, period]
                    limits.append((policy, item))
        call = (len(keys), [*keys, *args])
        try:
            epoch, refused, wait = await (self._alone(call) if not self._busy else self._join(call))
        except Exception as exc:
            log.error("rate limiter storage failed: %s", type(exc).__name__)
            raise ServiceUnavailable("Rate limiting is temporarily unavailable") from None
        if int(refused):
            policy, item = limits[int(refused) - 1]
            raise refusal(policy, item, float(wait))
        return int(epoch)

    async def _alone(self, call: _Call) -> Any:
        self._busy += 1
        try:
            (answer,) = await self._evaluate([call])
        finally:
            self._busy -= 1
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def _join(self, call: _Call) -> asyncio.Future[Any]:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((call, answer))
        self._schedule()
        return answer

    def _schedule(self) -> None:
        if self._waiting and not self._scheduled and self._pipelines < MAX_PIPELINES:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._send)

    def _send(self) -> None:
        self._scheduled = False
        # A request cancelled while it waited is not sent: it must not count.
        batch = [entry for entry in self._waiting[:MAX_BATCH] if not entry[1].done()]
        del self._waiting[:MAX_BATCH]
        if batch:
            self._busy += 1
            self._pipelines += 1
            task = asyncio.ensure_future(self._run(batch))
            _in_flight.add(task)
            task.add_done_callback(_in_flight.discard)
        self._schedule()

    async def _run(self, batch: list[tuple[_Call, asyncio.Future[Any]]]) -> None:
        try:
            answers = await self._evaluate([call for call, _ in batch])
        except Exception as exc:  # every waiter answers 503
            answers = [exc] * len(batch)
        except BaseException:  # cancelled (at shutdown): nobody may wait forever
            _settle(batch, [ConnectionError("the round trip to Redis was cancelled")] * len(batch))
            raise
        finally:
            self._busy -= 1
            self._pipelines -= 1
            self._schedule()
        _settle(batch, answers)

    async def _evaluate(self, calls: list[_Call]) -> list[Any]:
        """One pipeline of `EVALSHA`s. Should Redis not know the script (a restart, a flush),
        it is loaded and only the calls it refused are sent again: the others have counted."""
        answers = await self._pipeline(calls)
        missing = [i for i, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
        if missing:
            await self._redis.script_load(_SCRIPT)
            again = await self._pipeline([calls[i] for i in missing])
            for i, answer in zip(missing, again, strict=True):
                answers[i] = answer
        return answers

    async def _pipeline(self, calls: list[_Call]) -> list[Any]:
        if len(calls) == 1:  # a lone request: a pipeline would only add to its cost
            keys, params = calls[0]
            try:
                return [await self._redis.evalsha(self._sha, keys, *params)]
            except NoScriptError as exc:
                return [exc]
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, params in calls:
                pipe.evalsha(self._sha, keys, *params)
            answers: list[Any] = await pipe.execute(raise_on_error=False)
        return answers


def _settle(batch: list[tuple[_Call, asyncio.Future[Any]]], answers: list[Any]) -> None:
    """Hand each waiter its answer (an exception answers 503), skipping those cancelled."""
    for (_, answer), result in zip(batch, answers, strict=True):
        if answer.done():
            continue
        if isinstance(result, BaseException):
            answer.set_exception(result)
        else:
            answer.set_result(result)


# Pipelines whose requests have all gone (cancelled) still finish; this keeps them referenced.
_in_flight: set[asyncio.Task[None]] = set()
