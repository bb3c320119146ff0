"""Checks a credential's `data` against its type's schema, in n8n's error words; names secrets.

Messages name the failing property but never echo a submitted value, so no secret can leak
through an error. Defaults are not injected (n8n does not either).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from relayflow.core.errors import BadRequest
from relayflow.credentials.json_schema import to_json_schema
from relayflow.credentials.types.model import CredentialType

PREFIX = "request.body.data"


def validate_data(credential_type: CredentialType, data: object) -> dict[str, Any]:
    """`data` if it fits `credential_type`; else BadRequest naming each failing property."""
    if not isinstance(data, dict):
        raise BadRequest(f"{PREFIX} is not of a type(s) object")
    schema = to_json_schema(credential_type)
    problems = [
        message
        for error in Draft202012Validator(schema).iter_errors(data)
        for message in _messages(error, schema)
    ]
    problems.extend(_unparsable_json(credential_type, data))
    if problems:
        raise BadRequest(", ".join(dict.fromkeys(problems)))
    return dict(data)


def secret_fields(credential_type: CredentialType) -> set[str]:
    """Fields whose values must be redacted: password-marked and hidden ones."""
    return {p.name for p in credential_type.properties if p.password or p.type == "hidden"}


def hidden_fields(credential_type: CredentialType) -> set[str]:
    """Server-managed fields such as `oauthTokenData`: not in the schema, refused from clients."""
    return {p.name for p in credential_type.properties if p.type == "hidden"}


def _messages(error: ValidationError, schema: dict[str, Any]) -> Iterator[str]:
    where = _path(error.absolute_path)
    instance: Any = error.instance
    value: Any = error.validator_value
    match error.validator:
        case "required":
            yield from (
                f'{where} requires property "{name}"'
                for name in value
                if isinstance(instance, dict) and name not in instance
            )
        case "additionalProperties":
            known = schema["properties"]
            yield from (
                f'{where} is not allowed to have the additional property "{name}"'
                for name in instance
                if name not in known
            )
        case "type":
            expected = value if isinstance(value, str) else ",".join(value)
            yield f"{where} is not of a type(s) {expected}"
        case "enum":
            yield f"{where} is not one of enum values: {','.join(map(_show, value))}"
        case "not" if isinstance(value, dict) and "required" in value:
            for name in value["required"]:
                field = _path([*error.absolute_path, name])
                yield f"{field} is not allowed unless {_condition(error, schema)}"
        case _:
            yield f"{where} does not match the schema ({error.validator})"


def _condition(error: ValidationError, schema: dict[str, Any]) -> str:
    """The `if` of the allOf entry an else-branch error came from, in words."""
    steps = list(error.absolute_schema_path)
    entry = schema["allOf"][steps[1]]
    rules = entry["if"]["properties"].items()
    return " and ".join(
        f"{name} is " + " or ".join(map(_show, rule["enum"])) for name, rule in rules
    )


def _unparsable_json(credential_type: CredentialType, data: dict[str, Any]) -> Iterator[str]:
    for prop in credential_type.properties:
        value = data.get(prop.name)
        if prop.type != "json" or not isinstance(value, str):
            continue
        try:
            json.loads(value)
        except ValueError:
            yield f"{_path([prop.name])} is not valid JSON"


def _path(parts: Iterable[str | int]) -> str:
    text = PREFIX
    for part in parts:
        is_name = isinstance(part, str) and part.isidentifier()
        text += f".{part}" if is_name else f"[{json.dumps(part)}]"
    return text


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
