"""Encryption-key rotation: every row re-encrypted in one transaction, safe to re-run, API keys
kept working; a wrong key stops the instance before it changes anything."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.crypto import Cipher, EncryptionKeyMismatch
from relayflow.credentials.keys import rotate
from relayflow.credentials.service import context
from relayflow.db.models import Credential
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.server import RunningServer, Variant

NEW_KEY = "the-new-encryption-key-0123456789"


def raw_rows(server: RunningServer) -> dict[str, str]:
    async def read() -> dict[str, str]:
        async with server.instance.database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, data FROM credential"))
            return {row.id: row.data for row in rows}

    return server.run(read())


def seed(server: RunningServer, count: int = 3) -> tuple[str, dict[str, str]]:
    """A key and `count` credentials; returns the key and {credential id: secret value}."""
    key = server.create_key(server.create_user("global:admin"))
    values: dict[str, str] = {}
    with Api(server) as api:
        for _ in range(count):
            value = f"v-{uuid.uuid4().hex}"
            created = api.post(
                "/credentials",
                key,
                json={"name": "h", "type": "httpHeaderAuth", "data": {"name": "X", "value": value}},
            )
            values[created.json()["id"]] = value
    return key, values


@pytest.fixture
def installation(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(variant, encryption_key="the-old-encryption-key-0123456789")


def test_rotation_should_re_encrypt_and_keep_api_keys_working(
    installation: RunningServer, make_server: Callable[..., RunningServer], variant: Variant
) -> None:
    key, values = seed(installation)
    old_key = installation.settings.encryption_key
    assert old_key is not None

    async def task(_instance: Instance, session: AsyncSession) -> tuple[int, int]:
        report = await rotate(session, old_key, NEW_KEY)
        return report.re_encrypted, report.already_rotated

    assert installation.work(task) == (3, 0)
    new = Cipher(NEW_KEY)
    for credential_id, sealed in raw_rows(installation).items():
        if credential_id in values:
            assert Cipher.key_id_in(sealed) == new.key_id
            assert new.decrypt(sealed, context(credential_id))["value"] == values[credential_id]
    rotated = make_server(variant, share_with=installation, encryption_key=NEW_KEY)
    with Api(rotated) as api:
        assert api.get("/api-keys", key).status_code == 200
        some_id = next(iter(values))
        merged = api.request(
            "PATCH",
            f"/credentials/{some_id}",
            key,
            json={"data": {"name": "Y"}, "isPartialData": True},
        )
        assert merged.status_code == 200
    assert installation.work(task) == (0, 3)  # a second run finds nothing left to do


def test_an_interrupted_rotation_should_change_nothing_and_finish_when_run_again(
    installation: RunningServer,
) -> None:
    _, values = seed(installation)
    old_key = installation.settings.encryption_key
    assert old_key is not None
    before = raw_rows(installation)

    class Crash(Exception):
        pass

    async def crashing(_instance: Instance, session: AsyncSession) -> None:
        await rotate(session, old_key, NEW_KEY)
        raise Crash

    with pytest.raises(Crash):
        installation.work(crashing)
    assert raw_rows(installation) == before

    async def half_done(instance: Instance, session: AsyncSession) -> None:
        credential = await session.get(Credential, next(iter(values)))
        assert credential is not None
        plain = instance.cipher.decrypt(credential.data, context(credential.id))
        credential.data = Cipher(NEW_KEY).encrypt(plain, context(credential.id))

    installation.work(half_done)

    async def resume(_instance: Instance, session: AsyncSession) -> tuple[int, int]:
        report = await rotate(session, old_key, NEW_KEY)
        return report.re_encrypted, report.already_rotated

    assert installation.work(resume) == (2, 1)


def test_a_wrong_key_should_stop_the_instance_and_change_nothing(
    installation: RunningServer,
) -> None:
    seed(installation, 1)
    before = raw_rows(installation)
    wrong = Instance.build(
        installation.settings.model_copy(
            update={"encryption_key": "not-the-right-key-at-all-000000"}
        )
    )

    async def start() -> None:
        try:
            await wrong.prepare()
        finally:
            await wrong.close()

    with pytest.raises(EncryptionKeyMismatch, match="encryption key does not match"):
        asyncio.run(start())
    assert raw_rows(installation) == before
