"""Rate limits: in this process's memory by default, in Redis when several instances share.

Each named policy is one or more `limits` strings (`100/second;5000/hour`), parsed by the
`limits` library. Both limiters count with the same sliding-window-counter algorithm: the
previous window's count, weighted by how much of it still overlaps the sliding window, plus
the current window's count. A refusal carries `Retry-After`, the IETF draft
`RateLimit-Policy` / `RateLimit` headers and the legacy `X-RateLimit-*` trio.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from relayflow.core.errors import ServiceUnavailable, TooManyRequests

log = logging.getLogger(__name__)
T = TypeVar("T")

# Identities idle for two windows carry no weight any more; a table is swept of them
# when it grows past this size, so a flood of distinct addresses cannot grow it forever.
SWEEP_THRESHOLD = 10_000


@dataclass(frozen=True, slots=True)
class Policy:
    """A named set of limits, e.g. `per-key` = `100/second`."""

    name: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, text: str) -> Policy:
        """Build a policy from a `limits` string."""
        return cls(name, tuple(parse_many(text)))


class RateLimiter(Protocol):
    """Checks and counts hits against named policies."""

    async def hit(self, policy: Policy, identity: str) -> None:
        """Count one request for `identity`; raise 429 when a limit is exceeded."""
        ...

    async def check(self, policy: Policy, identity: str) -> None:
        """Raise 429 if `identity` has no budget left, without counting a hit."""
        ...

    async def reset(self, policy: Policy, identity: str) -> None:
        """Forget what `identity` has spent (for example after a successful sign-in)."""
        ...


def shared_limiter(redis_url: str, prefix: str = "relayflow") -> SharedRateLimiter:
    """The limiter every instance sharing this Redis spends one budget with."""
    scheme, rest = redis_url.split("://", 1)
    storage = RedisStorage(
        f"async+{scheme}://{rest}", implementation="redispy", key_prefix=f"{prefix}:limits"
    )
    return SharedRateLimiter(storage)


def refusal(policy: Policy, item: RateLimitItem, retry_after: float) -> TooManyRequests:
    """The 429 for `policy`'s `item`, with every rate-limit header clients look for."""
    seconds = max(1, math.ceil(retry_after))
    window = item.get_expiry()
    headers = {
        "Retry-After": str(seconds),
        "RateLimit-Policy": f'"{policy.name}";q={item.amount};w={window}',
        "RateLimit": f'"{policy.name}";r=0;t={seconds}',
        "X-RateLimit-Limit": str(item.amount),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(math.ceil(time.time() + retry_after)),
    }
    return TooManyRequests(
        f"Too many requests: the {policy.name} limit of {item.amount} per {window} "
        f"seconds was exceeded; retry after {seconds} seconds",
        headers=headers,
    )


class _Window:
    """One identity's counts under one limit: the current window and the one before."""

    __slots__ = ("current", "index", "previous")

    def __init__(self, index: int) -> None:
        self.index = index
        self.current = 0
        self.previous = 0


class _Counter:
    """The sliding-window counter of one limit (`amount` per `period` seconds)."""

    __slots__ = ("amount", "item", "period", "windows")

    def __init__(self, item: RateLimitItem) -> None:
        self.item = item
        self.amount = item.amount
        self.period = float(item.get_expiry())
        self.windows: dict[str, _Window] = {}

    def _sweep(self, index: int) -> None:
        stale = [key for key, window in self.windows.items() if window.index < index - 1]
        for key in stale:
            del self.windows[key]

    def take(self, identity: str, now: float, taken: list[_Window] | None) -> float:
        """0.0 if one more hit fits, else seconds until one would.

        With `taken`, the hit is to be counted: its window is appended there, for the caller
        to count once every budget of the request has been found to fit.
        """
        window = self.windows.get(identity)
        if window is None and taken is None:
            return 0.0 if self.amount >= 1 else self.period
        # Roll the identity's window forward to `now` (this runs on every request, inline).
        position = now / self.period
        index = int(position)
        if window is None:
            if len(self.windows) >= SWEEP_THRESHOLD:
                self._sweep(index)
            window = self.windows[identity] = _Window(index)
        elif window.index != index:
            window.previous = window.current if window.index == index - 1 else 0
            window.current = 0
            window.index = index
        weight = 1.0 - (position - index)
        if window.previous * weight + window.current + 1 <= self.amount:
            if taken is not None:
                taken.append(window)
            return 0.0
        if window.previous and window.current < self.amount:
            # The previous window's share has to shrink by the overshoot.
            overshoot = window.previous * weight + window.current + 1 - self.amount
            return max(overshoot / window.previous * self.period, 0.001)
        # The current window alone is full: wait into the next one until enough of it ages out.
        ages_out = 1.0 - (self.amount - 1) / window.current if window.current else 0.0
        return weight * self.period + ages_out * self.period

    def clear(self, identity: str) -> None:
        """Forget the identity."""
        self.windows.pop(identity, None)


class LocalRateLimiter:
    """The embedded default: counters in this process's memory.

    Nothing here awaits between reading a counter and writing it, so on one event loop no
    lock is needed; this runs on every authenticated request and costs about a microsecond
    per limit.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._now = clock
        # By policy name: two policies may have equal limits but never share a budget.
        self._counters: dict[str, tuple[Policy, tuple[_Counter, ...]]] = {}

    def _counters_of(self, policy: Policy) -> tuple[_Counter, ...]:
        known = self._counters.get(policy.name)
        if known is None or known[0] is not policy:
            if known is not None and known[0] != policy:
                raise ValueError(f"two different policies are named {policy.name!r}")
            known = self._counters[policy.name] = (policy, tuple(map(_Counter, policy.items)))
        return known[1]

    async def hit(self, policy: Policy, identity: str) -> None:
        """Count one request for `identity`; raise 429 when a limit is exceeded."""
        self.admit((), ((policy, identity),))

    async def check(self, policy: Policy, identity: str) -> None:
        """Raise 429 if `identity` has no budget left, without counting a hit."""
        self.admit(((policy, identity),), ())

    async def reset(self, policy: Policy, identity: str) -> None:
        """Forget what `identity` has spent."""
        for counter in self._counters_of(policy):
            counter.clear(identity)

    def admit(
        self, checks: Iterable[tuple[Policy, str]], hits: Iterable[tuple[Policy, str]]
    ) -> None:
        """Raise 429 if a check or a hit does not fit, else count every hit: all or nothing.

        Without a coroutine, for callers on the hot path: one clock read for all budgets.
        Each hit is tested against the counts before this request, so a budget (policy and
        identity) must appear at most once.
        """
        now = self._now()
        for policy, identity in checks:
            for counter in self._counters_of(policy):
                wait = counter.take(identity, now, None)
                if wait:
                    raise refusal(policy, counter.item, wait)
        taken: list[_Window] = []
        for policy, identity in hits:
            for counter in self._counters_of(policy):
                wait = counter.take(identity, now, taken)
                if wait:
                    raise refusal(policy, counter.item, wait)
        for window in taken:
            window.current += 1


class SharedRateLimiter:
    """Counters in Redis through `limits`, so that every instance spends one budget."""

    def __init__(self, storage: RedisStorage) -> None:
        self.storage = storage
        self._strategy = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, policy: Policy, identity: str) -> None:
        """Count one request for `identity`; raise 429 when a limit is exceeded.

        Like the in-memory limiter, a request refused by one of a policy's limits spends
        none of the others: they are tested first (only when there are several).
        """
        if len(policy.items) > 1:
            await self.check(policy, identity)
        for item in policy.items:
            if not await self._call(self._strategy.hit(item, policy.name, identity)):
                raise await self._refusal(policy, item, identity)

    async def check(self, policy: Policy, identity: str) -> None:
        """Raise 429 if `identity` has no budget left, without counting a hit."""
        for item in policy.items:
            if not await self._call(self._strategy.test(item, policy.name, identity)):
                raise await self._refusal(policy, item, identity)

    async def reset(self, policy: Policy, identity: str) -> None:
        """Forget what `identity` has spent."""
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
        return refusal(policy, item, stats.reset_time - time.time())
