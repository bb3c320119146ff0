"""Refused authentications are recorded in batches, with a bounded backlog."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from relayflow.auth import failures
from relayflow.db.migrate import upgrade
from relayflow.db.models import AuditEvent
from relayflow.db.session import Database


def test_a_flood_should_be_capped_and_counted(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, dict[str, object] | None]:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await upgrade(database)
        recorder = failures.FailureRecorder(database, interval=60)
        for number in range(failures.MAX_PENDING + 250):
            recorder.record(f"203.0.113.{number % 200}", "unknown", None)
        await recorder.drain()
        async with database.session() as session:
            stored = await session.scalar(
                select(func.count()).where(AuditEvent.event == "apiKey.authFailed")
            )
            dropped = await session.scalar(
                select(AuditEvent.details).where(AuditEvent.event == failures.DROPPED)
            )
        await database.dispose()
        return int(stored or 0), dropped

    stored, dropped = asyncio.run(scenario())
    assert stored == failures.MAX_PENDING
    assert dropped == {"count": 250}


def test_failures_should_be_written_without_waiting_for_a_drain(tmp_path: Path) -> None:
    async def scenario() -> int:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await upgrade(database)
        recorder = failures.FailureRecorder(database, interval=0.05)
        recorder.record("203.0.113.1", "malformed", None)
        await asyncio.sleep(0.5)
        async with database.session() as session:
            count = await session.scalar(select(func.count()).select_from(AuditEvent))
        await database.dispose()
        return int(count or 0)

    assert asyncio.run(scenario()) == 1
