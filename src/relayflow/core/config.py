"""Settings read from the environment (`RELAYFLOW_*`), validated once at start-up."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated

from limits import parse_many
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENCRYPTION_KEY_FILE = "encryption.key"


class ConfigError(Exception):
    """A configuration value that stops start-up; its text is one line naming the variable."""


def _check_limit(value: str) -> str:
    try:
        if not parse_many(value):
            raise ValueError
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit such as '100/second'") from None
    return value


class Settings(BaseSettings):
    """Every knob Relayflow reads; defaults give the embedded single-process set-up."""

    model_config = SettingsConfigDict(env_prefix="RELAYFLOW_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.home() / ".relayflow")
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = Field(default="relayflow", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    encryption_key: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=5678, ge=1, le=65535)
    public_url: str | None = None

    rate_limit_per_key: str = "100/second"
    rate_limit_per_user: str = "200/second"
    rate_limit_auth_failures_per_ip: str = "20/minute"
    rate_limit_login_per_ip: str = "30/minute"
    rate_limit_login_per_account: str = "10/minute"
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    payload_size_max: int = Field(default=16 * 1024 * 1024, ge=1024)

    license_key: str | None = None
    license_public_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)

    session_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    password_hash_profile: str = Field(default="standard", pattern="^(standard|fast)$")
    log_level: str = Field(default="info", pattern="^(debug|info|warning|error)$")

    @field_validator("trusted_proxies", "license_public_keys", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("license_public_keys")
    @classmethod
    def _check_public_keys(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                if len(base64.b64decode(item, validate=True)) != 32:
                    raise ValueError
            except (ValueError, binascii.Error):
                raise ValueError(f"{item!r} is not a base64 Ed25519 public key") from None
        return value

    @field_validator(
        "rate_limit_per_key",
        "rate_limit_per_user",
        "rate_limit_auth_failures_per_ip",
        "rate_limit_login_per_ip",
        "rate_limit_login_per_account",
    )
    @classmethod
    def _check_limits(cls, value: str) -> str:
        return _check_limit(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql", "postgres://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis:// or rediss://")
        return value

    @cached_property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The parsed `RELAYFLOW_TRUSTED_PROXIES`."""
        return tuple(ipaddress.ip_network(item, strict=False) for item in self.trusted_proxies)

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL: the SQLite file in the data dir unless one is given."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'relayflow.db'}"
        return to_async_url(url)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.resolved_database_url.startswith("sqlite")

    def resolve_encryption_key(self) -> str:
        """The instance secret: from the environment, else generated once into the data dir."""
        if self.encryption_key:
            return self.encryption_key
        path = self.data_dir / ENCRYPTION_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked into place: processes starting at
        # once never read a half-written file, and the first link wins for all of them.
        draft = path.with_name(f"{ENCRYPTION_KEY_FILE}.{os.getpid()}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process won; everyone reads its key below
        finally:
            draft.unlink()
        return path.read_text().strip()


def to_async_url(url: str) -> str:
    """Map a plain database URL onto the async driver SQLAlchemy should use."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning any invalid value into one line that names its variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"RELAYFLOW_{field.upper()}: {message}") from None
