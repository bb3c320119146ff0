"""The in-process sliding-window counter: what it admits, what it refuses, what it says."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import pytest

from relayflow.core.errors import TooManyRequests
from relayflow.core.ratelimit import SWEEP_THRESHOLD, LocalRateLimiter, Policy, shared_limiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def admitted(limiter: LocalRateLimiter, policy: Policy, identity: str, count: int) -> int:
    """How many of `count` hits were admitted."""

    async def run() -> int:
        passed = 0
        for _ in range(count):
            try:
                await limiter.hit(policy, identity)
                passed += 1
            except TooManyRequests:
                pass
        return passed

    return asyncio.run(run())


def refusal(limiter: LocalRateLimiter, policy: Policy, identity: str) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as caught:
        asyncio.run(limiter.hit(policy, identity))
    return caught.value


def test_hits_within_the_quota_should_pass_and_the_next_be_refused() -> None:
    clock = Clock()
    limiter, policy = LocalRateLimiter(clock), Policy.parse("per-key", "5/minute")
    assert admitted(limiter, policy, "k", 7) == 5
    headers = refusal(limiter, policy, "k").headers
    assert headers["RateLimit-Policy"] == '"per-key";q=5;w=60'
    assert headers["X-RateLimit-Remaining"] == "0"


def test_identities_should_not_share_a_budget() -> None:
    limiter, policy = LocalRateLimiter(Clock()), Policy.parse("p", "2/second")
    assert admitted(limiter, policy, "a", 3) == 2
    assert admitted(limiter, policy, "b", 2) == 2


def test_previous_window_should_weigh_in_proportion_to_its_overlap() -> None:
    clock = Clock()
    clock.now = 600.0  # the start of a 60 s window
    limiter, policy = LocalRateLimiter(clock), Policy.parse("p", "10/minute")
    assert admitted(limiter, policy, "k", 10) == 10
    clock.now = 660.0 + 15  # a quarter into the next window: 7.5 of 10 still count
    assert admitted(limiter, policy, "k", 5) == 2
    clock.now = 660.0 + 45  # three quarters in: 2.5 + 2 count
    assert admitted(limiter, policy, "k", 10) == 5


def test_retry_after_should_be_when_the_next_hit_is_admitted() -> None:
    clock = Clock()
    clock.now = 600.0
    limiter, policy = LocalRateLimiter(clock), Policy.parse("p", "4/minute")
    assert admitted(limiter, policy, "k", 4) == 4
    clock.now = 630.0
    wait = int(refusal(limiter, policy, "k").headers["Retry-After"])
    # 30 s left in this window, then a quarter of the next before 4 × (1 - g) + 1 <= 4.
    assert wait == 45
    clock.now = 630.0 + wait - 1
    refusal(limiter, policy, "k")
    clock.now = 630.0 + wait
    assert admitted(limiter, policy, "k", 1) == 1


def test_check_should_not_spend_budget_or_remember_strangers() -> None:
    limiter, policy = LocalRateLimiter(Clock()), Policy.parse("p", "1/minute")
    for _ in range(5):
        asyncio.run(limiter.check(policy, "stranger"))
    assert admitted(limiter, policy, "stranger", 2) == 1
    with pytest.raises(TooManyRequests):
        asyncio.run(limiter.check(policy, "stranger"))


def test_reset_should_forget_what_was_spent() -> None:
    limiter, policy = LocalRateLimiter(Clock()), Policy.parse("p", "1/hour")
    assert admitted(limiter, policy, "k", 2) == 1
    asyncio.run(limiter.reset(policy, "k"))
    assert admitted(limiter, policy, "k", 1) == 1


def test_every_limit_of_a_policy_should_apply() -> None:
    limiter, policy = LocalRateLimiter(Clock()), Policy.parse("p", "100/second;3/minute")
    assert admitted(limiter, policy, "k", 5) == 3
    assert "3 per 60 seconds" in refusal(limiter, policy, "k").message


def test_idle_identities_should_be_swept_when_the_table_grows() -> None:
    clock = Clock()
    limiter, policy = LocalRateLimiter(clock), Policy.parse("p", "1/second")
    assert admitted(limiter, policy, "old", 1) == 1
    for number in range(SWEEP_THRESHOLD):
        asyncio.run(limiter.hit(policy, f"ip-{number}"))
    clock.now += 5
    asyncio.run(limiter.hit(policy, "new"))
    windows = limiter._counters["p"][1][0].windows
    assert "old" not in windows and "new" in windows
    assert len(windows) == 1


def test_policies_with_equal_limits_should_keep_separate_budgets() -> None:
    limiter = LocalRateLimiter(Clock())
    logins, failures = Policy.parse("login-per-ip", "1/minute"), Policy.parse("fail", "1/minute")
    assert admitted(limiter, logins, "203.0.113.1", 1) == 1
    assert admitted(limiter, failures, "203.0.113.1", 1) == 1


def _limiters() -> list[Any]:
    redis_url = os.environ.get("RELAYFLOW_TEST_REDIS_URL")
    shared = pytest.param(
        "shared", marks=pytest.mark.skipif(not redis_url, reason="RELAYFLOW_TEST_REDIS_URL unset")
    )
    return ["local", shared]


@pytest.mark.parametrize("kind", _limiters())
def test_a_hit_refused_by_one_limit_should_spend_none_of_the_others(kind: str) -> None:
    """`3/hour;2/minute`: the minute refuses the third hit, which must not spend the hour."""
    policy = Policy.parse(f"multi-{uuid.uuid4().hex[:8]}", "3/hour;2/minute")
    clock = Clock()

    async def attempts(limiter: Any, count: int) -> list[bool]:
        outcomes = []
        for _ in range(count):
            try:
                await limiter.hit(policy, "a")
                outcomes.append(True)
            except TooManyRequests:
                outcomes.append(False)
        return outcomes

    async def local() -> list[bool]:
        limiter = LocalRateLimiter(clock)
        outcomes = await attempts(limiter, 4)
        clock.now += 120  # the minute is over, the hour is not
        return outcomes + await attempts(limiter, 2)

    async def shared() -> list[bool]:
        limiter = shared_limiter(os.environ["RELAYFLOW_TEST_REDIS_URL"], "relayflow-test")
        try:
            outcomes = await attempts(limiter, 4)
            # Only the two admitted hits count against the hour: one more fits there.
            await limiter.check(Policy(policy.name, policy.items[:1]), "a")
            return [*outcomes, True, False]
        finally:
            for item in policy.items:
                await limiter.reset(Policy(policy.name, (item,)), "a")

    outcomes = asyncio.run(local() if kind == "local" else shared())
    assert outcomes == [True, True, False, False, True, False]
