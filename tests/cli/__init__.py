"""The `relayflow` command run as real subprocesses, each on a data dir of its own.

Every run starts a fresh interpreter, so byte-code goes to a cache kept between test runs
(`PYTHONDONTWRITEBYTECODE` would otherwise make each start compile the whole stack again).
Commands that do not depend on each other are started together with `run_all`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

RELAYFLOW = str(Path(sys.executable).parent / "relayflow")


def bytecode_cache(config: pytest.Config, fallback: Path) -> Path:
    """Where subprocesses keep their byte-code: pytest's cache dir, else `fallback`."""
    cache = getattr(config, "cache", None)
    return Path(cache.mkdir("relayflow-bytecode")) if cache is not None else fallback


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Outcome:
    """How a finished command ended."""

    code: int
    stdout: str
    stderr: str


class Cli:
    """`relayflow …` with `RELAYFLOW_DATA_DIR` set and no other `RELAYFLOW_*` inherited."""

    def __init__(self, data_dir: Path, bytecode: Path) -> None:
        self.data_dir = data_dir
        self.bytecode = bytecode

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a command: ours, plus `extra` (`RELAYFLOW_…` names)."""
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("RELAYFLOW_") and name != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            PYTHONPYCACHEPREFIX=str(self.bytecode),
            RELAYFLOW_DATA_DIR=str(self.data_dir),
            RELAYFLOW_PASSWORD_HASH_PROFILE="fast",
        )
        env.update(extra)
        return env

    def spawn(
        self, *args: str, env: Mapping[str, str] | None = None, logs: Path | None = None
    ) -> subprocess.Popen[str]:
        """Start `relayflow *args`; output goes to pipes, or to files in `logs`."""
        command, environment = [RELAYFLOW, *args], self.env(**(env or {}))
        if logs is None:
            return subprocess.Popen(
                command,
                env=environment,
                text=True,
                encoding="utf-8",
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        with (logs / "stdout.txt").open("w") as out, (logs / "stderr.txt").open("w") as err:
            return subprocess.Popen(
                command, env=environment, text=True, encoding="utf-8", stdout=out, stderr=err
            )

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Outcome:
        """Run one command to its end."""
        return self.run_all({"only": args}, env=env)["only"]

    def run_all(
        self, commands: Mapping[str, Sequence[str]], env: Mapping[str, str] | None = None
    ) -> dict[str, Outcome]:
        """Run independent commands at the same time; their outcomes by name."""
        started = {name: self.spawn(*args, env=env) for name, args in commands.items()}
        outcomes = {}
        for name, process in started.items():
            try:
                stdout, stderr = process.communicate(timeout=120)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
            outcomes[name] = Outcome(process.returncode, stdout, stderr)
        return outcomes
