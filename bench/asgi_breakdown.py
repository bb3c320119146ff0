"""Where an authenticated request's time goes: the real app called in-process, without sockets.

Builds the real application (`create_app`) on a temporary SQLite instance with one owner key
and calls it as an ASGI app in a loop (no network, no HTTP parsing), so that the steps
between `/healthz` and `GET /api/v1/api-keys/scopes` can be told apart. Two bench-only routes
are put in front of the public API's dispatch for this (nothing in `src/` changes):

1. `GET /healthz`: the main app, no dependency (the unauthenticated reference);
2. `GET /api/v1/bench/plain`: a route reached through the public API's dispatch, with no
   authentication: what routing into `/api/v1` costs;
3. `GET /api/v1/bench/guarded`: the same handler as a `PublicRoute` that any valid key may
   call: `plain` plus the whole access check;
4. `GET /api/v1/api-keys/scopes`: the real route (access check + `ApiPrincipal`);
5. the same without a header (401 before any key work, through the error handler);
6. `instance.keys.authenticate` alone.

    uv run python -m bench.asgi_breakdown [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from pathlib import Path
from typing import Any

import uvloop
from fastapi import APIRouter

from bench.report import machine
from bench.verify_inprocess import IP, Case, Fixture, make_fixture, print_timings, time_cases
from relayflow.api.dispatch import RelayflowApp
from relayflow.app import create_app
from relayflow.auth.dependencies import PublicRoute, authenticated

SCOPES = "/api/v1/api-keys/scopes"


async def plain() -> list[str]:
    """A public-API route with nothing to check."""
    return []


def add_probe_routes(app: RelayflowApp) -> None:
    """Put the bench-only routes in front of the public API's dispatch (before first use)."""
    open_routes = APIRouter(prefix="/bench")
    open_routes.add_api_route("/plain", plain, methods=["GET"])
    guarded = APIRouter(prefix="/bench", route_class=PublicRoute)
    guarded.add_api_route("/guarded", plain, methods=["GET"], **authenticated())
    app.public_routes = (*open_routes.routes, *guarded.routes, *app.public_routes)


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET through the ASGI interface; returns the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": (IP, 50000),
        "server": ("127.0.0.1", 5678),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def cases(app: RelayflowApp, fixture: Fixture) -> list[Case]:
    """The steps; every call checks the status it must answer."""
    key = [(b"x-n8n-api-key", fixture.raw.encode())]
    steps = [
        ("GET /healthz (main app, no auth)", "/healthz", [], 200),
        ("GET /api/v1/bench/plain (dispatched, no auth)", "/api/v1/bench/plain", [], 200),
        ("GET /api/v1/bench/guarded (plain + access check)", "/api/v1/bench/guarded", key, 200),
        ("GET /api/v1/api-keys/scopes (the real route)", SCOPES, key, 200),
        ("GET /api/v1/api-keys/scopes, no header (401)", SCOPES, [], 401),
    ]
    built = [
        Case(name, _request(app, path, headers, status), 3_000)
        for name, path, headers, status in steps
    ]
    keys = fixture.instance.keys
    built.append(Case("keys.authenticate alone", lambda: keys.authenticate(fixture.raw, IP), 3_000))
    return built


def _request(
    app: RelayflowApp, path: str, headers: list[tuple[bytes, bytes]], expected: int
) -> Any:
    async def op() -> None:
        status = await call(app, path, headers)
        if status != expected:
            raise AssertionError(f"{path} answered {status}, expected {expected}")

    return op


async def profile(app: RelayflowApp, fixture: Fixture, iterations: int = 5_000) -> None:
    """cProfile of the real authenticated route: the functions with the most own time."""
    headers = [(b"x-n8n-api-key", fixture.raw.encode())]
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        await call(app, SCOPES, headers)
    profiler.disable()
    print(f"\n### cProfile, {iterations:,} in-process calls of {SCOPES}\n\n```")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(
        r"solve_dependencies|authenticate|guarded|dispatch|serialize_response|routing.py.*\(app\)"
    )
    stats.sort_stats("tottime").print_stats(15)
    print("```")


async def run(rounds: int, with_profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="relayflow-bench-") as data_dir:
        fixture = await make_fixture(Path(data_dir))
        app = create_app(fixture.instance)
        add_probe_routes(app)
        try:
            print(f"Machine: {machine()}")
            print(f"Median of {rounds} interleaved rounds; in-process ASGI calls on uvloop.")
            timings = await time_cases(cases(app, fixture), rounds)
            print_timings("One request, step by step", timings)
            if with_profile:
                await profile(app, fixture)
        finally:
            await fixture.instance.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case (median shown)")
    parser.add_argument("--profile", action="store_true", help="also cProfile the real route")
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run(args.rounds, args.profile))


if __name__ == "__main__":
    main()
