"""Every credential type, found by importing each type module of this package once."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from relayflow.credentials.types.model import CredentialType

_PACKAGE = "relayflow.credentials.types"
_NOT_TYPES = frozenset({"model", "registry"})


def discover(package: str) -> dict[str, CredentialType]:
    """The `CREDENTIAL_TYPE` of each module in `package`, by type name; loud on a stray module."""
    found: dict[str, CredentialType] = {}
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name in _NOT_TYPES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        credential_type = getattr(module, "CREDENTIAL_TYPE", None)
        if not isinstance(credential_type, CredentialType):
            raise TypeError(f"{module.__name__} declares no CREDENTIAL_TYPE")
        if credential_type.name in found:
            raise ValueError(f"credential type {credential_type.name} is declared twice")
        found[credential_type.name] = credential_type
    return dict(sorted(found.items()))


@cache
def _types() -> dict[str, CredentialType]:
    return discover(_PACKAGE)


def get(name: str) -> CredentialType | None:
    """The credential type called `name` (case-sensitive, as n8n), or None."""
    return _types().get(name)


def all() -> tuple[CredentialType, ...]:
    """Every registered credential type, ordered by name."""
    return tuple(_types().values())


def names() -> tuple[str, ...]:
    """The name of every registered credential type, ordered by name."""
    return tuple(_types())
