"""Settings from `RELAYFLOW_*`: defaults, refusals that name the variable, the instance secret."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from relayflow.core.config import ENCRYPTION_KEY_FILE, ConfigError, Settings, load_settings
from relayflow.instance import Instance
from relayflow.license.document import generate_keypair
from tests.cli import Cli, Outcome, bytecode_cache, free_port


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No `RELAYFLOW_*` from the caller's shell, and a home of our own."""
    for name in list(os.environ):
        if name.startswith("RELAYFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


class TestDefaults:
    def test_settings_should_default_to_loopback_on_5678(self) -> None:
        settings = Settings()

        assert settings.host == "127.0.0.1"
        assert settings.port == 5678

    def test_settings_should_default_to_sqlite_in_the_home_data_dir(self, tmp_path: Path) -> None:
        settings = Settings()

        assert settings.data_dir == tmp_path / "home" / ".relayflow"
        assert settings.database_url is None
        assert settings.resolved_database_url == (
            f"sqlite+aiosqlite:///{tmp_path / 'home' / '.relayflow' / 'relayflow.db'}"
        )
        assert settings.is_sqlite
        assert settings.redis_url is None
        assert settings.encryption_key is None

    def test_settings_should_default_to_the_documented_limits(self) -> None:
        settings = Settings()

        assert settings.rate_limit_per_key == "100/second"
        assert settings.rate_limit_per_user == "200/second"
        assert settings.rate_limit_auth_failures_per_ip == "20/minute"
        assert settings.payload_size_max == 16 * 1024 * 1024
        assert settings.trusted_proxies == []
        assert settings.license_key is None
        assert settings.license_public_keys == []


class TestEnvironment:
    def test_settings_should_read_relayflow_variables(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        _, public = generate_keypair()
        values = {
            "RELAYFLOW_DATA_DIR": str(tmp_path / "data"),
            "RELAYFLOW_HOST": "::",
            "RELAYFLOW_PORT": "8080",
            "RELAYFLOW_DATABASE_URL": "postgres://user@db:5432/relayflow",
            "RELAYFLOW_REDIS_URL": "redis://cache:6379/1",
            "RELAYFLOW_RATE_LIMIT_PER_KEY": "5/minute",
            "RELAYFLOW_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7",
            "RELAYFLOW_LICENSE_PUBLIC_KEYS": f"{public},{public}",
            "RELAYFLOW_PAYLOAD_SIZE_MAX": "2048",
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)

        settings = load_settings()

        assert settings.data_dir == tmp_path / "data"
        assert (settings.host, settings.port) == ("::", 8080)
        assert settings.resolved_database_url == "postgresql+asyncpg://user@db:5432/relayflow"
        assert not settings.is_sqlite
        assert settings.redis_url == "redis://cache:6379/1"
        assert settings.rate_limit_per_key == "5/minute"
        assert settings.trusted_proxies == ["10.0.0.0/8", "192.168.1.7"]
        assert [str(net) for net in settings.trusted_networks] == ["10.0.0.0/8", "192.168.1.7/32"]
        assert settings.license_public_keys == [public, public]
        assert settings.payload_size_max == 2048

    def test_empty_database_url_should_mean_the_embedded_default(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RELAYFLOW_DATABASE_URL", "")

        assert load_settings().database_url is None

    def test_flag_values_should_override_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RELAYFLOW_PORT", "8080")

        assert load_settings(port=9090).port == 9090


BAD_VALUES = [
    ("RELAYFLOW_PORT", "abc"),
    ("RELAYFLOW_PORT", "0"),
    ("RELAYFLOW_PORT", "70000"),
    ("RELAYFLOW_RATE_LIMIT_PER_KEY", "lots"),
    ("RELAYFLOW_RATE_LIMIT_PER_USER", "100/fortnight"),
    ("RELAYFLOW_RATE_LIMIT_AUTH_FAILURES_PER_IP", ""),
    ("RELAYFLOW_DATABASE_URL", "mysql://x"),
    ("RELAYFLOW_REDIS_URL", "http://cache"),
    ("RELAYFLOW_TRUSTED_PROXIES", "not-an-ip"),
    ("RELAYFLOW_TRUSTED_PROXIES", "10.0.0.1, 300.1.1.1"),
    ("RELAYFLOW_PAYLOAD_SIZE_MAX", "10"),
    ("RELAYFLOW_LOG_LEVEL", "verbose"),
    ("RELAYFLOW_PASSWORD_HASH_PROFILE", "none"),
    ("RELAYFLOW_SESSION_TTL_SECONDS", "forever"),
    ("RELAYFLOW_REDIS_PREFIX", "has spaces"),
    ("RELAYFLOW_LICENSE_PUBLIC_KEYS", "not-a-key"),
    ("RELAYFLOW_LICENSE_PUBLIC_KEYS", "c2l4dGVlbiBieXRlcyEhIQ=="),
]


class TestRefusals:
    @pytest.mark.parametrize(("name", "value"), BAD_VALUES)
    def test_bad_value_should_be_refused_in_one_line_naming_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        monkeypatch.setenv(name, value)

        with pytest.raises(ConfigError) as refused:
            load_settings()

        message = str(refused.value)
        assert message.startswith(f"{name}: ")
        assert "\n" not in message
        assert len(message) > len(name) + 10

    def test_trusted_proxies_should_name_the_bad_entry(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("RELAYFLOW_TRUSTED_PROXIES", "10.0.0.1, not-an-ip")

        with pytest.raises(ConfigError, match="'not-an-ip' is not an IP address or network"):
            load_settings()

    def test_licence_key_should_not_stop_start_up(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # A bad licence is refused at run time: the instance runs unlicensed and says why.
        monkeypatch.setenv("RELAYFLOW_LICENSE_KEY", "garbage")

        assert load_settings().license_key == "garbage"


@dataclass(frozen=True)
class Start:
    """A `relayflow start` that must be refused, and the variable the refusal must name."""

    variable: str
    env: dict[str, str]
    flags: tuple[str, ...] = ()


STARTS = {
    "port": Start("RELAYFLOW_PORT", {"RELAYFLOW_PORT": "abc"}),
    "rate-limit": Start("RELAYFLOW_RATE_LIMIT_PER_KEY", {"RELAYFLOW_RATE_LIMIT_PER_KEY": "lots"}),
    "database": Start("RELAYFLOW_DATABASE_URL", {"RELAYFLOW_DATABASE_URL": "mysql://x"}),
    "proxies": Start("RELAYFLOW_TRUSTED_PROXIES", {"RELAYFLOW_TRUSTED_PROXIES": "not-an-ip"}),
    "port-flag": Start("RELAYFLOW_PORT", {}, ("--port", "0")),
}


@pytest.fixture(scope="module")
def refused_starts(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> dict[str, tuple[Cli, Outcome]]:
    """Every start of `STARTS`, all at once, each on a data dir of its own."""
    bytecode = bytecode_cache(pytestconfig, tmp_path_factory.mktemp("bytecode"))
    clis = {case: Cli(tmp_path_factory.mktemp("refused"), bytecode) for case in STARTS}
    # A free port unless the case sets one, should a refusal regress and the server start.
    started = {
        case: clis[case].spawn(
            "start", *start.flags, env={"RELAYFLOW_PORT": str(free_port()), **start.env}
        )
        for case, start in STARTS.items()
    }
    results = {}
    for case, process in started.items():
        try:
            stdout, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        results[case] = (clis[case], Outcome(process.returncode, stdout, stderr))
    return results


@pytest.mark.parametrize("case", list(STARTS))
def test_start_should_stop_with_exit_2_and_one_line_naming_the_variable(
    refused_starts: dict[str, tuple[Cli, Outcome]], case: str
) -> None:
    cli, outcome = refused_starts[case]

    assert outcome.code == 2, outcome
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1, outcome.stderr
    assert outcome.stderr.startswith(f"Configuration error: {STARTS[case].variable}: ")
    assert list(cli.data_dir.iterdir()) == []


class TestEncryptionKey:
    def test_key_should_be_generated_once_with_mode_0600(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "fresh" / "data"

        first = Settings(data_dir=data_dir).resolve_encryption_key()

        path = data_dir / ENCRYPTION_KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text() == first + "\n"
        assert len(first) >= 32

    def test_key_should_be_reused_by_the_next_start(self, tmp_path: Path) -> None:
        first = Settings(data_dir=tmp_path).resolve_encryption_key()
        content = (tmp_path / ENCRYPTION_KEY_FILE).read_bytes()

        second = Settings(data_dir=tmp_path).resolve_encryption_key()

        assert second == first
        assert (tmp_path / ENCRYPTION_KEY_FILE).read_bytes() == content

    def test_simultaneous_first_starts_should_agree_on_one_key(self, tmp_path: Path) -> None:
        # Several processes started at once on a fresh data dir (a bootstrap script, say).
        for attempt in range(20):
            data_dir = tmp_path / f"attempt-{attempt}"
            barrier = threading.Barrier(4)

            def first_start(directory: Path, gate: threading.Barrier = barrier) -> str:
                gate.wait()
                return Settings(data_dir=directory).resolve_encryption_key()

            with ThreadPoolExecutor(4) as pool:
                keys = list(pool.map(first_start, [data_dir] * 4))

            assert len(set(keys)) == 1, keys
            assert keys[0]
            assert [path.name for path in data_dir.iterdir()] == [ENCRYPTION_KEY_FILE]

    def test_instances_on_one_data_dir_should_share_the_pepper(self, tmp_path: Path) -> None:
        first = _pepper(Settings(data_dir=tmp_path))
        second = _pepper(Settings(data_dir=tmp_path))
        elsewhere = _pepper(Settings(data_dir=tmp_path / "other"))

        assert first == second
        assert first != elsewhere

    def test_key_from_the_environment_should_write_no_file(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("RELAYFLOW_ENCRYPTION_KEY", "an-operator-chosen-secret-of-some-length")
        settings = load_settings(data_dir=tmp_path)

        assert settings.resolve_encryption_key() == "an-operator-chosen-secret-of-some-length"
        _pepper(settings)
        assert not (tmp_path / ENCRYPTION_KEY_FILE).exists()


def _pepper(settings: Settings) -> bytes:
    """Build the instance as `relayflow start` does and return its key pepper."""
    instance = Instance.build(settings)
    try:
        return instance.keys.pepper
    finally:
        asyncio.run(instance.close())
