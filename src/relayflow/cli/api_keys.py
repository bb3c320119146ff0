"""`relayflow api-key …`: bootstrap keys for automation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from relayflow.cli.context import run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.instance import Instance

app = typer.Typer(no_args_is_help=True, help="Manage API keys.")


@app.command("create")
def create(
    email: str = typer.Option(..., help="The user who owns the key"),
    label: str = typer.Option(..., help="A descriptive label, unique for the user"),
    scopes: str = typer.Option(..., help="Comma-separated scopes, or 'all' for the role's"),
    expires_at: int = typer.Option(None, "--expires-at", help="Unix seconds; default never"),
) -> None:
    """Create a key and print only the raw key (shown this once)."""

    from relayflow.api_keys.service import Actor, ApiKeyService
    from relayflow.auth.scopes import ROLE_SCOPES
    from relayflow.users.service import UserService

    async def work(instance: Instance, session: AsyncSession) -> str:
        user = await UserService(session, instance.passwords).find(email)
        requested = (
            list(ROLE_SCOPES.get(user.role, ()))
            if scopes.strip() == "all"
            else [part.strip() for part in scopes.split(",") if part.strip()]
        )
        service = ApiKeyService(session, instance.keys.pepper)
        _, raw = await service.create(Actor.for_user(user), label.strip(), requested, expires_at)
        return raw

    typer.echo(run(work))


@app.command("list")
def list_keys(email: str = typer.Option(..., help="Whose keys to list")) -> None:
    """List a user's keys, redacted, as JSON lines."""

    from relayflow.api_keys.service import Actor, ApiKeyService, to_wire
    from relayflow.users.service import UserService

    async def work(instance: Instance, session: AsyncSession) -> list[dict[str, object]]:
        user = await UserService(session, instance.passwords).find(email)
        service = ApiKeyService(session, instance.keys.pepper)
        return [to_wire(key) for key in await service.list_own(Actor.for_user(user))]

    for key in run(work):
        typer.echo(json.dumps(key, ensure_ascii=False))


@app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="The key's id")) -> None:
    """Delete a key of any user; running servers refuse it on their next request."""

    from relayflow.api_keys.service import ApiKeyService

    async def work(instance: Instance, session: AsyncSession) -> str:
        key = await ApiKeyService(session, instance.keys.pepper).revoke_any(key_id)
        return f"Revoked API key {key.id} ({key.label})."

    typer.echo(run(work))
