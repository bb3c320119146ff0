"""One running Relayflow: its settings and the long-lived services every request shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from relayflow.auth.pepper import derive_pepper
from relayflow.auth.verifier import AuthPolicies, KeyVerifier
from relayflow.core.coherence import AuthEpoch, FileAuthEpoch, RedisAuthEpoch
from relayflow.core.config import Settings
from relayflow.core.crypto import Cipher
from relayflow.core.gate import AuthGate, LocalAuthGate, RedisAuthGate
from relayflow.core.ratelimit import LocalRateLimiter, Policy, RateLimiter, shared_limiter
from relayflow.credentials.oauth2 import OAuth2Tokens
from relayflow.db.session import Database
from relayflow.engine.nodes.base import Evaluator
from relayflow.executions.executor import LocalExecutor
from relayflow.license.service import LicenseService
from relayflow.users.passwords import Passwords
from relayflow.workflows.activation import ActivationHook, ActiveWorkflows

log = logging.getLogger(__name__)


def _v8_evaluator() -> Evaluator:
    """The expression evaluator: a V8 isolate, started on first use."""
    from relayflow.engine.expressions import V8Evaluator

    return V8Evaluator()


@dataclass
class LoginPolicies:
    """Rate limits on sign-in attempts."""

    per_ip: Policy
    per_account: Policy


@dataclass
class Instance:
    """Everything a request may need beyond its own database session."""

    settings: Settings
    database: Database
    redis: Redis | None
    epoch: AuthEpoch
    limiter: RateLimiter
    licence: LicenseService
    keys: KeyVerifier
    passwords: Passwords
    login_policies: LoginPolicies
    activation: ActivationHook
    cipher: Cipher
    oauth2: OAuth2Tokens
    executor: LocalExecutor

    @classmethod
    def build(cls, settings: Settings) -> Instance:
        """Wire the services for `settings` (no I/O happens until they are used)."""
        database = Database(settings.resolved_database_url)
        # No retries: a script sent again after a lost reply could count a request twice.
        redis = (
            Redis.from_url(settings.redis_url, retry=Retry(NoBackoff(), 0))
            if settings.redis_url
            else None
        )
        limiter: RateLimiter
        epoch: AuthEpoch
        gate: AuthGate
        if redis and settings.redis_url:
            limiter = shared_limiter(settings.redis_url, settings.redis_prefix)
            epoch = RedisAuthEpoch(redis, settings.redis_prefix)
            gate = RedisAuthGate(redis, epoch.key, settings.redis_prefix)
        else:
            local = LocalRateLimiter()
            shared_file = FileAuthEpoch(settings.data_dir / "auth.epoch")
            limiter, epoch, gate = local, shared_file, LocalAuthGate(local, shared_file)
        licence = LicenseService(settings.license_key, settings.license_public_keys)
        policies = AuthPolicies(
            per_key=Policy.parse("per-key", settings.rate_limit_per_key),
            per_user=Policy.parse("per-user", settings.rate_limit_per_user),
            failures_per_ip=Policy.parse(
                "auth-failures-per-ip", settings.rate_limit_auth_failures_per_ip
            ),
        )
        secret = settings.resolve_encryption_key()
        cipher = Cipher(secret)
        pepper = derive_pepper(secret)
        oauth2 = OAuth2Tokens(cipher)
        return cls(
            settings=settings,
            database=database,
            redis=redis,
            epoch=epoch,
            limiter=limiter,
            licence=licence,
            keys=KeyVerifier(database, pepper, epoch, licence, gate, policies),
            passwords=Passwords(settings.password_hash_profile),
            login_policies=LoginPolicies(
                per_ip=Policy.parse("login-per-ip", settings.rate_limit_login_per_ip),
                per_account=Policy.parse(
                    "login-per-account", settings.rate_limit_login_per_account
                ),
            ),
            activation=ActiveWorkflows(),
            cipher=cipher,
            oauth2=oauth2,
            executor=LocalExecutor(database, cipher, oauth2, _v8_evaluator),
        )

    async def prepare(self) -> None:
        """Check the encryption key against stored secrets and load the kept API-key pepper.

        A wrong `RELAYFLOW_ENCRYPTION_KEY` stops here, before anything is served or changed.
        """
        from relayflow.credentials.keys import check_key, stored_pepper

        async with self.database.session() as session:
            await check_key(session, self.cipher)
            pepper = await stored_pepper(session, self.cipher)
        if pepper is not None:
            self.keys.pepper = pepper

    async def close(self) -> None:
        """Finish background writes and release connections."""
        await self.executor.close()
        await self.keys.drain()
        await self.database.dispose()
        self.epoch.close()
        await self.oauth2.close()
        if self.redis is not None:
            await self.redis.aclose()
