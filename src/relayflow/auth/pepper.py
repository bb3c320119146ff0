"""Peppers for API-key hashing, derived from the instance secret and versioned."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CURRENT_VERSION = 1


def derive_pepper(instance_secret: str, version: int = CURRENT_VERSION) -> bytes:
    """HKDF-SHA256 of the instance secret, bound to the pepper's version."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"relayflow api-key pepper v{version}".encode(),
    ).derive(instance_secret.encode())
