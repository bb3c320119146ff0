"""`relayflow start` with the two bench-only routes of `bench.asgi_breakdown`, for HTTP loads.

`GET /api/v1/bench/plain` (no authentication) and `GET /api/v1/bench/guarded` (the same
handler behind the public API's access check) differ only by authentication, so their ratio
under load is the price of authentication itself. Served by the same function as
`relayflow start`; the database must be migrated first (any `relayflow` command does it).

With `--floor`, the key check of every public route (`bench/guarded` is the one measured)
is replaced by the least a check can be: one dictionary lookup of the header's value, filled
by the real check on first use (no format check, hash, epoch or budget). `bench/guarded`
then measures the floor of this stack:
what the route wrapper, the header and the principal cost before any authentication work.
Never serve this outside a benchmark.

With `--time-check whole` the key check, with `--time-check steps` also each of its steps, is
timed inside the requests that run it (`time.perf_counter_ns()` around each call), and
`GET /api/v1/bench/timings` answers the mean per call since the previous answer
(`bench.check_in_context` reads it).

    python -m bench.probe_server --host 127.0.0.1 --port 5678 [--floor] [--time-check MODE]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

from bench.asgi_breakdown import add_probe_routes
from relayflow.api.dispatch import RelayflowApp
from relayflow.app import create_app
from relayflow.auth import key_format
from relayflow.auth.principal import Principal
from relayflow.auth.verifier import KeyVerifier
from relayflow.cli.main import serve
from relayflow.core.config import load_settings
from relayflow.core.gate import LocalAuthGate
from relayflow.instance import Instance

T = TypeVar("T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--floor", action="store_true", help="a dictionary lookup as the check")
    parser.add_argument(
        "--time-check", choices=["whole", "steps"], help="time the check, or also its steps"
    )
    args = parser.parse_args()
    settings = load_settings(host=args.host, port=args.port)
    logging.basicConfig(level=settings.log_level.upper())
    instance = Instance.build(settings)
    if args.floor:
        floor_check(instance.keys)
    app = create_app(instance)
    add_probe_routes(app)
    if args.time_check:
        add_timings_route(app, time_check(instance.keys, steps=args.time_check == "steps"))
    serve(app, settings)


def floor_check(keys: KeyVerifier) -> None:
    """Make the key check a lookup of the raw header value (bench only: see above).

    The first request of a key takes the real path, which fills the lookup; every later one
    is answered by `admit_cached`, now the lookup alone, whatever the backends.
    """
    known: dict[str | None, Principal] = {}
    real = keys.authenticate_uncached

    async def remember(raw: str | None, ip: str) -> Principal:
        principal = known[raw] = await real(raw, ip)
        return principal

    def lookup(raw: str | None, _ip: str) -> Principal | None:
        return known.get(raw)

    keys.admit_cached = lookup  # type: ignore[method-assign]
    keys.authenticate_uncached = remember  # type: ignore[method-assign]


class Timers:
    """Summed nanoseconds and calls per timed step."""

    def __init__(self) -> None:
        self.totals: dict[str, list[int]] = {}

    def wrap(self, name: str, function: Callable[..., T]) -> Callable[..., T]:
        """`function`, timed under `name`."""
        total = self.totals.setdefault(name, [0, 0])
        clock = time.perf_counter_ns

        def timed(*args: Any) -> T:
            start = clock()
            try:
                return function(*args)
            finally:
                total[0] += clock() - start
                total[1] += 1

        return timed

    def take(self) -> dict[str, dict[str, float]]:
        """Mean µs per call and calls per step since the last take; then start again."""
        taken = {
            name: {"us_per_call": spent / calls / 1000, "calls": calls}
            for name, (spent, calls) in self.totals.items()
            if calls
        }
        for total in self.totals.values():
            total[0] = total[1] = 0
        return taken


def time_check(keys: KeyVerifier, *, steps: bool) -> Timers:
    """Time `admit_cached`, and with `steps` the steps it calls, in place (bench only).

    With `steps` the whole check's figure includes its steps' timers: time it alone for the
    figure undisturbed.
    """
    timers = Timers()
    gate = keys.gate
    assert isinstance(gate, LocalAuthGate), "the warm path runs on the embedded gate only"
    if not steps:
        keys.admit_cached = timers.wrap("the whole check (admit_cached)", keys.admit_cached)  # type: ignore[method-assign]
        return timers
    keys.cache_keys.of = timers.wrap("cache key (keyed BLAKE2b)", keys.cache_keys.of)  # type: ignore[method-assign]
    gate.admit_now = timers.wrap("budgets and epoch (gate.admit_now)", gate.admit_now)  # type: ignore[method-assign]
    keys.principal = timers.wrap("principal", keys.principal)  # type: ignore[method-assign]
    key_format.is_well_formed = timers.wrap("format check", key_format.is_well_formed)
    keys.admit_cached = timers.wrap("the whole check (admit_cached)", keys.admit_cached)  # type: ignore[method-assign]
    return timers


def add_timings_route(app: RelayflowApp, timers: Timers) -> None:
    """`GET /api/v1/bench/timings`: the timers' means since the previous call."""

    async def timings() -> dict[str, dict[str, float]]:
        return timers.take()

    routes = APIRouter(prefix="/bench")
    routes.add_api_route("/timings", timings, methods=["GET"])
    app.public_routes = (*app.public_routes, *routes.routes)  # after the measured routes


if __name__ == "__main__":
    main()
