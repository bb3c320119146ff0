"""A `relayflow start` subprocess for the HTTP benchmarks, with its owner and API key.

The server runs from a temporary data dir on a free loopback port, with rate limits high
enough never to trigger. Optionally it uses a fresh PostgreSQL database (created here and
dropped afterwards) and Redis under a unique key prefix (whose keys are deleted afterwards).
"""

from __future__ import annotations

import asyncio
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from redis import Redis

GENEROUS = "1000000/second"
OWNER_EMAIL = "bench-owner@example.com"
OWNER_PASSWORD = "Correct-Horse-9"  # noqa: S105 (a throw-away benchmark account)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Backends:
    """Where the server keeps its data: SQLite alone, or PostgreSQL and Redis."""

    name: str
    postgres_admin_url: str | None = None
    redis_url: str | None = None


@dataclass
class BenchServer:
    """A running server: its base URL, its process and the owner's raw API key."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    api_key: str
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process (all its threads) has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def wait_idle(self, timeout: float = 180.0, quantum: float = 0.5) -> float:
        """Wait until the server uses < 5 % of a core (background work done); seconds waited."""
        start = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - start < timeout:
            time.sleep(quantum)
            now = self.cpu_seconds()
            if now - before < 0.05 * quantum:
                return time.monotonic() - start
            before = now
        return time.monotonic() - start


def relayflow_command() -> str:
    """The `relayflow` entry point of the interpreter running the benchmark."""
    return str(Path(sys.executable).parent / "relayflow")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path, backends: Backends, database_url: str | None) -> dict[str, str]:
    """The environment of the server and of the CLI calls that prepare it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAYFLOW_")}
    env.update(
        RELAYFLOW_DATA_DIR=str(data_dir),
        RELAYFLOW_LOG_LEVEL="warning",
        RELAYFLOW_PASSWORD_HASH_PROFILE="fast",  # noqa: S106 (a hashing profile)
        RELAYFLOW_RATE_LIMIT_PER_KEY=GENEROUS,
        RELAYFLOW_RATE_LIMIT_PER_USER=GENEROUS,
        RELAYFLOW_RATE_LIMIT_AUTH_FAILURES_PER_IP=GENEROUS,
        RELAYFLOW_REDIS_PREFIX=f"bench-{uuid.uuid4().hex[:10]}",
    )
    if database_url:
        env["RELAYFLOW_DATABASE_URL"] = database_url
    if backends.redis_url:
        env["RELAYFLOW_REDIS_URL"] = backends.redis_url
    return env


def cli(env: dict[str, str], *arguments: str) -> str:
    """Run `relayflow ARGUMENTS` and return its stdout, stripped."""
    done = subprocess.run(
        [relayflow_command(), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"relayflow {arguments[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def create_owner_key(env: dict[str, str]) -> str:
    """Create the owner and an all-scopes key with the CLI; return the raw key."""
    cli(
        env,
        "user",
        "create",
        "--email",
        OWNER_EMAIL,
        "--password",
        OWNER_PASSWORD,
        "--role",
        "global:owner",
    )
    return cli(
        env, "api-key", "create", "--email", OWNER_EMAIL, "--label", "bench", "--scopes", "all"
    )


def wait_ready(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `/healthz` until it answers 200 (or fail with the server's log)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to shut down (SIGTERM), then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(
    backends: Backends, *, probes: bool = False, probe_options: tuple[str, ...] = ()
) -> Iterator[BenchServer]:
    """Start a prepared server on a free loopback port; stop it and clean up afterwards.

    With `probes`, the server is `bench.probe_server`: the same application plus the
    bench-only routes `/api/v1/bench/plain` and `/api/v1/bench/guarded`, started with
    `probe_options` (`--floor`, `--time-check`: see `bench.probe_server`).
    """
    with (
        tempfile.TemporaryDirectory(prefix="relayflow-bench-") as tmp,
        fresh_database(backends) as database_url,
    ):
        data_dir, log = Path(tmp) / "data", Path(tmp) / "server.log"
        env = server_env(data_dir, backends, database_url)
        key, port = create_owner_key(env), free_port()
        command = [relayflow_command(), "start"]
        if probes:
            command = [sys.executable, "-m", "bench.probe_server", *probe_options]
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_ready("127.0.0.1", port, process, log)
            yield BenchServer("127.0.0.1", port, process, key, log)
        finally:
            stop(process)
            clear_redis(backends, env["RELAYFLOW_REDIS_PREFIX"])


@contextmanager
def fresh_database(backends: Backends) -> Iterator[str | None]:
    """A new PostgreSQL database for this run (dropped afterwards), or None for SQLite."""
    if backends.postgres_admin_url is None:
        yield None
        return
    name = f"relayflow_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres(backends.postgres_admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield backends.postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        asyncio.run(_postgres(backends.postgres_admin_url, statement))


async def _postgres(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def clear_redis(backends: Backends, prefix: str) -> None:
    """Delete the keys this run left in Redis (epoch and rate-limit counters)."""
    if backends.redis_url is None:
        return
    client = Redis.from_url(backends.redis_url)
    try:
        for key in client.scan_iter(match=f"*{prefix}:*"):
            client.delete(key)
    finally:
        client.close()
