"""`relayflow credentials rotate-key` and `relayflow export|import credentials`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from relayflow.cli.context import fail, run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from relayflow.instance import Instance

app = typer.Typer(no_args_is_help=True, help="Manage stored credentials.")
export_app = typer.Typer(no_args_is_help=True, help="Export data for backups and migration.")
import_app = typer.Typer(no_args_is_help=True, help="Import data exported by `relayflow export`.")


@app.command("rotate-key")
def rotate_key(
    new_key: str = typer.Option(..., "--new-key", help="The new RELAYFLOW_ENCRYPTION_KEY"),
) -> None:
    """Re-encrypt every credential under a new key, in one transaction (safe to re-run)."""
    from relayflow.core.config import ENCRYPTION_KEY_FILE
    from relayflow.credentials.keys import rotate

    if len(new_key) < 16:
        raise fail("--new-key must be at least 16 characters long")

    async def work(instance: Instance, session: AsyncSession) -> str:
        old = instance.settings.resolve_encryption_key()
        report = await rotate(session, old, new_key)
        return (
            f"Re-encrypted {report.re_encrypted} credentials "
            f"({report.already_rotated} already used the new key)."
        )

    typer.echo(run(work, check_key=False))
    from relayflow.cli.context import settings_or_exit

    settings = settings_or_exit()
    if settings.encryption_key:
        typer.echo("Now set RELAYFLOW_ENCRYPTION_KEY to the new key and restart Relayflow.")
        return
    _replace_key_file(settings.data_dir / ENCRYPTION_KEY_FILE, new_key)
    typer.echo(
        f"The new key is stored in {settings.data_dir / ENCRYPTION_KEY_FILE}; restart Relayflow."
    )


def _replace_key_file(path: Path, key: str) -> None:
    draft = path.with_name(f"{path.name}.rotating")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    os.replace(draft, path)


@export_app.command("credentials")
def export_credentials(
    output: Path = typer.Option(..., "--output", help="File to write (created with mode 0600)"),
    decrypted: bool = typer.Option(False, "--decrypted", help="Write the secrets in clear"),
) -> None:
    """Write every credential to a JSON file, encrypted unless `--decrypted` is given."""
    from relayflow.credentials.transfer import export_rows

    async def work(instance: Instance, session: AsyncSession) -> list[dict[str, Any]]:
        return await export_rows(session, instance.cipher, decrypted=decrypted)

    rows = run(work)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise fail(f"{output} already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "w") as handle:
        json.dump(rows, handle, indent=2)
    typer.echo(
        f"Exported {len(rows)} credentials to {output}"
        + (" (decrypted: keep this file safe)." if decrypted else ".")
    )


@import_app.command("credentials")
def import_credentials(
    input_file: Path = typer.Option(..., "--input", help="A file from `relayflow export`"),
    email: str = typer.Option(None, "--email", help="Owner for new credentials [the owner]"),
) -> None:
    """Create or update credentials from an export file."""
    from relayflow.credentials.transfer import import_rows

    try:
        rows = json.loads(input_file.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read {input_file}: {exc}") from None
    if not isinstance(rows, list):
        raise fail(f"{input_file} does not hold a list of credentials")

    async def work(instance: Instance, session: AsyncSession) -> tuple[int, int]:
        return await import_rows(session, instance.cipher, rows, email)

    created, updated = run(work)
    typer.echo(f"Imported credentials: {created} created, {updated} updated.")
