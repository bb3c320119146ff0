"""Errors about users that other features raise too."""

from __future__ import annotations

from relayflow.core.errors import NotFound


def user_not_found(identifier: str) -> NotFound:
    """n8n's answer for a user id or e-mail that matches nobody."""
    return NotFound(f"Could not find user with id: {identifier}")
