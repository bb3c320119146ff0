"""The file epoch: shared by every process on one data dir, never losing a bump."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

from relayflow.core.coherence import FileAuthEpoch


def _bump_many(path: Path, times: int) -> None:
    epoch = FileAuthEpoch(path)
    for _ in range(times):
        asyncio.run(epoch.bump())
    epoch.close()


def test_a_bump_should_be_seen_by_another_reader_at_once(tmp_path: Path) -> None:
    server, cli = FileAuthEpoch(tmp_path / "auth.epoch"), FileAuthEpoch(tmp_path / "auth.epoch")
    before = asyncio.run(server.current())
    asyncio.run(cli.bump())
    assert asyncio.run(server.current()) == before + 1
    server.close()
    cli.close()


def test_concurrent_processes_should_never_lose_a_bump(tmp_path: Path) -> None:
    path = tmp_path / "auth.epoch"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_bump_many, args=(path, 50)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    epoch = FileAuthEpoch(path)
    assert asyncio.run(epoch.current()) == 200
    epoch.close()


def test_a_file_from_an_older_release_should_be_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "auth.epoch"
    path.write_text("0123456789abcdef0123456789abcdef")
    epoch = FileAuthEpoch(path)
    assert asyncio.run(epoch.current()) == 0
    asyncio.run(epoch.bump())
    assert asyncio.run(epoch.current()) == 1
    assert path.stat().st_size == 8
    epoch.close()
