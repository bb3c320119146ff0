"""Running one command against the configured database, as one unit of work."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from relayflow.core.config import ConfigError, Settings, load_settings
from relayflow.core.crypto import EncryptionKeyMismatch
from relayflow.core.errors import AppError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.instance import Instance

T = TypeVar("T")


def settings_or_exit(**overrides: object) -> Settings:
    """The settings, or one clear line naming the bad variable and exit code 2."""
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def fail(message: str) -> typer.Exit:
    """Print `message` on stderr and return the exit to raise."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


def run(work: Callable[[Instance, AsyncSession], Awaitable[T]], *, check_key: bool = True) -> T:
    """Migrate, run `work` in one transaction, and tell running servers what changed."""
    # Imported here so that commands that never touch the database start quickly.
    from relayflow.db.migrate import upgrade
    from relayflow.db.session import AUTH_CHANGED
    from relayflow.instance import Instance

    settings = settings_or_exit()

    async def main() -> T:
        instance = Instance.build(settings)
        try:
            await upgrade(instance.database)
            if check_key:
                await instance.prepare()
            async with instance.database.sessionmaker() as session:
                result = await work(instance, session)
                await session.commit()
                if session.info.get(AUTH_CHANGED):
                    await instance.keys.invalidate()
            return result
        finally:
            await instance.close()

    try:
        return asyncio.run(main())
    except AppError as exc:
        raise fail(exc.message) from None
    except EncryptionKeyMismatch as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
