"""`relayflow user …`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from relayflow.auth.scopes import ROLES
from relayflow.cli.context import fail, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.instance import Instance

app = typer.Typer(no_args_is_help=True, help="Manage users.")


@app.command("create")
def create(
    email: str = typer.Option(..., help="E-mail address, used to sign in"),
    password: str = typer.Option(
        ..., help="Password: 8–64 characters, a digit, an upper-case letter"
    ),
    role: str = typer.Option(..., help="global:owner, global:admin or global:member"),
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
) -> None:
    """Create a user who can sign in at once."""
    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}")

    from relayflow.users.service import UserService

    async def work(instance: Instance, session: AsyncSession) -> str:
        service = UserService(session, instance.passwords)
        user = await service.create(email, password, role, first_name, last_name)
        return user.id

    typer.echo(run(work))
