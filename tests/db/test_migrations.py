"""Migrations: data written under an older schema survives an upgrade, and is backfilled.

Each test builds a database at an older revision, writes rows the way that revision's code
did, upgrades to head, and checks what the new revision derives from them. It runs on SQLite,
and on PostgreSQL when `RELAYFLOW_TEST_DATABASE_URL` is set.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from relayflow.db.base import Base, UTCDateTime
from relayflow.db.migrate import alembic_config
from relayflow.db.models import Credential, Project, Workflow
from relayflow.db.session import Database
from tests.support.server import PostgresDatabases

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("RELAYFLOW_TEST_DATABASE_URL") else [])
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def sharing_0003(kind: str) -> sa.TableClause:
    """`shared_workflow` or `shared_credential` as revision 0003 knew it (the models are head)."""
    return sa.table(
        f"shared_{kind}",
        sa.column(f"{kind}_id", sa.String),
        sa.column("project_id", sa.String),
        sa.column("role", sa.String),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of the backend under test, dropped afterwards."""
    if request.param == "sqlite":
        yield Database(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
        return
    databases = PostgresDatabases(os.environ["RELAYFLOW_TEST_DATABASE_URL"])
    url = databases.create()
    yield Database(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    databases.drop(url)


def migrate(database: Database, revision: str, down: bool = False) -> None:
    def run(connection: Connection) -> None:
        step = command.downgrade if down else command.upgrade
        step(alembic_config(connection), revision)

    async def main() -> None:
        async with database.engine.begin() as connection:
            await connection.run_sync(run)
        await database.engine.dispose()

    asyncio.run(main())


def execute(database: Database, *statements: Any) -> list[list[tuple[Any, ...]]]:
    """Run statements in one transaction; the rows each returned (empty for writes)."""

    async def main() -> list[list[tuple[Any, ...]]]:
        async with database.engine.begin() as connection:
            results = []
            for statement in statements:
                result = await connection.execute(statement)
                results.append([tuple(row) for row in result.all()] if result.returns_rows else [])
        await database.engine.dispose()
        return results

    return asyncio.run(main())


def resource(number: int, **columns: Any) -> dict[str, Any]:
    at = T0 + timedelta(minutes=number, microseconds=number)
    return {"id": f"res{number:013d}", "created_at": at, "updated_at": at, **columns}


def seed_0003(database: Database) -> None:
    """Two projects, workflows and credentials, one of each shared into both projects."""
    projects = [resource(90 + n, name=f"p{n}", type="team") for n in range(2)]
    workflows = [
        resource(
            n,
            name=f"w{n}",
            active=False,
            is_archived=False,
            nodes=[],
            connections={},
            settings={},
            version_id="v",
            trigger_count=0,
        )
        for n in range(3)
    ]
    credentials = [
        resource(10 + n, name=f"c{n}", type="httpHeaderAuth", data="-", is_managed=False)
        for n in range(3)
    ]

    def sharing(kind: str, rows: list[dict[str, Any]]) -> sa.Insert:
        key, shared_role = f"{kind}_id", "editor" if kind == "workflow" else "user"
        values = [
            {key: row["id"], "project_id": projects[n % 2]["id"], "role": f"{kind}:owner"}
            for n, row in enumerate(rows)
        ]
        values.append(
            {key: rows[0]["id"], "project_id": projects[1]["id"], "role": f"{kind}:{shared_role}"}
        )
        later = T0 + timedelta(days=3)  # sharing rows younger than what they share
        return sa.insert(sharing_0003(kind)).values(
            [{**value, "created_at": later, "updated_at": later} for value in values]
        )

    execute(
        database,
        sa.insert(Project).values(projects),
        sa.insert(Workflow).values(workflows),
        sa.insert(Credential).values(credentials),
        sharing("workflow", workflows),
        sharing("credential", credentials),
    )


class TestSharingCreationTimes:
    def test_upgrade_should_copy_each_resources_created_at_onto_its_sharing_rows(
        self, database: Database
    ) -> None:
        migrate(database, "0003")
        seed_0003(database)
        migrate(database, "head")
        workflows, credentials = execute(
            database,
            sa.text(
                "SELECT s.workflow_id, s.project_id, s.workflow_created_at, w.created_at "
                "FROM shared_workflow s JOIN workflow w ON w.id = s.workflow_id"
            ),
            sa.text(
                "SELECT s.credential_id, s.project_id, s.credential_created_at, c.created_at "
                "FROM shared_credential s JOIN credential c ON c.id = s.credential_id"
            ),
        )
        for rows in (workflows, credentials):
            assert len(rows) == 4
            assert len({row[2] for row in rows}) == 3, "one distinct time per resource"
            assert all(copy == original for _, _, copy, original in rows)

    def test_upgraded_schema_should_match_the_models(self, database: Database) -> None:
        migrate(database, "0003")
        seed_0003(database)
        migrate(database, "head")

        def differences(connection: Connection) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async def main() -> list[Any]:
            async with database.engine.connect() as connection:
                found = await connection.run_sync(differences)
            await database.engine.dispose()
            return found

        assert asyncio.run(main()) == []

    def test_downgrade_should_restore_0003_and_upgrade_again(self, database: Database) -> None:
        migrate(database, "head")
        migrate(database, "0003", down=True)
        seed_0003(database)
        migrate(database, "head")
        (rows,) = execute(
            database,
            sa.text("SELECT count(*) FROM shared_workflow WHERE workflow_created_at IS NULL"),
        )
        assert rows == [(0,)]

    def test_upgrade_should_drop_sharing_rows_whose_resource_is_gone(
        self, database: Database
    ) -> None:
        if not database.is_sqlite:
            pytest.skip("only SQLite with foreign keys off can hold such rows")
        migrate(database, "0003")
        seed_0003(database)
        path = database.url.split("///", 1)[1]
        with closing(sqlite3.connect(path)) as raw:  # foreign keys are off by default here
            raw.execute("DELETE FROM workflow WHERE id = ?", ["res0000000000002"])
            raw.commit()
        migrate(database, "head")
        (rows,) = execute(database, sa.text("SELECT workflow_id FROM shared_workflow"))
        assert sorted(rows) == [("res0000000000000",), ("res0000000000000",), ("res0000000000001",)]
