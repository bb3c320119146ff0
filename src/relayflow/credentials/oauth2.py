"""Access tokens for `oAuth2Api` credentials: fetched, cached in the credential, refreshed.

A node that uses an OAuth2 credential asks `OAuth2Tokens.access_token` for a bearer token.
With the client-credentials grant the server fetches one from the credential's token URL
(RFC 6749 §4.4), sending the client id and secret in a Basic header or in the body as the
credential says. The token response is kept in the credential's hidden `oauthTokenData`
field, encrypted like the rest of its data, and reused until shortly before it expires; then
a refresh token is used if the server gave one, else a new token is fetched. The cached
token remembers a fingerprint of the settings it was fetched with, so changing the client,
its secret, the token URL or the scopes never serves a token of the old settings.

No message or log line here carries the client secret or a token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import as_utc, iso, utcnow
from relayflow.core.crypto import Cipher
from relayflow.credentials.service import context
from relayflow.db.models import Credential

log = logging.getLogger(__name__)

TYPE_NAME = "oAuth2Api"
TOKEN_FIELD = "oauthTokenData"  # noqa: S105 (a field name)
# A token this close to its expiry is treated as expired: it could lapse in flight.
EXPIRY_MARGIN = timedelta(seconds=60)
TIMEOUT_SECONDS = 30.0


class CredentialTokenError(Exception):
    """No access token could be had for a credential; the message says why, safely."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and when it stops working (None: the server did not say)."""

    value: str
    token_type: str
    expires_at: datetime | None

    @property
    def authorization(self) -> str:
        """The `Authorization` header value to send with it."""
        kind = "Bearer" if self.token_type.lower() == "bearer" else self.token_type
        return f"{kind} {self.value}"


def fingerprint(data: dict[str, Any]) -> str:
    """What a cached token was fetched with: it is only reused while these are unchanged."""
    settings = [
        data.get(name, "")
        for name in ("accessTokenUrl", "clientId", "clientSecret", "scope", "authentication")
    ]
    return hashlib.sha256(json.dumps(settings).encode()).hexdigest()


class OAuth2Tokens:
    """Hands out access tokens for OAuth2 credentials, one fetch at a time per credential."""

    def __init__(
        self,
        cipher: Cipher,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cipher = cipher
        self._client = client
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._fresh: dict[str, dict[str, Any]] = {}

    async def access_token(self, session: AsyncSession, credential: Credential) -> AccessToken:
        """A token that is good for at least `EXPIRY_MARGIN`; fetched or refreshed if needed.

        A new token is written into the credential (flushed, not committed: the caller's
        unit of work commits it).
        """
        if credential.type != TYPE_NAME:
            raise CredentialTokenError(
                f'Credential "{credential.name}" is of type {credential.type}, not {TYPE_NAME}'
            )
        lock = self._locks.setdefault(credential.id, asyncio.Lock())
        async with lock:
            await session.refresh(credential, ["data"])
            data = self.cipher.decrypt(credential.data, context(credential.id))
            settings = fingerprint(data)
            # A token this process fetched a moment ago may not be committed yet: requests
            # that waited on the lock take it from memory rather than fetch another.
            for cached in (self._fresh.get(credential.id) or {}, data.get(TOKEN_FIELD) or {}):
                if cached.get("fingerprint") == settings and self._usable(cached):
                    return _token(cached)
            stored = data.get(TOKEN_FIELD) or {}
            response = await self._renew(
                credential, data, stored if stored.get("fingerprint") == settings else {}
            )
            self._fresh[credential.id] = response
            data[TOKEN_FIELD] = response
            credential.data = self.cipher.encrypt(data, context(credential.id))
            await session.flush()
            return _token(response)

    def _usable(self, cached: dict[str, Any]) -> bool:
        if not cached.get("access_token"):
            return False
        expires_at = cached.get("expires_at")
        if expires_at is None:
            return True
        return as_utc(datetime.fromisoformat(expires_at)) - EXPIRY_MARGIN > self._clock()

    async def _renew(
        self, credential: Credential, data: dict[str, Any], cached: dict[str, Any]
    ) -> dict[str, Any]:
        refresh_token = cached.get("refresh_token")
        if refresh_token:
            try:
                return await self._request(
                    credential,
                    data,
                    {"grant_type": "refresh_token", "refresh_token": refresh_token},
                )
            except CredentialTokenError as exc:
                if data.get("grantType", "clientCredentials") != "clientCredentials":
                    raise
                log.info("refreshing the token of credential %s failed: %s", credential.id, exc)
        if data.get("grantType", "clientCredentials") != "clientCredentials":
            raise CredentialTokenError(
                f'Credential "{credential.name}" has no valid access token: its grant type '
                f"({data.get('grantType')}) needs the user to connect it in the browser first"
            )
        form = {"grant_type": "client_credentials"}
        if data.get("scope"):
            form["scope"] = str(data["scope"])
        return await self._request(credential, data, form)

    async def _request(
        self, credential: Credential, data: dict[str, Any], form: dict[str, str]
    ) -> dict[str, Any]:
        url = str(data.get("accessTokenUrl") or "")
        headers = {"Accept": "application/json"}
        client_id, secret = str(data.get("clientId", "")), str(data.get("clientSecret", ""))
        if data.get("authentication", "header") == "body":
            form = {**form, "client_id": client_id, "client_secret": secret}
        else:
            # RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        where = f'the token endpoint of credential "{credential.name}"'
        try:
            answer = await self._http().post(url, data=form, headers=headers)
        except httpx.InvalidURL:
            raise CredentialTokenError(f"{where} has an invalid URL") from None
        except httpx.HTTPError as exc:
            raise CredentialTokenError(f"could not reach {where} ({type(exc).__name__})") from None
        body = _parse(answer)
        if answer.status_code >= 400 or "access_token" not in body:
            raise CredentialTokenError(_refusal(where, answer.status_code, body))
        return self._stored(body, data)

    def _stored(self, body: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "access_token": str(body["access_token"]),
            "token_type": str(body.get("token_type") or "Bearer"),
            "fingerprint": fingerprint(data),
            "obtained_at": iso(self._clock()),
            "expires_at": None,
        }
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
            stored["expires_at"] = iso(self._clock() + timedelta(seconds=int(expires_in)))
        for optional in ("refresh_token", "scope"):
            if body.get(optional):
                stored[optional] = str(body[optional])
        return stored

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        return self._client

    async def close(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _token(stored: dict[str, Any]) -> AccessToken:
    expires_at = stored.get("expires_at")
    return AccessToken(
        value=stored["access_token"],
        token_type=stored.get("token_type", "Bearer"),
        expires_at=as_utc(datetime.fromisoformat(expires_at)) if expires_at else None,
    )


def _parse(answer: httpx.Response) -> dict[str, Any]:
    """A token endpoint's answer: JSON, or the form encoding some older servers use."""
    try:
        parsed = answer.json()
    except ValueError:
        parsed = dict(parse_qsl(answer.text))
    return parsed if isinstance(parsed, dict) else {}


def _refusal(where: str, status: int, body: dict[str, Any]) -> str:
    """Why the endpoint said no, in its own RFC 6749 §5.2 terms only (never its whole body)."""
    reason = str(body.get("error") or "")
    description = str(body.get("error_description") or "")
    detail = ": ".join(part[:200] for part in (reason, description) if part)
    if status < 400:
        return f"{where} answered without an access token"
    return f"{where} refused the request with {status}" + (f" ({detail})" if detail else "")
