"""`relayflow start`, `migrate`, and the command groups."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import typer

from relayflow.cli import api_keys, credentials, license, users
from relayflow.cli.context import settings_or_exit
from relayflow.cli.execute import execute

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from relayflow.core.config import Settings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Relayflow: workflow automation that speaks n8n's public API.",
)
app.add_typer(users.app, name="user")
app.add_typer(api_keys.app, name="api-key")
app.add_typer(license.app, name="license")
app.add_typer(credentials.app, name="credentials")
app.add_typer(credentials.export_app, name="export")
app.add_typer(credentials.import_app, name="import")
app.command()(execute)


async def _upgrade(url: str) -> None:
    from relayflow.db.migrate import upgrade
    from relayflow.db.session import Database

    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _migrate(url: str) -> None:
    """Bring the database to the newest schema, or exit with one line saying why not."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        asyncio.run(_upgrade(url))
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        typer.echo(f"Error: cannot prepare the database: {reason}", err=True)
        raise typer.Exit(1) from None


@app.command()
def start(
    host: str = typer.Option(None, help="Address to listen on [env RELAYFLOW_HOST; 127.0.0.1]"),
    port: int = typer.Option(None, help="Port to listen on [env RELAYFLOW_PORT; 5678]"),
) -> None:
    """Apply migrations, then serve the API and the UI."""
    overrides = {
        name: value for name, value in (("host", host), ("port", port)) if value is not None
    }
    settings = settings_or_exit(**overrides)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from relayflow.app import create_app
    from relayflow.instance import Instance

    _migrate(settings.resolved_database_url)
    instance = Instance.build(settings)
    typer.echo(f"Relayflow listening on http://{settings.host}:{settings.port}", err=True)
    serve(create_app(instance), settings)


def serve(app: ASGIApp, settings: Settings) -> None:
    """Serve `app` as `relayflow start` does: uvloop, httptools, no access log, and no
    proxy headers (only `RELAYFLOW_TRUSTED_PROXIES` decides whom to believe)."""
    import uvicorn

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=False,
    )


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    settings = settings_or_exit()
    _migrate(settings.resolved_database_url)
    typer.echo("Database is up to date.")


def main() -> None:
    """Entry point of the `relayflow` command."""
    app()
