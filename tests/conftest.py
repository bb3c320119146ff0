"""Test servers on every configured backend: SQLite always, PostgreSQL and Redis when set."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.licences import LicenceIssuer
from tests.support.server import (
    LogCollector,
    PostgresDatabases,
    RunningServer,
    Variant,
    server_settings,
)


def _variants() -> list[Variant]:
    database = os.environ.get("RELAYFLOW_TEST_DATABASE_URL")
    redis = os.environ.get("RELAYFLOW_TEST_REDIS_URL")
    variants = [Variant("sqlite")]
    if database:
        variants.append(Variant("postgres", database_url=database))
    if redis:
        variants.append(
            Variant(
                "postgres+redis" if database else "sqlite+redis",
                database_url=database,
                redis_url=redis,
            )
        )
    return variants


VARIANTS = _variants()


@pytest.fixture(scope="session")
def logs() -> Iterator[LogCollector]:
    """Every log line written during the session."""
    collector = LogCollector()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    # aiosqlite narrates every call at DEBUG; it never sees values, only statements' shapes.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    yield collector
    root.removeHandler(collector)
    root.setLevel(previous)


@pytest.fixture(scope="session")
def licences(tmp_path_factory: pytest.TempPathFactory) -> LicenceIssuer:
    """Signs test licences with a key pair the test servers trust."""
    return LicenceIssuer(tmp_path_factory.mktemp("licence"))


@pytest.fixture(scope="session")
def make_server(
    tmp_path_factory: pytest.TempPathFactory, licences: LicenceIssuer, logs: LogCollector
) -> Iterator[Callable[..., RunningServer]]:
    """Start servers on demand; all are stopped (and their databases dropped) at the end.

    `share_with=server` starts another instance of the same installation, as a load balancer
    would put several `relayflow start` processes behind one address.
    """
    started: list[tuple[RunningServer, Callable[[], None]]] = []

    def start(
        variant: Variant, *, share_with: RunningServer | None = None, **overrides: Any
    ) -> RunningServer:
        if share_with is not None:
            # A second instance on the same database, data dir, Redis prefix and secret.
            twin = RunningServer(share_with.settings.model_copy(update=overrides))
            started.append((twin, lambda: None))
            return twin
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
        if variant.database_url:
            databases = PostgresDatabases(variant.database_url)
            url = databases.create()
            variant = Variant(variant.name, url, variant.redis_url)
            cleanup = lambda: databases.drop(url)  # noqa: E731
        overrides.setdefault("license_public_keys", [licences.public_key])
        data_dir: Path = tmp_path_factory.mktemp(f"data-{variant.name.replace('+', '-')}")
        server = RunningServer(server_settings(variant, data_dir, **overrides))
        started.append((server, cleanup))
        return server

    yield start
    for server, cleanup in reversed(started):
        server.stop()
        cleanup()


@pytest.fixture(scope="session", params=VARIANTS, ids=[v.name for v in VARIANTS])
def variant(request: pytest.FixtureRequest) -> Variant:
    """The backend combination under test."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def server(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    """The shared server of this variant."""
    return make_server(variant)


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[Api]:
    """An HTTP client for the shared server (one per test module)."""
    with Api(server) as client:
        yield client


@pytest.fixture(params=["licensed", "unlicensed"])
def licence_state(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the `apiKeyScopes` licence on, then off."""
    request.getfixturevalue(request.param)
    yield request.param


@pytest.fixture
def unlicensed(server: RunningServer) -> Iterator[RunningServer]:
    """The shared server without a licence (the community default)."""
    server.set_licence(None)
    yield server


@pytest.fixture
def licensed(server: RunningServer, licences: LicenceIssuer) -> Iterator[RunningServer]:
    """The shared server licensed for `apiKeyScopes`; unlicensed again afterwards."""
    server.set_licence(licences.issue(["apiKeyScopes"]))
    yield server
    server.set_licence(None)
