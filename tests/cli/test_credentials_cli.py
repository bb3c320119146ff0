"""`relayflow import|export credentials` and `relayflow credentials rotate-key`, as processes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.cli import Cli, bytecode_cache, free_port

SECRETS = {"alpha": "alpha-secret-1b2c3d", "beta": "beta-secret-4e5f6a"}
NEW_KEY = "a-freshly-rotated-key-9876543210"


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Cli:
    bytecode = bytecode_cache(pytestconfig, tmp_path_factory.mktemp("bytecode"))
    return Cli(tmp_path_factory.mktemp("credentials-cli"), bytecode)


def export(cli: Cli, target: Path, *flags: str) -> list[dict[str, object]]:
    outcome = cli.run("export", "credentials", "--output", str(target), *flags)
    assert outcome.code == 0, outcome.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = json.loads(target.read_text())
    assert isinstance(rows, list)
    return rows


def test_import_export_and_rotation_round_trip(cli: Cli, tmp_path: Path) -> None:
    created = cli.run(
        "user",
        "create",
        "--email",
        "boss@example.com",
        "--password",
        "Owner-Pass-123",
        "--role",
        "global:owner",
    )
    assert created.code == 0, created.stderr
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps(
            [
                {
                    "id": f"cred{name}00000000"[:16],
                    "name": name,
                    "type": "httpHeaderAuth",
                    "data": {"name": "X-Token", "value": value},
                }
                for name, value in SECRETS.items()
            ]
        )
    )
    imported = cli.run("import", "credentials", "--input", str(source))
    assert (imported.code, imported.stdout.strip()) == (
        0,
        "Imported credentials: 2 created, 0 updated.",
    ), imported.stderr

    sealed = export(cli, tmp_path / "sealed.json")
    assert all(str(row["data"]).startswith("rf1.") for row in sealed)
    assert not any(value in (tmp_path / "sealed.json").read_text() for value in SECRETS.values())
    clear = export(cli, tmp_path / "clear.json", "--decrypted")
    assert sorted(row["data"]["value"] for row in clear) == sorted(SECRETS.values())  # type: ignore[index]

    rotated = cli.run("credentials", "rotate-key", "--new-key", NEW_KEY)
    assert rotated.code == 0, rotated.stderr
    assert "Re-encrypted 2 credentials (0 already used the new key)" in rotated.stdout
    key_file = cli.data_dir / "encryption.key"
    assert key_file.read_text().strip() == NEW_KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = cli.run("credentials", "rotate-key", "--new-key", NEW_KEY)
    assert "Re-encrypted 0 credentials (2 already used the new key)" in again.stdout

    after = export(cli, tmp_path / "after.json", "--decrypted")
    assert sorted(row["data"]["value"] for row in after) == sorted(SECRETS.values())  # type: ignore[index]
    reimported = cli.run("import", "credentials", "--input", str(tmp_path / "sealed.json"))
    assert reimported.code == 1 and "encryption key does not match" in reimported.stderr


def test_wrong_key_should_fail_loudly(cli: Cli, tmp_path: Path) -> None:
    own = Cli(tmp_path / "data", cli.bytecode)
    assert (
        own.run(
            "user",
            "create",
            "--email",
            "a@example.com",
            "--password",
            "Owner-Pass-123",
            "--role",
            "global:owner",
        ).code
        == 0
    )
    source = tmp_path / "one.json"
    source.write_text(
        json.dumps(
            [
                {
                    "id": "wrongkeytest0000",
                    "name": "k",
                    "type": "httpBearerAuth",
                    "data": {"token": "t0ken-value"},
                }
            ]
        )
    )
    assert own.run("import", "credentials", "--input", str(source)).code == 0
    outcome = own.run(
        "export",
        "credentials",
        "--output",
        str(tmp_path / "x.json"),
        env={"RELAYFLOW_ENCRYPTION_KEY": "definitely-not-the-key-000"},
    )
    assert outcome.code == 1
    assert "encryption key does not match" in outcome.stderr
    assert not (tmp_path / "x.json").exists()
    server = own.run(
        "start",
        "--port",
        str(free_port()),
        env={"RELAYFLOW_ENCRYPTION_KEY": "definitely-not-the-key-000"},
    )
    assert server.code != 0
    assert "encryption key does not match" in server.stderr


def test_import_should_refuse_unknown_types(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(
        json.dumps([{"id": "badtype000000000", "name": "x", "type": "nope", "data": {}}])
    )
    outcome = cli.run("import", "credentials", "--input", str(source))
    assert outcome.code == 1 and "req.body.type is not a known type" in outcome.stderr
