"""Where an authenticated request's time goes: the real app called in-process, without sockets.

Builds the real application (`create_app`) on a temporary SQLite instance with one owner key
and calls it as an ASGI app in a loop (no network, no HTTP parsing), so that the steps
between `/healthz` and `GET /api/v1/api-keys/scopes` can be told apart. Bench-only routes
are added to the public sub-app for this (nothing in `src/` changes):

1. `GET /healthz`: the main app, no dependency (the unauthenticated reference);
2. `GET /api/v1/bench/plain`: the mounted public sub-app, no dependency; the same route is
   also added after every other route (`plain-last`) to show what routing through all the
   public API's routers costs;
3. `GET /api/v1/bench/flat`: one dependency (plus the declared `X-N8N-API-KEY` header) that
   calls `instance.keys.authenticate` itself: the shape suggested in `docs/benchmarks.md`;
4. `GET /api/v1/bench/principal`: the real `ApiPrincipal` dependency, nothing else;
5. `GET /api/v1/api-keys/scopes`: the real route (`ApiPrincipal` + `authenticated()`);
6. the same without a header (401 before any key work: dependencies + error handler);
7. `instance.keys.authenticate` alone.

    uv run python -m bench.asgi_breakdown [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from pathlib import Path
from typing import Annotated, Any

import uvloop
from fastapi import Depends, FastAPI, Request
from starlette.routing import Mount

from bench.report import machine
from bench.verify_inprocess import IP, Case, Fixture, make_fixture, print_timings, time_cases
from relayflow.app import create_app
from relayflow.auth.dependencies import ApiPrincipal, authenticated
from relayflow.auth.principal import Principal

SCOPES = "/api/v1/api-keys/scopes"


def public_api(app: FastAPI) -> FastAPI:
    """The sub-application mounted at `/api/v1`."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api/v1":
            sub: FastAPI = route.app  # type: ignore[assignment]
            return sub
    raise LookupError("no /api/v1 mount")


async def flat_principal(request: Request) -> Principal:
    """The whole authentication as one dependency."""
    instance = request.app.state.instance
    client = request.client.host if request.client else "unknown"
    raw = request.headers.get("x-n8n-api-key")
    principal: Principal = await instance.keys.authenticate(raw, client)
    return principal


async def plain() -> list[str]:
    """A public-API route with no dependency at all."""
    return []


async def flat(principal: Annotated[Principal, Depends(flat_principal)]) -> list[str]:
    """A public-API route authenticated by `flat_principal` alone."""
    return [principal.role]


async def principal_only(principal: ApiPrincipal) -> list[str]:
    """A public-API route with the real access check and `ApiPrincipal`, nothing else."""
    return [principal.role]


def add_probe_routes(app: FastAPI) -> None:
    """Put the bench-only routes at the front of the public API (see the module docstring),
    and one more `plain` route at its very end, after every router and mount."""
    api = public_api(app)
    before = len(api.router.routes)
    api.add_api_route("/bench/plain", plain, methods=["GET"])
    api.add_api_route("/bench/flat", flat, methods=["GET"])
    api.add_api_route("/bench/principal", principal_only, methods=["GET"], **authenticated())
    added = api.router.routes[before:]
    api.router.routes[:] = [*added, *api.router.routes[:before]]
    api.add_api_route("/bench/plain-last", plain, methods=["GET"])


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


def cases(app: FastAPI, fixture: Fixture) -> list[Case]:
    """The steps; every call checks the status it must answer."""
    key = [(b"x-n8n-api-key", fixture.raw.encode())]
    steps = [
        ("GET /healthz (main app, no auth)", "/healthz", [], 200),
        ("GET /api/v1/bench/plain (sub-app, no auth)", "/api/v1/bench/plain", [], 200),
        ("GET /api/v1/bench/plain-last (same, routed last)", "/api/v1/bench/plain-last", [], 200),
        ("GET /api/v1/bench/flat (one dependency + authenticate)", "/api/v1/bench/flat", key, 200),
        (
            "GET /api/v1/bench/principal (the real ApiPrincipal only)",
            "/api/v1/bench/principal",
            key,
            200,
        ),
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


def _request(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], expected: int) -> Any:
    async def op() -> None:
        status = await call(app, path, headers)
        if status != expected:
            raise AssertionError(f"{path} answered {status}, expected {expected}")

    return op


async def profile(app: FastAPI, fixture: Fixture, iterations: int = 5_000) -> None:
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
        r"solve_dependencies|authenticate|_match|serialize_response|routing.py.*\(app\)"
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
