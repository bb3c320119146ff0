"""`relayflow license …`: signing keys, issuing, activating and inspecting licences."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from relayflow.cli.context import fail, run
from relayflow.license.document import LicenseError, generate_keypair, issue, load_private_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.instance import Instance

app = typer.Typer(no_args_is_help=True, help="Manage the instance licence.")


@app.command("keygen")
def keygen(
    private_key: Path = typer.Option(..., "--private-key", help="Where to write the private key"),
) -> None:
    """Create a signing key pair; prints the public key to trust."""
    pem, public = generate_keypair()
    try:
        fd = os.open(private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise fail(f"{private_key} already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    typer.echo(public)


@app.command("issue")
def issue_license(
    features: str = typer.Option(..., help="Comma-separated features, e.g. apiKeyScopes"),
    private_key: Path = typer.Option(..., "--private-key", help="PEM file from `keygen`"),
    expires_at: int = typer.Option(None, "--expires-at", help="Unix seconds; default never"),
    issued_to: str = typer.Option("", "--issued-to", help="Who the licence is for"),
) -> None:
    """Sign a licence and print it."""
    try:
        key = load_private_key(private_key.read_bytes())
        names = [name.strip() for name in features.split(",") if name.strip()]
        typer.echo(issue(key, names, expires_at, issued_to))
    except (LicenseError, OSError) as exc:
        raise fail(str(exc)) from None


@app.command("activate")
def activate(key: str = typer.Argument(..., help="The licence text")) -> None:
    """Verify a licence and store it in the database."""

    from relayflow.db.session import mark_auth_changed

    async def work(instance: Instance, session: AsyncSession) -> str:
        licence = await instance.licence.activate(session, key)
        mark_auth_changed(session)
        message = f"Licence {licence.id} activated: {', '.join(licence.features)}."
        if instance.settings.license_key:
            message += " Note: RELAYFLOW_LICENSE_KEY is set and takes precedence over it."
        return message

    typer.echo(run(work))


@app.command("deactivate")
def deactivate() -> None:
    """Remove the activated licence; the instance runs unlicensed."""

    from relayflow.db.session import mark_auth_changed

    async def work(instance: Instance, session: AsyncSession) -> str:
        await instance.licence.deactivate(session)
        mark_auth_changed(session)
        return "Licence removed."

    typer.echo(run(work))


@app.command("status")
def status() -> None:
    """Print the licence state as JSON."""

    async def work(instance: Instance, session: AsyncSession) -> dict[str, object]:
        await instance.licence.reload(session)
        return instance.licence.describe()

    typer.echo(json.dumps(run(work), indent=2))
