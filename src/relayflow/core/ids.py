"""Identifiers in n8n's formats: 16-character nanoids and UUID v4 user ids."""

from __future__ import annotations

import secrets
import uuid

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def random_base62(length: int) -> str:
    """`length` characters drawn uniformly from `[0-9A-Za-z]` by `secrets`."""
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_id() -> str:
    """A 16-character nanoid over `[0-9A-Za-z]`, the id format of most n8n entities."""
    return random_base62(16)


def new_user_id() -> str:
    """A UUID v4 string, the id format of n8n users."""
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    """Whether `value` is a canonical UUID string."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
