"""Benchmark (a): API-key verification in-process, without HTTP.

Builds an `Instance` on a temporary SQLite data dir, creates an owner and a key through the
services (as `tests/support/server.py` does), then times `instance.keys.authenticate(raw, ip)`
on one uvloop event loop:

* a valid key with a warm cache (the common case: format check, HMAC, epoch `stat`, cache
  hit, three rate-limit calls);
* a valid key with a cold cache (the cache is cleared before every call: one DB lookup);
* refusals: no header, a malformed key (wrong length, then right shape with a bad checksum)
  and a well-formed key that does not exist (a DB miss). A refusal also schedules an audit
  row in the background; its cost is shown separately ("incl. audit write").

It also times the pieces of the warm path one by one, to show what dominates.

    uv run python -m bench.verify_inprocess [--rounds 5] [--profile]
        [--redis-url redis://127.0.0.1:6379/0]   # epoch and rate limits in Redis
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import uvloop
from sqlalchemy.ext.asyncio import AsyncSession

from bench.report import machine, table
from relayflow.api_keys.service import Actor, ApiKeyService
from relayflow.auth import key_format
from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.auth.verifier import CachedKey
from relayflow.core.config import Settings
from relayflow.core.errors import Unauthorized
from relayflow.db.migrate import upgrade
from relayflow.instance import Instance
from relayflow.users.service import UserService

IP = "127.0.0.1"
WARM = "valid key, warm cache"
GENEROUS = "1000000000/second"
Op = Callable[[], Awaitable[object]]


@dataclass
class Fixture:
    """A migrated instance with one owner and one valid raw key."""

    instance: Instance
    raw: str


@dataclass
class Timing:
    """The median of several rounds of one operation."""

    name: str
    seconds_per_op: float
    cpu_per_op: float
    with_background: float | None = None

    @property
    def ops_per_second(self) -> float:
        return 1 / self.seconds_per_op


def settings_for(data_dir: Path, redis_url: str | None = None) -> Settings:
    """An embedded instance (optionally with Redis) whose limits never trigger here."""
    return Settings(
        data_dir=data_dir,
        database_url=None,
        redis_url=redis_url,
        redis_prefix=f"bench-{uuid.uuid4().hex[:10]}",
        password_hash_profile="fast",  # noqa: S106 (a hashing profile, not a password)
        rate_limit_per_key=GENEROUS,
        rate_limit_per_user=GENEROUS,
        rate_limit_auth_failures_per_ip=GENEROUS,
    )


async def make_fixture(data_dir: Path, redis_url: str | None = None) -> Fixture:
    """Migrate, then create an owner and an all-scopes key as one committed unit of work."""
    instance = Instance.build(settings_for(data_dir, redis_url))
    await upgrade(instance.database)
    async with instance.database.sessionmaker() as session:
        raw = await _owner_key(instance, session)
        await session.commit()
    await instance.keys.invalidate()
    await instance.keys.sync()
    return Fixture(instance, raw)


async def _owner_key(instance: Instance, session: AsyncSession) -> str:
    users = UserService(session, instance.passwords)
    owner = await users.create("owner@example.com", "Correct-Horse-9", "global:owner", "B", "O")
    keys = ApiKeyService(session, instance.keys.pepper)
    scopes = list(ROLE_SCOPES[owner.role])
    _, raw = await keys.create(Actor.for_user(owner), "bench", scopes, None)
    return raw


@dataclass
class Case:
    """One operation to time: `iterations` calls per round, then `drain` (if any)."""

    name: str
    op: Op
    iterations: int
    drain: Op | None = None


async def run_round(case: Case) -> tuple[float, float, float]:
    """Seconds per call: wall clock, CPU time (this process), wall clock including the drain.

    CPU time is the figure least disturbed by other processes on a shared machine; it
    includes the database driver's thread, so it stays meaningful for the DB cases.
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(case.iterations):
        await case.op()
    middle, cpu_end = time.perf_counter(), time.process_time()
    if case.drain is not None:
        await case.drain()
    end, n = time.perf_counter(), case.iterations
    return (middle - start) / n, (cpu_end - cpu_start) / n, (end - start) / n


async def time_cases(cases: list[Case], rounds: int) -> list[Timing]:
    """Medians per call of each case; rounds interleave the cases so noise hits them alike."""
    samples: dict[str, list[tuple[float, float, float]]] = {case.name: [] for case in cases}
    for _ in range(rounds):
        for case in cases:
            samples[case.name].append(await run_round(case))
    timings = []
    for case in cases:
        wall, cpu, total = (
            statistics.median(column) for column in zip(*samples[case.name], strict=True)
        )
        timings.append(Timing(case.name, wall, cpu, total if case.drain else None))
    return timings


def refused(call: Op) -> Op:
    """An operation that must end in 401; anything else is a benchmark bug."""

    async def op() -> None:
        try:
            await call()
        except Unauthorized:
            return
        raise AssertionError("the key was accepted")

    return op


def malformed_keys(raw: str) -> tuple[str, str]:
    """A key of the wrong length, and one of the right shape whose checksum is wrong."""
    body = raw[: -key_format.CHECKSUM_LENGTH]
    bad_check = "0" * key_format.CHECKSUM_LENGTH
    if bad_check == raw[-key_format.CHECKSUM_LENGTH :]:
        bad_check = "1" * key_format.CHECKSUM_LENGTH
    return raw[:-1], body + bad_check


def verification_cases(fixture: Fixture) -> list[Case]:
    """The end-to-end `authenticate` cases."""
    keys = fixture.instance.keys
    short, bad_checksum = malformed_keys(fixture.raw)

    async def cold() -> object:
        keys._cache.clear()
        return await keys.authenticate(fixture.raw, IP)

    async def unknown() -> object:
        return await keys.authenticate(key_format.generate(), IP)

    def auth(raw: str | None) -> Op:
        return lambda: keys.authenticate(raw, IP)

    return [
        Case(WARM, auth(fixture.raw), 10_000),
        Case("valid key, cold cache (DB lookup)", cold, 200),
        Case("no header", refused(auth(None)), 10_000),
        Case("malformed: wrong length", refused(auth(short)), 1_000, keys.drain),
        Case("malformed: bad checksum", refused(auth(bad_checksum)), 1_000, keys.drain),
        Case("well-formed, unknown (DB miss)", refused(unknown), 200, keys.drain),
    ]


def component_cases(fixture: Fixture) -> list[Case]:
    """The pieces of the warm path, one at a time (the cache holds the key by now)."""
    keys = fixture.instance.keys
    policies, gate, raw = keys.policies, keys.gate, fixture.raw
    failures = ((policies.failures_per_ip, IP),)

    async def wrap(function: Callable[[], object]) -> object:
        return function()

    def entry() -> CachedKey:
        return next(iter(keys._cache.values()))

    pieces: list[tuple[str, Op]] = [
        ("key_format.is_well_formed", lambda: wrap(lambda: key_format.is_well_formed(raw))),
        (
            "CacheKeys.of (keyed BLAKE2b: the cache's key)",
            lambda: wrap(lambda: keys.cache_keys.of(raw)),
        ),
        (
            "KeyHasher.digest (HMAC-SHA256: a cache miss only)",
            lambda: wrap(lambda: keys.hasher.digest(raw)),
        ),
        ("epoch.current (shared memory, or Redis GET)", keys.epoch.current),
        (
            "gate.admit: failure check + key and user hits + epoch",
            lambda: gate.admit(failures, entry().hits),
        ),
        ("principal(entry)", lambda: wrap(lambda: keys.principal(entry()))),
        ("an empty await (loop overhead)", lambda: wrap(lambda: None)),
    ]
    return [Case(name, op, 10_000) for name, op in pieces]


def print_timings(title: str, timings: list[Timing]) -> None:
    """One Markdown table: ops/s and µs/op by the wall clock and by CPU time."""
    background = any(t.with_background is not None for t in timings)
    headers = ["case", "ops/s (wall)", "µs/op (wall)", "µs/op (CPU)"]
    headers += ["µs/op incl. audit write (wall)"] if background else []
    rows: list[list[object]] = []
    for t in timings:
        row: list[object] = [t.name, round(t.ops_per_second), t.seconds_per_op * 1e6]
        row.append(t.cpu_per_op * 1e6)
        if background:
            row.append("–" if t.with_background is None else t.with_background * 1e6)
        rows.append(row)
    print(f"\n### {title}\n")
    print(table(headers, rows))


def print_pieces(whole: Timing, pieces: list[Timing]) -> None:
    """The warm path next to its pieces and their sum (without the empty await, and without
    the HMAC, which only a cache miss computes)."""
    counted = [t for t in pieces if not t.name.startswith(("an empty await", "KeyHasher"))]
    wall = sum(t.seconds_per_op for t in counted)
    cpu = sum(t.cpu_per_op for t in counted)
    summed = Timing("sum of the pieces above", wall, cpu)
    print_timings("Warm path, piece by piece", [*pieces, summed, whole])


async def profile_warm(fixture: Fixture, iterations: int = 30_000) -> None:
    """cProfile of the warm-cache path: where `authenticate` spends its time."""
    keys = fixture.instance.keys
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        await keys.authenticate(fixture.raw, IP)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"\n### cProfile, {iterations:,} warm-cache authentications\n")
    print("```")
    stats.sort_stats("cumulative").print_callees(r"verifier.py.*\(authenticate\)")
    stats.sort_stats("tottime").print_stats(12)
    print("```")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="relayflow-bench-") as data_dir:
        fixture = await make_fixture(Path(data_dir), args.redis_url)
        try:
            print(f"Machine: {machine()}")
            where = f"Redis at {args.redis_url}" if args.redis_url else "in memory / a file"
            print(f"Median of {args.rounds} interleaved rounds; one uvloop event loop;")
            print(f"SQLite (WAL) in a temp dir; rate limits and auth epoch: {where}.")
            verification, pieces = verification_cases(fixture), component_cases(fixture)
            timings = await time_cases(verification + pieces, args.rounds)
            print_timings("KeyVerifier.authenticate", timings[: len(verification)])
            print_pieces(timings[0], timings[len(verification) :])
            if args.profile:
                await profile_warm(fixture)
        finally:
            await clear_redis(fixture.instance)
            await fixture.instance.close()


async def clear_redis(instance: Instance) -> None:
    """Delete what this run left in Redis (its keys all carry the run's prefix)."""
    if instance.redis is not None:
        async for key in instance.redis.scan_iter(match=f"*{instance.settings.redis_prefix}:*"):
            await instance.redis.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case (median shown)")
    parser.add_argument("--profile", action="store_true", help="also cProfile the warm path")
    parser.add_argument("--redis-url", help="use Redis for the epoch and the rate limits")
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run(args))


if __name__ == "__main__":
    main()
