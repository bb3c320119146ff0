"""A small closed-loop HTTP/1.1 load generator, for machines without `wrk`.

N keep-alive connections (raw asyncio streams on uvloop) each send `GET PATH` and read the
answer, again and again, for a fixed time. The API key, if any, comes from the environment
variable `BENCH_API_KEY`. Prints one JSON line: requests, seconds, p50_ms, p99_ms,
unexpected (answers whose status differs from `--expect`) and socket_errors.

    uv run python -m bench.pyload --port 5678 --path /healthz --seconds 5 --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field

import uvloop

from bench.report import percentile


@dataclass
class Tally:
    """What all connections observed."""

    latencies: list[float] = field(default_factory=list)
    unexpected: int = 0
    socket_errors: int = 0


def request_bytes(host: str, port: int, path: str, api_key: str) -> bytes:
    """The one request every connection repeats."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: */*"]
    if api_key:
        lines.append(f"X-N8N-API-KEY: {api_key}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one answer (headers and a Content-Length body); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def connection(args: argparse.Namespace, payload: bytes, stop: float, tally: Tally) -> None:
    """One keep-alive connection, busy until `stop` (reconnecting after a socket error)."""
    while time.perf_counter() < stop:
        try:
            reader, writer = await asyncio.open_connection(args.host, args.port)
        except OSError:
            tally.socket_errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                writer.write(payload)
                status = await read_response(reader)
                tally.latencies.append(time.perf_counter() - start)
                tally.unexpected += status != args.expect
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.socket_errors += 1
        finally:
            writer.close()


async def load(args: argparse.Namespace) -> dict[str, float | int]:
    """Run every connection for `--seconds` and summarise."""
    payload = request_bytes(args.host, args.port, args.path, os.environ.get("BENCH_API_KEY", ""))
    tally = Tally()
    start = time.perf_counter()
    stop = start + args.seconds
    await asyncio.gather(*(connection(args, payload, stop, tally) for _ in range(args.connections)))
    elapsed = time.perf_counter() - start
    ordered = sorted(tally.latencies)
    return {
        "requests": len(ordered),
        "seconds": elapsed,
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "unexpected": tally.unexpected,
        "socket_errors": tally.socket_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--expect", type=int, default=200, help="the status every answer should have"
    )
    args = parser.parse_args()
    print(json.dumps(uvloop.run(load(args))))


if __name__ == "__main__":
    main()
