"""Closed-loop HTTP load from a second process: `wrk` when installed, else `bench.pyload`.

Both keep N keep-alive connections busy for a fixed time against one path, optionally with
an `X-N8N-API-KEY` header, and report the same figures: requests, throughput, p50 and p99
latency, and how many answers had a status other than the expected one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The header comes from the environment so that no key appears on a command line; `done`
# prints one JSON line that `run_wrk` parses. `errors.status` counts answers >= 400.
WRK_SCRIPT = """\
wrk.method = "GET"
local key = os.getenv("BENCH_API_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["X-N8N-API-KEY"] = key
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %d, "seconds": %.6f, "p50_ms": %.4f, "p99_ms": %.4f, ' ..
    '"http_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    """What to load: a name, a path, an API key (or none) and the status every answer must have."""

    name: str
    path: str
    api_key: str | None
    expected_status: int


@dataclass(frozen=True)
class LoadResult:
    """The outcome of one load run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    unexpected: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_tool(wanted: str = "auto") -> str:
    """`wrk` if asked for or (with `auto`) on the PATH, else the Python load generator."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return wanted


def run_load(
    host: str, port: int, target: Target, seconds: float, connections: int, tool: str = "auto"
) -> LoadResult:
    """Load `target` for `seconds` with `connections` keep-alive connections."""
    if load_tool(tool) == "wrk":
        return run_wrk(host, port, target, seconds, connections)
    return run_pyload(host, port, target, seconds, connections)


def run_wrk(host: str, port: int, target: Target, seconds: float, connections: int) -> LoadResult:
    """One `wrk -t1` run (one client thread, so the server keeps the other core)."""
    with tempfile.TemporaryDirectory(prefix="relayflow-wrk-") as tmp:
        script = Path(tmp) / "bench.lua"
        script.write_text(WRK_SCRIPT)
        options = f"-t1 -c{connections} -d{max(1, round(seconds))}s --timeout 10s -s {script}"
        url = f"http://{host}:{port}{target.path}"
        command = ["wrk", *options.split(), url]
        figures = _last_json_line(_run(command, target.api_key))
    errors = figures["http_errors"]
    unexpected = errors if target.expected_status < 400 else figures["requests"] - errors
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["seconds"],
        p50_ms=figures["p50_ms"],
        p99_ms=figures["p99_ms"],
        unexpected=unexpected,
        socket_errors=figures["socket_errors"],
    )


def run_pyload(
    host: str, port: int, target: Target, seconds: float, connections: int
) -> LoadResult:
    """One run of `python -m bench.pyload` in its own process."""
    options = (
        f"--host {host} --port {port} --path {target.path} --seconds {seconds} "
        f"--connections {connections} --expect {target.expected_status}"
    )
    command = [sys.executable, "-m", "bench.pyload", *options.split()]
    figures = _last_json_line(_run(command, target.api_key))
    return LoadResult(**figures)


def _run(command: list[str], api_key: str | None) -> str:
    env = {**os.environ, "BENCH_API_KEY": api_key or ""}
    cwd = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _last_json_line(output: str) -> dict[str, int | float]:
    for line in reversed(output.splitlines()):
        if line.startswith("{"):
            figures: dict[str, int | float] = json.loads(line)
            return figures
    raise RuntimeError(f"no figures in the load generator's output:\n{output}")
