"""The auth gate: budgets and the epoch in one step, embedded and through Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from relayflow.core.coherence import AuthEpoch, FileAuthEpoch, RedisAuthEpoch
from relayflow.core.errors import ServiceUnavailable, TooManyRequests
from relayflow.core.gate import _SCRIPT, AuthGate, LocalAuthGate, RedisAuthGate
from relayflow.core.ratelimit import LocalRateLimiter, Policy

REDIS_URL = os.environ.get("RELAYFLOW_TEST_REDIS_URL")
T = TypeVar("T")

PER_KEY = Policy.parse("per-key", "3/minute")
PER_USER = Policy.parse("per-user", "100/second;4/hour")
FAILURES = Policy.parse("auth-failures-per-ip", "2/minute")


def run(make: Callable[[AuthGate, AuthEpoch], Awaitable[T]], kind: str, tmp_path: Path) -> T:
    """Run a scenario against a fresh gate of `kind` (and clean up after it)."""

    async def scenario() -> T:
        async with GateUnderTest(kind, tmp_path) as (gate, epoch):
            return await make(gate, epoch)

    return asyncio.run(scenario())


class GateUnderTest:
    """A fresh gate of one kind, and its epoch; Redis keys are deleted afterwards."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind, self.tmp_path = kind, tmp_path
        self.redis: Redis | None = None
        self.prefix = f"relayflow-test-{uuid.uuid4().hex}"

    async def __aenter__(self) -> tuple[AuthGate, AuthEpoch]:
        if self.kind == "memory":
            epoch = FileAuthEpoch(self.tmp_path / "auth.epoch")
            return LocalAuthGate(LocalRateLimiter(), epoch), epoch
        assert REDIS_URL
        self.redis = Redis.from_url(REDIS_URL)
        shared = RedisAuthEpoch(self.redis, self.prefix)
        return RedisAuthGate(self.redis, shared.key, self.prefix), shared

    async def __aexit__(self, *_: object) -> None:
        if self.redis is not None:
            async for key in self.redis.scan_iter(f"{self.prefix}:*"):
                await self.redis.delete(key)
            await self.redis.aclose()


KINDS = [
    "memory",
    pytest.param(
        "redis", marks=pytest.mark.skipif(not REDIS_URL, reason="RELAYFLOW_TEST_REDIS_URL unset")
    ),
]


async def admitted(gate: AuthGate, hits: int, *, user: str = "u1") -> int:
    passed = 0
    for _ in range(hits):
        try:
            await gate.admit(((FAILURES, "203.0.113.1"),), ((PER_KEY, "k1"), (PER_USER, user)))
            passed += 1
        except TooManyRequests:
            pass
    return passed


@pytest.mark.parametrize("kind", KINDS)
def test_hits_should_be_admitted_up_to_the_tightest_budget(kind: str, tmp_path: Path) -> None:
    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> int:
        return await admitted(gate, 5)

    assert run(scenario, kind, tmp_path) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_refusal_should_name_its_policy_and_when_to_retry(kind: str, tmp_path: Path) -> None:
    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> TooManyRequests:
        await admitted(gate, 3)
        with pytest.raises(TooManyRequests) as caught:
            await gate.admit((), ((PER_KEY, "k1"),))
        return caught.value

    refusal = run(scenario, kind, tmp_path)
    assert refusal.headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
    assert 1 <= int(refusal.headers["Retry-After"]) <= 120


@pytest.mark.parametrize("kind", KINDS)
def test_a_spent_failure_budget_should_count_no_hits(kind: str, tmp_path: Path) -> None:
    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> int:
        for _ in range(2):
            await gate.admit((), ((FAILURES, "203.0.113.1"),))
        assert await admitted(gate, 2) == 0
        # The key's budget was not spent by the refused requests.
        return await admitted_elsewhere(gate)

    async def admitted_elsewhere(gate: AuthGate) -> int:
        passed = 0
        for _ in range(5):
            try:
                await gate.admit(((FAILURES, "203.0.113.9"),), ((PER_KEY, "k1"),))
                passed += 1
            except TooManyRequests:
                pass
        return passed

    assert run(scenario, kind, tmp_path) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_spent_user_budget_should_count_no_hit_on_the_key(kind: str, tmp_path: Path) -> None:
    """All or nothing: a request refused for its user's budget spends none of its key's."""

    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> int:
        for _ in range(4):
            await gate.admit((), ((PER_USER, "busy"),))
        # Three per-key hits would fit, but the user has spent its 4 per hour.
        assert await admitted(gate, 3, user="busy") == 0
        return await admitted(gate, 5, user="idle")

    assert run(scenario, kind, tmp_path) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_the_gate_should_report_the_epoch_after_every_bump(kind: str, tmp_path: Path) -> None:
    async def scenario(gate: AuthGate, epoch: AuthEpoch) -> list[int]:
        seen = [await gate.admit((), ())]
        await epoch.bump()
        seen.append(await gate.admit((), ()))
        seen.append(await epoch.current())
        return seen

    first, after, current = run(scenario, kind, tmp_path)
    assert after != first and after == current


def test_an_unreachable_redis_should_fail_closed() -> None:
    async def scenario() -> None:
        redis = Redis.from_url("redis://127.0.0.1:1/0")
        try:
            await RedisAuthGate(redis, "nowhere:auth-epoch").admit((), ((PER_KEY, "k"),))
        finally:
            await redis.aclose()

    with pytest.raises(ServiceUnavailable):
        asyncio.run(scenario())


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_requests_should_each_get_their_own_answer(kind: str, tmp_path: Path) -> None:
    """Requests arriving together share round trips to Redis; each is counted once and gets
    the answer for its own key."""

    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> list[bool]:
        for spent in ("k1", "k3"):
            for _ in range(3):
                await gate.admit((), ((PER_KEY, spent),))

        async def one(key: str) -> bool:
            try:
                await gate.admit(((FAILURES, "203.0.113.1"),), ((PER_KEY, key),))
            except TooManyRequests:
                return False
            return True

        first = await asyncio.gather(*(one(f"k{n}") for n in range(6)))
        again = await asyncio.gather(*(one(f"k{n}") for n in range(6)))
        return [*first, *again]

    assert run(scenario, kind, tmp_path) == [True, False, True, False, True, True] * 2


@pytest.mark.skipif(not REDIS_URL, reason="RELAYFLOW_TEST_REDIS_URL unset")
def test_a_request_cancelled_while_it_waited_should_not_count(tmp_path: Path) -> None:
    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> tuple[int, int]:
        assert isinstance(gate, RedisAuthGate)
        tasks = [asyncio.ensure_future(gate.admit((), ((PER_KEY, "k1"),))) for _ in range(4)]
        await asyncio.sleep(0)  # the first is on its way alone, the others wait for the next
        for task in tasks[2:]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return await admitted(gate, 3), gate._busy

    assert run(scenario, "redis", tmp_path) == (1, 0)


@pytest.mark.skipif(not REDIS_URL, reason="RELAYFLOW_TEST_REDIS_URL unset")
def test_a_script_flushed_from_redis_should_be_loaded_again_without_double_counting(
    tmp_path: Path,
) -> None:
    async def scenario(gate: AuthGate, _epoch: AuthEpoch) -> int:
        assert isinstance(gate, RedisAuthGate)
        await gate.admit((), ((PER_KEY, "k1"),))
        await gate._redis.script_flush()  # as after a restart of Redis
        # One goes alone, the others share a pipeline: both meet the missing script.
        await asyncio.gather(
            gate.admit((), ((PER_KEY, "k1"),)), *(gate.admit((), ()) for _ in range(3))
        )
        return await admitted(gate, 3)

    assert run(scenario, "redis", tmp_path) == 1


@pytest.mark.skipif(not REDIS_URL, reason="RELAYFLOW_TEST_REDIS_URL unset")
def test_only_the_calls_refused_for_a_missing_script_should_be_sent_again(tmp_path: Path) -> None:
    """In a pipeline whose script went missing halfway, the calls that ran have counted."""

    sent: list[int] = []

    class HalfLoaded(RedisAuthGate):
        async def _pipeline(self, calls: list[Any]) -> list[Any]:
            sent.append(len(calls))
            if len(sent) > 1:
                return await super()._pipeline(calls)
            # The script vanished after the first call: Redis ran that one and refused the rest.
            ran = await super()._pipeline(calls[:1])
            return [*ran, *[NoScriptError("NOSCRIPT") for _ in calls[1:]]]

    async def scenario() -> tuple[list[int], list[str]]:
        assert REDIS_URL
        redis = Redis.from_url(REDIS_URL)
        prefix = f"relayflow-test-{uuid.uuid4().hex}"
        try:
            gate = HalfLoaded(redis, f"{prefix}:epoch", prefix)
            await redis.script_load(_SCRIPT)
            calls = [(2, [f"{prefix}:epoch", f"{prefix}:k{n}", "h", 10, 60]) for n in range(3)]
            await gate._evaluate(calls)
            counts = [await redis.get(key) or b"" async for key in redis.scan_iter(f"{prefix}:k*")]
            return sent, sorted(count.decode() for count in counts)
        finally:
            async for key in redis.scan_iter(f"{prefix}:*"):
                await redis.delete(key)
            await redis.aclose()

    sent, counts = asyncio.run(scenario())
    assert sent == [3, 2] and counts == ["1", "1", "1"]


def test_an_unreachable_redis_should_fail_closed_for_requests_that_wait_too() -> None:
    async def scenario() -> tuple[list[bool], int]:
        redis = Redis.from_url("redis://127.0.0.1:1/0")
        gate = RedisAuthGate(redis, "nowhere:auth-epoch")
        try:
            outcomes = await asyncio.gather(
                *(gate.admit((), ((PER_KEY, "k"),)) for _ in range(4)), return_exceptions=True
            )
        finally:
            await redis.aclose()
        return [isinstance(o, ServiceUnavailable) for o in outcomes], gate._busy

    assert asyncio.run(scenario()) == ([True] * 4, 0)
