"""Credentials at rest: only ciphertext in the database, fresh nonces, rows bound to their id,
secret values never in a response, an error or a log line."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import text

from relayflow.core.crypto import Cipher, CorruptCiphertext, EncryptionKeyMismatch
from tests.support.client import Api
from tests.support.server import LogCollector, RunningServer, Variant


def raw_rows(server: RunningServer) -> dict[str, str]:
    """Each credential's stored `data` column, as the database holds it."""

    async def read() -> dict[str, str]:
        async with server.instance.database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, data FROM credential"))
            return {row.id: row.data for row in rows}

    return server.run(read())


@pytest.fixture(scope="module")
def vault(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(variant)


def test_database_should_hold_only_ciphertext(vault: RunningServer, logs: LogCollector) -> None:
    key = vault.create_key(vault.create_user())
    values = {"user": f"user-{uuid.uuid4().hex}", "password": f"pw-{uuid.uuid4().hex}"}
    with Api(vault) as api:
        created = api.post(
            "/credentials", key, json={"name": "basic", "type": "httpBasicAuth", "data": values}
        ).json()
        same = api.post(
            "/credentials",
            key,
            json={"name": "basic again", "type": "httpBasicAuth", "data": values},
        ).json()
        api.request(
            "PATCH",
            f"/credentials/{created['id']}",
            key,
            json={"data": {"password": values["password"]}, "isPartialData": True},
        )
        bad = api.post(
            "/credentials",
            key,
            json={
                "name": "bad",
                "type": "httpBasicAuth",
                "data": {**values, "port": values["user"]},
            },
        )
        assert bad.status_code == 400
        assert values["user"] not in bad.text and values["password"] not in bad.text
    rows = raw_rows(vault)
    stored = rows[created["id"]] + rows[same["id"]]
    for value in values.values():
        assert value not in stored
        assert value not in logs.text()
    assert rows[created["id"]].startswith(f"rf1.{vault.instance.cipher.key_id}.")
    assert rows[created["id"]] != rows[same["id"]]


def test_nonces_should_never_repeat() -> None:
    cipher = Cipher("a-test-secret-of-enough-length")
    sealed = {cipher.encrypt({"v": "same"}, "credential:x") for _ in range(500)}
    nonces = {value.split(".")[2][:16] for value in sealed}
    assert len(sealed) == len(nonces) == 500


def test_ciphertext_should_be_bound_to_its_row() -> None:
    cipher = Cipher("a-test-secret-of-enough-length")
    sealed = cipher.encrypt({"v": 1}, "credential:one")
    assert cipher.decrypt(sealed, "credential:one") == {"v": 1}
    with pytest.raises(CorruptCiphertext):
        cipher.decrypt(sealed, "credential:two")


def test_a_wrong_key_should_be_named_as_such() -> None:
    sealed = Cipher("the-key-that-wrote-it-000").encrypt({"v": 1}, "credential:one")
    with pytest.raises(EncryptionKeyMismatch, match="encryption key does not match"):
        Cipher("another-key-altogether-000").decrypt(sealed, "credential:one")


@pytest.mark.parametrize("value", ["", "rf1.x", "rf2.abcd.AAAA", "rf1.abcd.!!!"])
def test_garbage_should_be_refused(value: str) -> None:
    cipher = Cipher("a-test-secret-of-enough-length")
    with pytest.raises((CorruptCiphertext, EncryptionKeyMismatch)):
        cipher.decrypt(value, "credential:one")
