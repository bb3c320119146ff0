"""A real Relayflow served by uvicorn on a loopback port, in a thread of the test process.

Tests talk to it over real HTTP; `run()` executes set-up code on the server's own event loop,
with the same services and database the server uses.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.api_keys.service import Actor, ApiKeyService
from relayflow.app import create_app
from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.core.config import Settings
from relayflow.db.migrate import upgrade
from relayflow.db.models import User
from relayflow.db.session import AUTH_CHANGED
from relayflow.instance import Instance
from relayflow.users.service import UserService

T = TypeVar("T")
PASSWORD = "Correct-Horse-9"


@dataclass(frozen=True)
class Variant:
    """Which real backends a server runs on."""

    name: str
    database_url: str | None = None
    redis_url: str | None = None


class PostgresDatabases:
    """Creates a throw-away database per server on the test PostgreSQL, and drops it after."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url.replace("postgresql+asyncpg://", "postgresql://")

    def create(self) -> str:
        name = f"relayflow_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(self._execute(f'CREATE DATABASE "{name}"'))
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    async def _execute(self, statement: str) -> None:
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


class RunningServer:
    """One instance with its own data dir and database, listening on 127.0.0.1."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.instance = Instance.build(settings)
        config = uvicorn.Config(
            create_app(self.instance),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            loop="asyncio",
            http="httptools",
            access_log=False,
            lifespan="on",
            proxy_headers=False,  # as `relayflow start`: only RELAYFLOW_TRUSTED_PROXIES counts
        )
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(30) or not self._server.started:
            raise RuntimeError("the test server did not start")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            await upgrade(self.instance.database)
            serve = asyncio.ensure_future(self._server.serve())
            while not self._server.started and not serve.done():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            self._ready.set()
            await serve

        try:
            self._loop.run_until_complete(main())
        finally:
            self._ready.set()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(30)
        self._loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and return its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(30)

    def work(self, task: Callable[[Instance, AsyncSession], Awaitable[T]]) -> T:
        """Run `task` as one committed unit of work, invalidating caches as a request would."""

        async def unit() -> T:
            async with self.instance.database.sessionmaker() as session:
                result = await task(self.instance, session)
                await session.commit()
                if session.info.get(AUTH_CHANGED):
                    await self.instance.keys.invalidate()
                return result

        return self.run(unit())

    # -- factories ---------------------------------------------------------------------------

    def create_user(
        self,
        role: str = "global:member",
        *,
        password: str | None = PASSWORD,
        email: str | None = None,
    ) -> User:
        """A user with a password (pending without one)."""
        address = email or f"{role.split(':')[1]}-{uuid.uuid4().hex[:10]}@example.com"

        async def task(instance: Instance, session: AsyncSession) -> User:
            service = UserService(session, instance.passwords)
            return await service.create(address, password, role, "Test", role.split(":")[1])

        return self.work(task)

    def create_key(
        self,
        user: User,
        scopes: list[str] | None = None,
        *,
        label: str | None = None,
        expires_at: int | None = None,
    ) -> str:
        """A raw API key for `user` (all scopes of its role unless given)."""
        wanted = list(ROLE_SCOPES[user.role]) if scopes is None else scopes

        async def task(instance: Instance, session: AsyncSession) -> str:
            service = ApiKeyService(session, instance.keys.pepper)
            _, raw = await service.create(
                Actor.for_user(user), label or f"key-{uuid.uuid4().hex[:8]}", wanted, expires_at
            )
            return raw

        return self.work(task)

    def set_licence(self, text: str | None) -> None:
        """Activate a licence (or remove it) as `relayflow license activate` would."""

        async def task(instance: Instance, session: AsyncSession) -> None:
            if text is None:
                await instance.licence.deactivate(session)
            else:
                await instance.licence.activate(session, text)
            session.info[AUTH_CHANGED] = True

        self.work(task)


def server_settings(variant: Variant, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test server: generous limits unless a test asks for tight ones."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": variant.database_url,
        "redis_url": variant.redis_url,
        "redis_prefix": f"rftest-{uuid.uuid4().hex[:8]}",
        "password_hash_profile": "fast",
        "rate_limit_per_key": "100000/second",
        "rate_limit_per_user": "100000/second",
        "rate_limit_auth_failures_per_ip": "100000/minute",
        "rate_limit_login_per_ip": "100000/minute",
        "rate_limit_login_per_account": "100000/minute",
    }
    values.update(overrides)
    return Settings(**values)


class LogCollector(logging.Handler):
    """Keeps every formatted log line of the test session, to search for leaked secrets."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not break the run
            self.lines.append(repr(record.msg))

    def text(self) -> str:
        return "\n".join(self.lines)
