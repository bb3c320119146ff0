"""The key check timed inside real requests: what each step costs under load over HTTP.

A tight loop (`bench.verify_inprocess`) times the check with warm caches; inside a request,
after uvicorn's and FastAPI's own work, the same code runs slower. This starts
`bench.probe_server --time-check` on the embedded default, loads `GET /api/v1/bench/guarded`
with the valid key from a second process (`wrk -t1`, or `bench.pyload`), and after each run
reads `GET /api/v1/bench/timings`: the mean time per call of the whole check
(`admit_cached`), measured in the server around each call. A second server times each step
the check calls as well; there the whole check's figure includes its steps' own timers, so
the first server's figure is the one to quote for the whole.

    uv run python -m bench.check_in_context [--rounds 3] [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics

from bench.load import Target, load_tool, run_load
from bench.report import machine, table
from bench.server import Backends, BenchServer, running_server

GUARDED = "/api/v1/bench/guarded"


def timings(server: BenchServer) -> dict[str, dict[str, float]]:
    """The server's timers since the previous call (which resets them)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    connection.request("GET", "/api/v1/bench/timings")
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError(f"/api/v1/bench/timings answered {response.status}")
    result: dict[str, dict[str, float]] = json.loads(response.read())
    return result


def run(args: argparse.Namespace, mode: str) -> None:
    backends = Backends("SQLite, in-memory rate limits, file epoch")
    options = ("--time-check", mode)
    with running_server(backends, probes=True, probe_options=options) as server:
        target = Target("bench/guarded, valid key", GUARDED, server.api_key, 200)
        run_load(server.host, server.port, target, args.warmup, args.connections, args.tool)
        timings(server)
        rounds = []
        for number in range(1, args.rounds + 1):
            result = run_load(
                server.host, server.port, target, args.seconds, args.connections, args.tool
            )
            if result.unexpected:
                raise RuntimeError(f"{result.unexpected} answers were not 200")
            rounds.append((result, timings(server)))
            print(f"  round {number}: {result.rps:,.0f} req/s", flush=True)
    steps = list(rounds[0][1])
    rows = []
    for step in steps:
        means = [taken[step]["us_per_call"] for _, taken in rounds]
        calls = [taken[step]["calls"] / result.requests for result, taken in rounds]
        rows.append(
            [step, statistics.median(means), min(means), max(means), statistics.median(calls)]
        )
    what = "the check alone" if mode == "whole" else "the check and each of its steps"
    print(f"\n### Timed inside requests: {what} (medians of {args.rounds} rounds)\n")
    print(table(["step", "µs per call", "min", "max", "calls per request"], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Load: {load_tool(args.tool)}, {args.connections} keep-alive connections, loopback.")
    for mode in ("whole", "steps"):
        run(args, mode)


if __name__ == "__main__":
    main()
