"""Which decrypted credential values a run must keep out of what it stores."""

from __future__ import annotations

from relayflow.executions.credential_source import secret_strings
from relayflow.executions.executor import HIDDEN, hide


def test_password_fields_should_be_secret_and_names_should_not() -> None:
    assert secret_strings("httpQueryAuth", {"name": "token", "value": "s3cret-value"}) == {
        "s3cret-value"
    }
    found = secret_strings("httpBasicAuth", {"user": "ada-lovelace", "password": "pa55word"})
    assert "pa55word" in found and "ada-lovelace" not in found


def test_the_encoded_forms_of_a_secret_should_be_secret_too() -> None:
    found = secret_strings("httpQueryAuth", {"name": "key", "value": 'k3y&v@lue "q"'})
    assert {"k3y%26v%40lue%20%22q%22", "k3y%26v%40lue+%22q%22", 'k3y&v@lue \\"q\\"'} <= found
    basic = secret_strings("httpBasicAuth", {"user": "alice", "password": "s3cr3t-pw"})
    assert "YWxpY2U6czNjcjN0LXB3" in basic


def test_each_value_inside_a_json_secret_should_be_secret() -> None:
    data = {"json": '{"headers": {"X-Key": "inner-secret"}, "qs": {"k": "other-secret"}}'}
    found = secret_strings("httpCustomAuth", data)
    assert {"inner-secret", "other-secret"} <= found
    assert "X-Key" not in found


def test_oauth2_tokens_should_be_secret_but_not_their_type() -> None:
    data = {
        "clientId": "client-id-1",
        "clientSecret": "client-secret-1",
        "oauthTokenData": {"access_token": "at-123456", "token_type": "Bearer"},
    }
    found = secret_strings("oAuth2Api", data)
    assert {"client-secret-1", "at-123456"} <= found
    assert "Bearer" not in found and "client-id-1" not in found


def test_short_values_should_not_be_scrubbed() -> None:
    assert secret_strings("httpBearerAuth", {"token": "abc"}) == set()


def test_hide_should_replace_secrets_in_keys_values_and_nested_text() -> None:
    data = {"headers": {"x-key": "Bearer at-123456"}, "at-123456": ["at-123456"]}
    assert hide(data, {"at-123456"}) == {
        "headers": {"x-key": f"Bearer {HIDDEN}"},
        HIDDEN: [HIDDEN],
    }


def test_numbers_in_a_json_secret_should_be_secret_too() -> None:
    data = {"json": '{"qs": {"pin": 98765432}, "headers": {"X-Flag": true}}'}
    found = secret_strings("httpCustomAuth", data)
    assert "98765432" in found and "True" not in found and "true" not in found


def test_a_secret_inside_a_longer_one_should_not_leave_the_rest_visible() -> None:
    secrets = {"abcd", "abcd-very-long-token-xyz"}
    assert hide({"echo": "abcd-very-long-token-xyz"}, secrets) == {"echo": HIDDEN}
