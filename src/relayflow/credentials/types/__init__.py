"""Credential types: one module per type, each declaring `CREDENTIAL_TYPE` once, as data.

Adding a type is adding a module here; `registry` finds it. `model` and `registry` are the only
modules that declare no type.
"""

from relayflow.credentials.types.model import CredentialProperty, CredentialType

__all__ = ["CredentialProperty", "CredentialType"]
