"""Encryption at rest: AES-256-GCM with a random nonce per write and a key id on every value.

A value is `rf1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id names the key
that wrote it, so that keys can rotate row by row and a wrong key is reported as such instead
of as corrupt data. Each value is bound to its row (`context`, the GCM associated data), so a
ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "rf1"
NONCE_BYTES = 12


class EncryptionKeyMismatch(Exception):
    """The configured encryption key is not the one the data was encrypted with."""


class CorruptCiphertext(Exception):
    """A stored value is not something this cipher wrote, or was tampered with."""


def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"relayflow credentials aes-256-gcm v1",
    ).derive(secret.encode())


def key_id_of(secret: str) -> str:
    """A short public name for a key: the first 8 hex digits of SHA-256 of its derived key."""
    return hashlib.sha256(_derive(secret)).hexdigest()[:8]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cipher:
    """Encrypts with the instance key; decrypts what that key wrote."""

    def __init__(self, secret: str) -> None:
        self.key_id = key_id_of(secret)
        self._aead = AESGCM(_derive(secret))

    def encrypt(self, data: dict[str, Any], context: str) -> str:
        """A JSON object, encrypted and bound to `context` (e.g. `credential:<id>`)."""
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        sealed = self._aead.encrypt(nonce, plain, self._associated(context))
        return f"{FORMAT}.{self.key_id}.{_b64(nonce + sealed)}"

    def decrypt(self, value: str, context: str) -> dict[str, Any]:
        """The JSON object `encrypt` sealed; raises if the key or the row does not match."""
        key_id, blob = self._split(value)
        if key_id != self.key_id:
            raise EncryptionKeyMismatch(
                f"The encryption key does not match: this value was encrypted with key "
                f"{key_id}, but RELAYFLOW_ENCRYPTION_KEY is key {self.key_id}"
            )
        try:
            plain = self._aead.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._associated(context)
            )
        except InvalidTag:
            raise CorruptCiphertext("A stored value failed its integrity check") from None
        data = json.loads(plain)
        if not isinstance(data, dict):
            raise CorruptCiphertext("A stored value is not an object")
        return data

    @staticmethod
    def key_id_in(value: str) -> str:
        """Which key wrote a stored value."""
        return Cipher._split(value)[0]

    @staticmethod
    def _split(value: str) -> tuple[str, bytes]:
        parts = value.split(".")
        if len(parts) != 3 or parts[0] != FORMAT:
            raise CorruptCiphertext("A stored value is not in Relayflow's encrypted format")
        try:
            return parts[1], _unb64(parts[2])
        except (ValueError, binascii.Error):
            raise CorruptCiphertext("A stored value is not valid base64") from None

    @staticmethod
    def _associated(context: str) -> bytes:
        return f"relayflow/{context}".encode()
