"""Who is calling: the user, its current role, and what it may do on this request."""

from __future__ import annotations

from dataclasses import dataclass

from relayflow.auth.scopes import ADMIN, OWNER


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller, by API key (`key_id` set) or by browser session."""

    user_id: str
    role: str
    scopes: frozenset[str]
    key_id: str | None = None
    key_scopes: frozenset[str] = frozenset()

    @property
    def is_instance_admin(self) -> bool:
        """Owner and admin see and manage everything on the instance."""
        return self.role in (OWNER, ADMIN)

    def has(self, scope: str) -> bool:
        """Whether `scope` is among the effective scopes of this request."""
        return scope in self.scopes
