"""Benchmarks (b), (c) and (d): the price of API-key authentication over HTTP.

Starts `relayflow start` as a subprocess (temporary data dir, free loopback port, rate limits
of 1,000,000/second so none triggers), creates an owner and an all-scopes key with the CLI,
then loads it from a second process (`wrk -t1`, or `bench.pyload` without wrk), alternating
targets round by round so that the machine's noise falls on all of them alike:

* phase `auth` (b): `GET /healthz` (no authentication) against
  `GET /api/v1/api-keys/scopes` with the valid key (the cheapest authenticated endpoint);
* phase `reject` (c): `/healthz` against the scopes endpoint with no header, with a
  malformed key (bad checksum) and with a well-formed key that does not exist;
* phase `price`: the same handler with and without authentication, `bench/plain` against
  `bench/guarded` (bench-only routes: the server is then `bench.probe_server`, which is
  `relayflow start` plus those two routes). Their ratio is the price of authentication
  alone, without the work of a particular endpoint;
* phase `floor`: the same pair on a second server whose key check is one dictionary lookup
  of the header (`bench.probe_server --floor`): the least any check can add in this stack,
  the floor under the `price` phase's figure.

Each target reports throughput, p50/p99 latency and the server's own CPU time per request
(from /proc, so the load generator's CPU does not count), including any background work a
request leaves behind (the audit row of a refusal): the server is given time to go idle after
each run. The price of authentication is the ratio of time per request (1 / throughput and
CPU per request) of a target to `/healthz` in the same round; the medians are shown.

With `--backends postgres-redis` (d) the same runs use a fresh PostgreSQL database and Redis,
so the Redis epoch check and the Redis rate limits are in the path.

    uv run python -m bench.auth_overhead [--backends sqlite|postgres-redis|all]
        [--phases auth,reject,price] [--seconds 5] [--rounds 3] [--connections 16]
        [--tool auto|wrk|python]
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass

from bench.load import LoadResult, Target, load_tool, run_load
from bench.report import machine, table
from bench.server import Backends, BenchServer, running_server
from relayflow.auth import key_format

SCOPES = "/api/v1/api-keys/scopes"


@dataclass(frozen=True)
class Sample:
    """One load run of one target in one round."""

    round: int
    target: Target
    result: LoadResult
    cpu_us_per_request: float
    drain_seconds: float


def bad_checksum(raw: str) -> str:
    """A key of the right shape whose checksum is wrong (refused before any lookup)."""
    size = key_format.CHECKSUM_LENGTH
    wrong = "0" * size if raw[-size:] != "0" * size else "1" * size
    return raw[:-size] + wrong


def phase_targets(phase: str, api_key: str) -> list[Target]:
    """The targets of a phase; `/healthz` comes first, as the reference."""
    health = Target("GET /healthz (no auth)", "/healthz", None, 200)
    if phase == "auth":
        return [health, Target("scopes, valid key", SCOPES, api_key, 200)]
    if phase in ("price", "floor"):
        check = "valid key" if phase == "price" else "valid key, lookup as the check"
        return [
            health,
            Target("bench/plain, no auth", "/api/v1/bench/plain", None, 200),
            Target(f"bench/guarded, {check}", "/api/v1/bench/guarded", api_key, 200),
        ]
    return [
        health,
        Target("scopes, no header → 401", SCOPES, None, 401),
        Target("scopes, malformed key → 401", SCOPES, bad_checksum(api_key), 401),
        Target("scopes, unknown key → 401", SCOPES, key_format.generate(), 401),
    ]


def measure(
    server: BenchServer, target: Target, seconds: float, args: argparse.Namespace, number: int = 0
) -> Sample:
    """Load one target, then wait for the server to go idle; CPU counts both."""
    server.wait_idle()
    cpu_before = server.cpu_seconds()
    result = run_load(server.host, server.port, target, seconds, args.connections, args.tool)
    drain = server.wait_idle()
    cpu = server.cpu_seconds() - cpu_before
    per_request = cpu / result.requests * 1e6 if result.requests else 0.0
    return Sample(number, target, result, per_request, drain)


def run_phase(server: BenchServer, phase: str, args: argparse.Namespace) -> list[Sample]:
    """A short warm-up of every target, then `rounds` alternating rounds."""
    targets = phase_targets(phase, server.api_key)
    for target in targets:
        measure(server, target, args.warmup, args)
    samples: list[Sample] = []
    for number in range(1, args.rounds + 1):
        for target in targets:
            samples.append(measure(server, target, args.seconds, args, number))
            _progress(samples[-1])
    return samples


def _progress(sample: Sample) -> None:
    result = sample.result
    print(
        f"  round {sample.round} {sample.target.name}: {result.rps:,.0f} req/s, "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"{sample.cpu_us_per_request:.0f} µs CPU/req, drained in {sample.drain_seconds:.1f} s",
        flush=True,
    )


def ratios(
    samples: list[Sample], target: Target, reference: Target | None = None
) -> tuple[float, float]:
    """Median over rounds of (time per request, CPU per request) relative to `reference`
    (by default the phase's first target, `/healthz`)."""
    by_round: dict[int, dict[str, Sample]] = {}
    for sample in samples:
        by_round.setdefault(sample.round, {})[sample.target.name] = sample
    base = (reference or samples[0].target).name
    time_ratio, cpu_ratio = [], []
    for row in by_round.values():
        reference_sample, measured = row[base], row[target.name]
        time_ratio.append(reference_sample.result.rps / measured.result.rps)
        cpu_ratio.append(measured.cpu_us_per_request / reference_sample.cpu_us_per_request)
    return statistics.median(time_ratio), statistics.median(cpu_ratio)


def summary_rows(samples: list[Sample]) -> list[list[object]]:
    """One row per target: medians over the rounds, and the ratios to `/healthz`."""
    rows: list[list[object]] = []
    for target in dict.fromkeys(sample.target for sample in samples):
        mine = [sample for sample in samples if sample.target == target]
        time_ratio, cpu_ratio = ratios(samples, target)
        rows.append(
            [
                target.name,
                round(statistics.median(s.result.rps for s in mine)),
                statistics.median(s.result.p50_ms for s in mine),
                statistics.median(s.result.p99_ms for s in mine),
                statistics.median(s.cpu_us_per_request for s in mine),
                f"{time_ratio:.2f} ({time_ratio - 1:+.0%})",
                f"{cpu_ratio:.2f} ({cpu_ratio - 1:+.0%})",
                max(s.drain_seconds for s in mine),
                sum(s.result.unexpected + s.result.socket_errors for s in mine),
            ]
        )
    return rows


SUMMARY_HEADERS = [
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "server CPU µs/req",
    "time/req vs healthz",
    "CPU/req vs healthz",
    "max drain s",
    "bad answers",
]


def print_phase(backends: Backends, phase: str, samples: list[Sample]) -> None:
    """The summary table of one phase, then every round's raw figures."""
    print(f"\n### {backends.name}: phase {phase} (medians of {samples[-1].round} rounds)\n")
    print(table(SUMMARY_HEADERS, summary_rows(samples)))
    if phase in ("price", "floor"):
        targets = [sample.target for sample in samples[:3]]
        time_ratio, cpu_ratio = ratios(samples, targets[2], reference=targets[1])
        what = "Price of authentication" if phase == "price" else "Floor of any check"
        print(
            f"\n{what} (guarded ÷ plain, median of rounds): time/req "
            f"{time_ratio:.2f} ({time_ratio - 1:+.0%}), CPU/req {cpu_ratio:.2f} "
            f"({cpu_ratio - 1:+.0%})"
        )
    raw = [
        [
            s.round,
            s.target.name,
            round(s.result.rps),
            s.result.p50_ms,
            s.result.p99_ms,
            s.cpu_us_per_request,
            s.drain_seconds,
        ]
        for s in samples
    ]
    print(f"\n<details><summary>{backends.name} {phase}: every round</summary>\n")
    print(table(["round", "target", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "drain s"], raw))
    print("\n</details>")


def run_backends(backends: Backends, args: argparse.Namespace) -> None:
    """Start one server and run the requested phases against it."""
    print(f"\n## Backends: {backends.name}\n", flush=True)
    phases = args.phases.split(",")
    shared = [phase for phase in phases if phase != "floor"]
    results = {}
    if shared:
        with running_server(backends, probes="price" in shared) as server:
            for phase in shared:
                print(f"phase {phase}:", flush=True)
                results[phase] = run_phase(server, phase, args)
    if "floor" in phases:
        with running_server(backends, probes=True, probe_options=("--floor",)) as server:
            print("phase floor:", flush=True)
            results["floor"] = run_phase(server, "floor", args)
    for phase, samples in results.items():
        print_phase(backends, phase, samples)


def chosen_backends(args: argparse.Namespace) -> list[Backends]:
    sqlite = Backends("SQLite, in-memory rate limits, file epoch")
    remote = Backends("PostgreSQL + Redis", args.postgres_admin_url, args.redis_url)
    return {"sqlite": [sqlite], "postgres-redis": [remote], "all": [sqlite, remote]}[args.backends]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", choices=["sqlite", "postgres-redis", "all"], default="sqlite")
    parser.add_argument(
        "--phases",
        default="auth,reject,price,floor",
        help="comma-separated: auth,reject,price,floor",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of one load run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up run per target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(f"Machine: {machine()}")
    print(
        f"Load: {load_tool(args.tool)}, {args.connections} keep-alive connections, "
        f"{args.seconds:g} s per run, {args.rounds} rounds, loopback only."
    )
    for backends in chosen_backends(args):
        run_backends(backends, args)


if __name__ == "__main__":
    main()
