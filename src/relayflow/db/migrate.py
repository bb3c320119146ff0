"""Alembic, driven from code: `relayflow start` upgrades to head before it serves."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from relayflow.db.session import Database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


@cache
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _is_current(connection: Connection) -> bool:
    return set(MigrationContext.configure(connection).get_current_heads()) == head_revisions()


async def upgrade(database: Database) -> None:
    """Apply every pending migration in one transaction."""
    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_migrated(database: Database) -> bool:
    """Whether the database is reachable and at the newest migration."""
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(_is_current)
    except Exception:
        return False
