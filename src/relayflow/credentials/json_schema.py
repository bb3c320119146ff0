"""A credential type's data as JSON Schema: the shape of n8n's `GET /credentials/schema/{type}`.

`{type: object, additionalProperties: false, properties, required, allOf?}`. Hidden properties are
left out. A `json` property is `{type: string}`: its value is a JSON document *in a string*, as
n8n stores it; `validation` also checks that the string parses.

A property with `display_options_show` is never globally required. Properties that share one
condition make one `allOf` entry: `if` the condition holds, `then` the required ones must be
present, `else` none of them may be. A dependency on `false` is a value like any other.

One refinement over n8n: when a dependency is absent from the data it counts as its default, so
`if` also requires each dependency whose default the condition does not accept. Without it an
absent `grantType` would vacuously match `authorizationCode` and demand `authUrl`, although the
default grant is `clientCredentials`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from relayflow.credentials.types.model import CredentialProperty, CredentialType

Condition = tuple[tuple[str, tuple[Any, ...]], ...]


def to_json_schema(credential_type: CredentialType) -> dict[str, Any]:
    """The JSON Schema that `data` of `credential_type` must satisfy."""
    shown = [prop for prop in credential_type.properties if prop.type != "hidden"]
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {prop.name: property_schema(prop) for prop in shown},
        "required": [p.name for p in shown if p.required and not p.display_options_show],
    }
    groups: dict[Condition, list[CredentialProperty]] = {}
    for prop in shown:
        if prop.display_options_show:
            groups.setdefault(condition_of(prop), []).append(prop)
    if groups:
        schema["allOf"] = [
            _conditional(credential_type, condition, members)
            for condition, members in groups.items()
        ]
    return schema


def property_schema(prop: CredentialProperty) -> dict[str, Any]:
    """One property's schema: its JSON type, and the accepted values of an `options` field."""
    if prop.type == "options":
        return {"type": "string", "enum": prop.option_values}
    if prop.type == "json":
        return {"type": "string"}
    return {"type": prop.type}


def condition_of(prop: CredentialProperty) -> Condition:
    """A property's `display_options_show` as a hashable key, dependencies in declared order."""
    return tuple((name, tuple(values)) for name, values in prop.display_options_show.items())


def _conditional(
    credential_type: CredentialType, condition: Condition, members: Sequence[CredentialProperty]
) -> dict[str, Any]:
    test: dict[str, Any] = {
        "properties": {name: {"enum": list(values)} for name, values in condition}
    }
    absent_fails = [
        name for name, values in condition if not _accepts_default(credential_type, name, values)
    ]
    if absent_fails:
        test["required"] = absent_fails
    entry: dict[str, Any] = {"if": test}
    required = [{"required": [prop.name]} for prop in members if prop.required]
    if required:
        entry["then"] = {"allOf": required}
    entry["else"] = {"allOf": [{"not": {"required": [prop.name]}} for prop in members]}
    return entry


def _accepts_default(credential_type: CredentialType, name: str, values: tuple[Any, ...]) -> bool:
    dependency = credential_type.get_property(name)
    default = None if dependency is None else dependency.default
    # `False in (0,)` is true in Python, but JSON Schema's enum tells booleans from numbers.
    return any(type(value) is type(default) and value == default for value in values)
