"""No raw key or password ever reaches a log line or the database in clear."""

from __future__ import annotations

from sqlalchemy import MetaData, select

from relayflow.auth import key_format
from tests.support.client import Api
from tests.support.keys import create, key_id_of
from tests.support.server import PASSWORD, LogCollector, RunningServer


def dump_database(server: RunningServer) -> str:
    """Every row of every table as text."""

    async def dump() -> str:
        metadata = MetaData()
        async with server.instance.database.engine.connect() as connection:
            await connection.run_sync(metadata.reflect)
            parts = []
            for table in metadata.sorted_tables:
                rows = (await connection.execute(select(table))).all()
                parts.append(f"{table.name}: {rows!r}")
        return "\n".join(parts)

    return server.run(dump())


def test_raw_keys_and_passwords_should_never_be_stored_or_logged(
    api: Api, server: RunningServer, logs: LogCollector
) -> None:
    user = server.create_user("global:admin")
    key = server.create_key(user, label="bootstrap")
    raws = [key]
    created = create(api, key, "made-over-http", ["apiKey:read"])
    raws.append(created["rawApiKey"])
    raws.append(
        api.post(f"/api-keys/{created['id']}/rotate", key, json={"gracePeriodSeconds": 60}).json()[
            "rawApiKey"
        ]
    )
    unknown = key_format.generate()
    raws.append(unknown)
    api.get("/api-keys", unknown)
    api.get("/api-keys", unknown[:-1] + "0")
    browser = api.signed_in(user.email)
    try:
        made_in_ui = browser.post(
            "/rest/api-keys",
            json={
                "label": "ui",
                "scopes": ["workflow:read"],
                "expiresAt": None,
            },
        )
        raws.append(made_in_ui.json()["data"]["rawApiKey"])
    finally:
        browser.close()
    api.delete(f"/api-keys/{key_id_of(api, key, 'made-over-http')}", key)
    server.run(server.instance.keys.drain())
    stored = dump_database(server)
    logged = logs.text()
    assert user.email in stored  # the dump is real
    for raw in raws:
        for secret_part in (raw, raw[8:-6], raw[8:40]):
            assert secret_part not in stored
            assert secret_part not in logged
    assert PASSWORD not in stored and PASSWORD not in logged
