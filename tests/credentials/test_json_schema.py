"""JSON Schema of credential types (n8n's `toJsonSchema` facts) and validation of their data."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from relayflow.core.errors import BadRequest
from relayflow.credentials.json_schema import to_json_schema
from relayflow.credentials.types import registry
from relayflow.credentials.types.model import CredentialProperty, CredentialType
from relayflow.credentials.validation import validate_data


def _type(name: str) -> CredentialType:
    credential_type = registry.get(name)
    assert credential_type is not None
    return credential_type


def _problems(type_name: str, data: Any) -> str:
    with pytest.raises(BadRequest) as caught:
        validate_data(_type(type_name), data)
    return caught.value.message


def _defaults(credential_type: CredentialType) -> dict[str, Any]:
    defaults = {
        p.name: p.default
        for p in credential_type.properties
        if p.type != "hidden" and p.default is not None
    }
    return {
        name: value
        for name, value in defaults.items()
        if all(
            defaults.get(dep) in values
            for dep, values in _get(credential_type, name).display_options_show.items()
        )
    }


def _get(credential_type: CredentialType, name: str) -> CredentialProperty:
    prop = credential_type.get_property(name)
    assert prop is not None
    return prop


OAUTH2 = {"accessTokenUrl": "https://idp/token", "clientId": "id", "clientSecret": "s3cr3t"}


class TestSchemaShape:
    @pytest.mark.parametrize("credential_type", registry.all(), ids=lambda t: t.name)
    def test_every_schema_is_valid_json_schema(self, credential_type: CredentialType) -> None:
        Draft202012Validator.check_schema(to_json_schema(credential_type))

    @pytest.mark.parametrize("credential_type", registry.all(), ids=lambda t: t.name)
    def test_every_type_accepts_its_own_defaults(self, credential_type: CredentialType) -> None:
        data = _defaults(credential_type)
        assert validate_data(credential_type, data) == data

    def test_ftp_schema_matches_n8ns_own_test(self) -> None:
        schema = to_json_schema(_type("ftp"))
        assert schema["additionalProperties"] is False
        assert schema["type"] == "object"
        for name in ("host", "username", "password"):
            assert schema["properties"][name]["type"] == "string"
        assert schema["properties"]["port"]["type"] == "number"
        assert {"host", "port"} <= set(schema["required"])
        assert "allOf" not in schema

    def test_hidden_properties_are_left_out(self) -> None:
        assert "oauthTokenData" not in to_json_schema(_type("oAuth2Api"))["properties"]

    def test_options_become_a_string_enum(self) -> None:
        ssl = to_json_schema(_type("postgres"))["properties"]["ssl"]
        assert ssl == {
            "type": "string",
            "enum": ["disable", "allow", "require", "verify", "verify-full"],
        }

    def test_json_properties_are_json_strings(self) -> None:
        assert to_json_schema(_type("httpCustomAuth"))["properties"]["json"] == {"type": "string"}

    def test_conditionally_shown_field_is_not_globally_required(self) -> None:
        schema = to_json_schema(_type("oAuth2Api"))
        assert "authUrl" not in schema["required"]
        assert set(schema["required"]) == {"accessTokenUrl", "clientId", "clientSecret"}

    def test_fields_sharing_a_condition_share_one_allof_entry(self) -> None:
        (entry,) = to_json_schema(_type("oAuth2Api"))["allOf"]
        assert entry["if"]["properties"] == {"grantType": {"enum": ["authorizationCode", "pkce"]}}
        assert entry["then"] == {"allOf": [{"required": ["authUrl"]}]}
        assert entry["else"] == {
            "allOf": [
                {"not": {"required": ["authUrl"]}},
                {"not": {"required": ["authQueryParameters"]}},
            ]
        }

    def test_different_conditions_make_different_entries(self) -> None:
        entries = to_json_schema(_type("jwtAuth"))["allOf"]
        assert [e["if"]["properties"]["keyType"]["enum"] for e in entries] == [
            ["passphrase"],
            ["pemKey"],
        ]

    def test_a_dependency_on_false_becomes_an_if_then_else_entry(self) -> None:
        schema = to_json_schema(_type("smtp"))
        assert "disableStartTls" not in schema["required"]
        (entry,) = schema["allOf"]
        assert entry["if"]["properties"] == {"secure": {"enum": [False]}}
        assert entry["else"] == {"allOf": [{"not": {"required": ["disableStartTls"]}}]}
        assert "then" not in entry  # disableStartTls is optional even when shown

    def test_if_requires_a_dependency_only_when_its_default_fails_the_condition(self) -> None:
        passphrase, pem = to_json_schema(_type("jwtAuth"))["allOf"]
        assert "required" not in passphrase["if"]  # absent keyType means passphrase
        assert pem["if"]["required"] == ["keyType"]

    def test_a_boolean_condition_is_not_met_by_a_number(self) -> None:
        toggle = CredentialProperty("on", "On", type="boolean", default=0)
        extra = CredentialProperty("extra", "Extra", display_options_show={"on": [False]})
        schema = to_json_schema(CredentialType("t", "T", (toggle, extra)))
        assert schema["allOf"][0]["if"]["required"] == ["on"]


class TestConditionalRules:
    def test_authorization_code_requires_auth_url(self) -> None:
        data = {**OAUTH2, "grantType": "authorizationCode"}
        assert _problems("oAuth2Api", data) == 'request.body.data requires property "authUrl"'
        validate_data(_type("oAuth2Api"), {**data, "authUrl": "https://idp/authorize"})

    def test_pkce_requires_auth_url_too(self) -> None:
        data = {**OAUTH2, "grantType": "pkce"}
        assert _problems("oAuth2Api", data) == 'request.body.data requires property "authUrl"'

    @pytest.mark.parametrize("grant", [{"grantType": "clientCredentials"}, {}])
    def test_client_credentials_refuses_auth_url(self, grant: dict[str, str]) -> None:
        data = {**OAUTH2, **grant, "authUrl": "https://idp/authorize"}
        assert _problems("oAuth2Api", data) == (
            "request.body.data.authUrl is not allowed unless grantType is authorizationCode or pkce"
        )

    def test_client_credentials_needs_no_auth_url(self) -> None:
        validate_data(_type("oAuth2Api"), {**OAUTH2, "grantType": "clientCredentials"})
        validate_data(_type("oAuth2Api"), OAUTH2)

    def test_clients_cannot_write_the_token_cache(self) -> None:
        assert "oauthTokenData" in _problems("oAuth2Api", {**OAUTH2, "oauthTokenData": {}})

    def test_jwt_passphrase_needs_secret_and_refuses_keys(self) -> None:
        validate_data(_type("jwtAuth"), {"keyType": "passphrase", "secret": "x"})
        validate_data(_type("jwtAuth"), {"secret": "x"})
        assert _problems("jwtAuth", {"keyType": "passphrase"}) == (
            'request.body.data requires property "secret"'
        )
        assert _problems("jwtAuth", {"secret": "x", "privateKey": "k"}) == (
            "request.body.data.privateKey is not allowed unless keyType is pemKey"
        )

    def test_jwt_pem_key_needs_private_key_and_refuses_secret(self) -> None:
        validate_data(_type("jwtAuth"), {"keyType": "pemKey", "privateKey": "k", "publicKey": "p"})
        message = _problems("jwtAuth", {"keyType": "pemKey", "secret": "x"})
        assert message == (
            "request.body.data.secret is not allowed unless keyType is passphrase, "
            'request.body.data requires property "privateKey"'
        )

    def test_smtp_disable_starttls_only_when_not_secure(self) -> None:
        validate_data(_type("smtp"), {"host": "mail", "secure": False, "disableStartTls": True})
        validate_data(_type("smtp"), {"host": "mail", "secure": False})
        for secure in ({"secure": True}, {}):
            assert _problems("smtp", {"host": "mail", **secure, "disableStartTls": True}) == (
                "request.body.data.disableStartTls is not allowed unless secure is false"
            )


class TestValidationMessages:
    def test_each_failing_property_is_named_and_comma_joined(self) -> None:
        message = _problems("ftp", {"port": "21", "user": "bob"})
        assert message.split(", ") == [
            'request.body.data is not allowed to have the additional property "user"',
            "request.body.data.port is not of a type(s) number",
            'request.body.data requires property "host"',
        ]

    def test_every_missing_required_property_is_named(self) -> None:
        assert _problems("ftp", {}) == (
            'request.body.data requires property "host", request.body.data requires property "port"'
        )

    def test_an_option_outside_the_enum_lists_the_allowed_values(self) -> None:
        assert _problems("postgres", {"ssl": "sometimes"}) == (
            "request.body.data.ssl is not one of enum values: "
            "disable,allow,require,verify,verify-full"
        )

    @pytest.mark.parametrize("data", [[], "x", None, 3, ["host"]])
    def test_data_that_is_not_an_object_is_refused(self, data: Any) -> None:
        assert _problems("ftp", data) == "request.body.data is not of a type(s) object"

    def test_booleans_are_not_numbers(self) -> None:
        assert _problems("redis", {"port": True}) == (
            "request.body.data.port is not of a type(s) number"
        )

    def test_json_fields_must_hold_parsable_json(self) -> None:
        validate_data(_type("httpCustomAuth"), {"json": '{"headers": {"X-Key": "k"}}'})
        assert _problems("httpCustomAuth", {"json": "{not json"}) == (
            "request.body.data.json is not valid JSON"
        )
        assert _problems("httpCustomAuth", {"json": {"headers": {}}}) == (
            "request.body.data.json is not of a type(s) string"
        )

    def test_odd_property_names_are_quoted_in_paths(self) -> None:
        message = _problems("ftp", {"host": "h", "port": 21, "bad-name": 1})
        assert (
            message == 'request.body.data is not allowed to have the additional property "bad-name"'
        )

    def test_messages_never_echo_submitted_values(self) -> None:
        secret = "hunter2-very-secret"
        assert "hunter2" not in _problems("ftp", {"host": 42, "port": secret, "password": 42})
        assert "hunter2" not in _problems("postgres", {"ssl": secret})
        assert "hunter2" not in _problems("httpCustomAuth", {"json": secret})

    def test_defaults_are_not_injected(self) -> None:
        data = {"host": "db.internal", "port": 21}
        assert validate_data(_type("ftp"), data) == {"host": "db.internal", "port": 21}

    def test_the_returned_data_is_a_copy(self) -> None:
        data = {"host": "h", "port": 21}
        result = validate_data(_type("ftp"), data)
        assert result == data and result is not data
