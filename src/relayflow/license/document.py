"""Licence documents: a JSON payload signed with Ed25519, as `rflic1.<payload>.<signature>`."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from relayflow.core.clock import from_unix, utcnow
from relayflow.core.ids import new_id

MAGIC = "rflic1"
KNOWN_FEATURES = ("apiKeyScopes",)
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")

# The public half of the Relayflow project's licence signing key. Its private half is not
# in this repository; self-hosters issue their own with `relayflow license keygen`.
PROJECT_PUBLIC_KEYS = ("9pVAtppfog84lGeQZ1eVeXlIDL/lELxKBuRmOetGjLs=",)


class LicenseError(Exception):
    """A licence that cannot be trusted; the text says why."""


@dataclass(frozen=True, slots=True)
class License:
    """A verified licence."""

    id: str
    features: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime | None
    issued_to: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the licence's end has passed."""
        return self.expires_at is not None and (now or utcnow()) >= self.expires_at


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # Strict: the lenient decoder skips foreign characters, so a mangled part would pass.
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """A new signing key pair as (private PEM, public base64)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return pem, base64.b64encode(public).decode()


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key, refusing any other kind."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise LicenseError(f"cannot read the private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LicenseError("the private key is not an Ed25519 key")
    return key


def issue(
    private_key: Ed25519PrivateKey,
    features: list[str],
    expires_at: int | None,
    issued_to: str = "",
) -> str:
    """Sign a licence for `features`, valid until the Unix time `expires_at` (None: forever)."""
    unknown = [name for name in features if name not in KNOWN_FEATURES]
    if unknown or not features:
        raise LicenseError(
            f"unknown features: {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(KNOWN_FEATURES)}"
        )
    payload = {
        "id": new_id(),
        "issuedTo": issued_to,
        "features": features,
        "issuedAt": int(utcnow().timestamp()),
        "expiresAt": expires_at,
    }
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = private_key.sign(f"{MAGIC}.{body}".encode())
    return f"{MAGIC}.{body}.{_b64encode(signature)}"


def _public_keys(trusted: list[str] | tuple[str, ...]) -> list[Ed25519PublicKey]:
    keys = []
    for item in trusted:
        try:
            keys.append(Ed25519PublicKey.from_public_bytes(base64.b64decode(item, validate=True)))
        except (ValueError, binascii.Error):
            raise LicenseError(
                f"the trusted public key {item!r} is not a base64 Ed25519 key"
            ) from None
    return keys


def verify(text: str, trusted: list[str] | tuple[str, ...], now: datetime | None = None) -> License:
    """Check a licence's form, signature and expiry against the trusted public keys."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != MAGIC:
        raise LicenseError("the licence is malformed: expected rflic1.<payload>.<signature>")
    try:
        signature = _b64decode(parts[2])
        payload = json.loads(_b64decode(parts[1]))
    except (ValueError, binascii.Error):
        raise LicenseError(
            "the licence is malformed: its parts are not valid base64 JSON"
        ) from None
    message = f"{MAGIC}.{parts[1]}".encode()
    for key in _public_keys(trusted):
        try:
            key.verify(signature, message)
            break
        except InvalidSignature:
            continue
    else:
        raise LicenseError("the licence signature does not match any trusted public key")
    licence = _parse_payload(payload)
    if licence.is_expired(now):
        raise LicenseError(f"the licence expired at {licence.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    return licence


def _parse_payload(payload: object) -> License:
    if not isinstance(payload, dict):
        raise LicenseError("the licence is malformed: the payload is not an object")
    try:
        features = tuple(str(name) for name in payload["features"])
        expires = payload.get("expiresAt")
        return License(
            id=str(payload["id"]),
            features=features,
            issued_at=from_unix(int(payload["issuedAt"])),
            expires_at=None if expires is None else from_unix(int(expires)),
            issued_to=str(payload.get("issuedTo", "")),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        raise LicenseError("the licence is malformed: a field is missing or invalid") from None
