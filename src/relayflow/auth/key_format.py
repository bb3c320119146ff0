"""The API-key format: `n8n_api_` + 40 random base62 characters + a 6-character CRC32 checksum.

Everything here is pure computation: a key that fails these checks is refused before any
database or cache work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib

from relayflow.core.ids import BASE62, random_base62

PREFIX = "n8n_api_"
RANDOM_LENGTH = 40  # 40 base62 characters carry 238 bits from `secrets`
CHECKSUM_LENGTH = 6
KEY_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
REDACTION = "•" * 12
_DIGITS = {char: value for value, char in enumerate(BASE62)}


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(body: str) -> str:
    """The 6-character base62 CRC32 of `body` (prefix and random part)."""
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate() -> str:
    """A fresh raw key."""
    body = PREFIX + random_base62(RANDOM_LENGTH)
    return body + checksum(body)


def is_well_formed(raw: str) -> bool:
    """Whether `raw` has the right prefix, length, alphabet and checksum."""
    if len(raw) != KEY_LENGTH or not raw.startswith(PREFIX):
        return False
    rest = raw[len(PREFIX) :]
    # ASCII and alphanumeric is exactly [0-9A-Za-z], in two C calls instead of a regex.
    if not (rest.isascii() and rest.isalnum()):
        return False
    # Decoding the six checksum characters is cheaper than encoding the CRC to compare.
    d, c = _DIGITS, raw[-CHECKSUM_LENGTH:]
    value = ((((d[c[0]] * 62 + d[c[1]]) * 62 + d[c[2]]) * 62 + d[c[3]]) * 62 + d[c[4]]) * 62
    value += d[c[5]]
    return value == zlib.crc32(raw[:-CHECKSUM_LENGTH].encode("ascii"))


def digest(pepper: bytes, raw: str) -> str:
    """`HMAC-SHA256(pepper, raw key)` as hex: what the database stores and looks up."""
    return hmac.new(pepper, raw.encode("ascii"), hashlib.sha256).hexdigest()


class KeyHasher:
    """`digest` for one pepper, with the HMAC's keyed state prepared once.

    Copying a prepared HMAC costs half of keying a new one, on every authenticated request.
    """

    def __init__(self, pepper: bytes) -> None:
        self._keyed = hmac.new(pepper, digestmod=hashlib.sha256)

    def digest(self, raw: str) -> str:
        """`HMAC-SHA256(pepper, raw)` as hex, equal to `digest(pepper, raw)`."""
        state = self._keyed.copy()
        state.update(raw.encode("ascii"))
        return state.hexdigest()


class CacheKeys:
    """Keys for a process's cache of verified secrets: keyed BLAKE2b, with a secret of its own.

    The cache must not hold raw keys, and it is consulted on every request, where the
    database's HMAC-SHA256 (through OpenSSL) costs two to three times as much as CPython's
    built-in BLAKE2b. The secret is random per process: these keys never leave it.
    """

    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)

    def of(self, raw: str) -> bytes:
        """The cache key of a raw key."""
        return hashlib.blake2b(raw.encode("ascii"), key=self._secret, digest_size=32).digest()


def redact(last4: str) -> str:
    """The form lists show: `n8n_api_••••••••••••cdef`."""
    return PREFIX + REDACTION + last4
