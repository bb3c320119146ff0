"""API-key verification: format check, HMAC, epoch-checked cache, database lookup.

Every refusal goes through `_refuse`, so a wrong, malformed, deleted, expired or rotated-out
key gets one identical answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

from sqlalchemy import select, update

from relayflow.auth import key_format
from relayflow.auth.failures import FailureRecorder
from relayflow.auth.principal import Principal
from relayflow.auth.scopes import scopes_for_role
from relayflow.core.clock import as_utc
from relayflow.core.coherence import AuthEpoch
from relayflow.core.errors import Unauthorized
from relayflow.core.gate import AuthGate, Budget, LocalAuthGate
from relayflow.core.ratelimit import Policy
from relayflow.db.models import ApiKey, ApiKeySecret, User
from relayflow.db.session import Database
from relayflow.license.service import API_KEY_SCOPES, LicenseService

log = logging.getLogger(__name__)
T = TypeVar("T")

LAST_USED_RESOLUTION = 60.0  # seconds
CACHE_SIZE = 50_000
HEADER_REQUIRED = "'X-N8N-API-KEY' header required"


@dataclass(slots=True)
class CachedKey:
    """What a verified secret resolves to, as of the epoch the cache was filled at.

    Times are Unix seconds, so that the warm path compares floats instead of building
    datetimes, and the `Principal` is built once per entry and licence state.
    """

    key_id: str
    user_id: str
    role: str
    scopes: frozenset[str]
    expires_at: float | None
    last_used_at: float | None
    hits: tuple[Budget, ...]
    principal: Principal | None = None
    licensed: bool = False


@dataclass(frozen=True, slots=True)
class AuthPolicies:
    """The three rate-limit policies of the public API."""

    per_key: Policy
    per_user: Policy
    failures_per_ip: Policy


def _seconds(moment: datetime) -> float:
    return as_utc(moment).timestamp()


def _remember(cache: dict[bytes, T], key: bytes, value: T) -> None:
    """Insert into a bounded cache, dropping the oldest entry when it is full."""
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value


class KeyVerifier:
    """Turns an `X-N8N-API-KEY` value into a `Principal`, or refuses it."""

    def __init__(
        self,
        database: Database,
        pepper: bytes,
        epoch: AuthEpoch,
        licence: LicenseService,
        gate: AuthGate,
        policies: AuthPolicies,
    ) -> None:
        self.database = database
        self.epoch = epoch
        self.licence = licence
        self.gate = gate
        self._local_gate = gate if isinstance(gate, LocalAuthGate) else None
        self.policies = policies
        self.failures = FailureRecorder(database)
        # By `cache_keys.of(raw)`, not by the stored hash: cheaper on every request.
        self.cache_keys = key_format.CacheKeys()
        self._cache: dict[bytes, CachedKey] = {}
        self._unknown: dict[bytes, bool] = {}
        self.pepper = pepper
        self._seen_epoch: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pepper(self) -> bytes:
        """The secret every stored key hash is keyed with."""
        return self._pepper

    @pepper.setter
    def pepper(self, pepper: bytes) -> None:
        self._pepper = pepper
        self.hasher = key_format.KeyHasher(pepper)
        # The cache is not keyed by the pepper's hash: what it knows was verified with the old one.
        self._cache.clear()
        self._unknown.clear()

    async def authenticate(self, raw: str | None, ip: str) -> Principal:
        """Verify a key, apply its rate limits and return who is calling."""
        principal = self.admit_cached(raw, ip)
        if principal is None:
            principal = await self.authenticate_uncached(raw, ip)
        return principal

    def admit_cached(self, raw: str | None, ip: str) -> Principal | None:
        """`authenticate` for a key this process knows, when nothing has to wait.

        On the embedded gate a cached key's whole check runs here without a coroutine:
        format, cache lookup (keyed BLAKE2b, no HMAC), epoch, expiry and the three budgets
        (a spent one raises the same 429).
        None leaves the request to `authenticate_uncached`: no header, a malformed, unknown
        or expired key, a moved epoch, or budgets kept in Redis. Nothing is counted then.
        """
        gate = self._local_gate
        if gate is None or not raw or not key_format.is_well_formed(raw):
            return None
        entry = self._cache.get(self.cache_keys.of(raw))
        if entry is None or gate.epoch.peek() != self._seen_epoch:
            return None
        now = time.time()
        if entry.expires_at is not None and now >= entry.expires_at:
            return None
        gate.admit_now(((self.policies.failures_per_ip, ip),), entry.hits)
        if entry.last_used_at is None or now - entry.last_used_at >= LAST_USED_RESOLUTION:
            self._touch(entry, now)
        return self.principal(entry)

    async def authenticate_uncached(self, raw: str | None, ip: str) -> Principal:
        """`authenticate` through the database and the gate: what `admit_cached` leaves."""
        if not raw:
            raise Unauthorized(HEADER_REQUIRED)
        if not key_format.is_well_formed(raw):
            # Counting the failure is the check: a spent budget answers 429 right there.
            await self._refuse(ip, "malformed")
        failures = ((self.policies.failures_per_ip, ip),)
        memo = self.cache_keys.of(raw)
        entry = counted = self._cache.get(memo)
        # One step applies the budgets and reads the epoch. The hits go to the key the cache
        # knows; when the epoch has moved the entry is read again, and they stand only if it
        # is still the same key.
        epoch = await self.gate.admit(failures, entry.hits if entry else ())
        if epoch != self._seen_epoch:
            await self._resync(epoch)
            entry = None
        if entry is None:
            entry = await self._load(raw, memo, epoch)
            if entry is None:
                await self._refuse(ip, "unknown")
            if counted is None or counted.key_id != entry.key_id:
                await self.gate.admit((), entry.hits)
        now = time.time()
        if entry.expires_at is not None and now >= entry.expires_at:
            await self._refuse(ip, "expired", entry.key_id)
        if entry.last_used_at is None or now - entry.last_used_at >= LAST_USED_RESOLUTION:
            self._touch(entry, now)
        return self.principal(entry)

    def principal(self, entry: CachedKey) -> Principal:
        """The request's caller: without the licence, every scope of the user's role."""
        licensed = self.licence.is_enabled(API_KEY_SCOPES)
        if entry.principal is None or entry.licensed != licensed:
            allowed = scopes_for_role(entry.role)
            entry.principal = Principal(
                user_id=entry.user_id,
                role=entry.role,
                scopes=(entry.scopes & allowed) if licensed else allowed,
                key_id=entry.key_id,
                key_scopes=entry.scopes,
            )
            entry.licensed = licensed
        return entry.principal

    async def sync(self) -> int:
        """Drop the cache and re-read the licence if anything changed since the last request."""
        epoch = await self.epoch.current()
        if epoch != self._seen_epoch:
            await self._resync(epoch)
        return epoch

    async def _resync(self, epoch: int) -> None:
        # Until the licence is read again no epoch is current: a lookup that returns in
        # between (begun before the change) must not put its row back into the cache.
        self._seen_epoch = None
        self._cache.clear()
        self._unknown.clear()
        async with self.database.session() as session:
            await self.licence.reload(session)
        self._seen_epoch = epoch

    async def invalidate(self) -> None:
        """Announce a change to keys, users, roles or the licence to every instance."""
        await self.epoch.bump()

    async def _load(self, raw: str, memo: bytes, epoch: int) -> CachedKey | None:
        if memo in self._unknown:
            return None
        key_hash = self.hasher.digest(raw)
        # Plain columns on a plain connection: this runs for every cache miss and every
        # well-formed wrong key, and an ORM session costs several times more.
        query = (
            select(
                ApiKeySecret.key_hash,
                ApiKeySecret.valid_until,
                ApiKey.id,
                ApiKey.user_id,
                ApiKey.scopes,
                ApiKey.expires_at,
                ApiKey.last_used_at,
                User.role,
            )
            .join(ApiKey, ApiKey.id == ApiKeySecret.api_key_id)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKeySecret.key_hash == key_hash)
        )
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        # A change committed while this lookup ran may already have moved the epoch on; the
        # row read here could predate it, so it serves this request but is not remembered.
        remember = epoch == self._seen_epoch
        if row is None or not hmac.compare_digest(row.key_hash, key_hash):
            if remember:
                _remember(self._unknown, memo, True)
            return None
        ends = [_seconds(moment) for moment in (row.expires_at, row.valid_until) if moment]
        entry = CachedKey(
            key_id=row.id,
            user_id=row.user_id,
            role=row.role,
            scopes=frozenset(row.scopes),
            expires_at=min(ends) if ends else None,
            last_used_at=_seconds(row.last_used_at) if row.last_used_at else None,
            hits=((self.policies.per_key, row.id), (self.policies.per_user, row.user_id)),
        )
        if remember:
            _remember(self._cache, memo, entry)
        return entry

    async def _refuse(self, ip: str, reason: str, key_id: str | None = None) -> NoReturn:
        await self.gate.admit((), ((self.policies.failures_per_ip, ip),))
        self.failures.record(ip, reason, key_id)
        raise Unauthorized("unauthorized")

    def _touch(self, entry: CachedKey, now: float) -> None:
        entry.last_used_at = now
        self._spawn(self._write_last_used(entry.key_id, datetime.fromtimestamp(now, UTC)))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for pending background writes (at shutdown and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.failures.drain()

    async def _write_last_used(self, key_id: str, now: datetime) -> None:
        try:
            async with self.database.session() as session:
                await session.execute(
                    update(ApiKey)
                    .where(ApiKey.id == key_id)
                    .values(last_used_at=now, updated_at=ApiKey.updated_at)
                )
        except Exception as exc:
            log.warning("could not record lastUsedAt of key %s: %s", key_id, type(exc).__name__)
