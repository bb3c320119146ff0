"""Authentication failures, recorded in the audit log in batches with a bounded backlog.

Refusing a key must stay cheap under attack: a refusal only appends to a list in memory, and
one background writer stores the list about once a second in one transaction. Past
`MAX_PENDING` unwritten failures, further ones are only counted, and the count is stored too.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from relayflow.audit import service as audit
from relayflow.core.clock import utcnow
from relayflow.db.models import AuditEvent
from relayflow.db.session import Database

log = logging.getLogger(__name__)

MAX_PENDING = 1000
FLUSH_SECONDS = 1.0
DROPPED = "apiKey.authFailuresDropped"


class FailureRecorder:
    """Buffers refused authentications and writes them to the audit log in batches."""

    def __init__(self, database: Database, interval: float = FLUSH_SECONDS) -> None:
        self.database = database
        self.interval = interval
        self._pending: list[AuditEvent] = []
        self._dropped = 0
        self._writer: asyncio.Task[None] | None = None

    def record(self, ip: str, reason: str, key_id: str | None) -> None:
        """Note one refusal (never blocks, never raises)."""
        if len(self._pending) < MAX_PENDING:
            self._pending.append(
                _event(audit.AUTH_FAILED, utcnow(), ip, key_id, {"reason": reason})
            )
        else:
            self._dropped += 1
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_soon())

    async def flush(self) -> None:
        """Write everything pending now."""
        batch, self._pending = self._pending, []
        dropped, self._dropped = self._dropped, 0
        if dropped:
            batch.append(_event(DROPPED, utcnow(), None, None, {"count": dropped}))
        if not batch:
            return
        try:
            async with self.database.session() as session:
                session.add_all(batch)
        except Exception as exc:
            log.warning(
                "could not record %d authentication failures: %s", len(batch), type(exc).__name__
            )

    async def drain(self) -> None:
        """Write everything pending and stop the writer (shutdown, tests)."""
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
        await self.flush()

    async def _write_soon(self) -> None:
        await asyncio.sleep(self.interval)
        await self.flush()


def _event(
    event: str, at: datetime, ip: str | None, key_id: str | None, details: dict[str, object]
) -> AuditEvent:
    return AuditEvent(event=event, created_at=at, ip=ip, api_key_id=key_id, details=details)
