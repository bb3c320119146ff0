"""The API-key format: `n8n_api_` + 40 random base62 characters + a 6-character CRC32 checksum.

Everything here is pure computation: a key that fails these checks is refused before any
database or cache work.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import zlib

from relayflow.core.ids import BASE62, random_base62

PREFIX = "n8n_api_"
RANDOM_LENGTH = 40  # 40 base62 characters carry 238 bits from `secrets`
CHECKSUM_LENGTH = 6
KEY_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
REDACTION = "•" * 12
_DIGITS = {char: value for value, char in enumerate(BASE62)}
_SHAPE = re.compile(rf"{PREFIX}[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}")


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
    if len(raw) != KEY_LENGTH or not _SHAPE.fullmatch(raw):
        return False
    # Decoding the six checksum characters is cheaper than encoding the CRC to compare.
    value = 0
    for char in raw[-CHECKSUM_LENGTH:]:
        value = value * 62 + _DIGITS[char]
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


def redact(last4: str) -> str:
    """The form lists show: `n8n_api_••••••••••••cdef`."""
    return PREFIX + REDACTION + last4
