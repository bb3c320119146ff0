"""The credential type registry and the types declared in it."""

from __future__ import annotations

import pkgutil
import textwrap
from pathlib import Path

import pytest

from relayflow.credentials import types as types_package
from relayflow.credentials.types import registry
from relayflow.credentials.types.model import CredentialProperty, CredentialType
from relayflow.credentials.validation import hidden_fields, secret_fields

REQUIRED_TYPES = {
    "httpHeaderAuth",
    "httpBasicAuth",
    "httpQueryAuth",
    "httpBearerAuth",
    "httpCustomAuth",
    "oAuth2Api",
    "jwtAuth",
    "postgres",
    "redis",
    "smtp",
    "ftp",
}


def test_registry_finds_every_required_type() -> None:
    assert set(registry.names()) >= REQUIRED_TYPES
    assert all(registry.get(name) is not None for name in REQUIRED_TYPES)


def test_get_unknown_type_is_none() -> None:
    assert registry.get("nope") is None
    assert registry.get("FTP") is None


def test_registry_holds_exactly_one_type_per_module_of_the_package() -> None:
    modules = {info.name for info in pkgutil.iter_modules(types_package.__path__)}
    assert len(registry.all()) == len(modules - {"model", "registry"})


def test_all_is_ordered_by_name_and_matches_names() -> None:
    assert [t.name for t in registry.all()] == sorted(registry.names())


def _write_package(root: Path, name: str, modules: dict[str, str]) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))


TYPE_MODULE = """
    from relayflow.credentials.types.model import CredentialProperty, CredentialType

    CREDENTIAL_TYPE = CredentialType(
        name="{name}", display_name="X", properties=(CredentialProperty("token", "Token"),),
    )
"""


def test_adding_a_module_registers_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_package(
        tmp_path,
        "extra_types_a",
        {
            "acme_api": TYPE_MODULE.format(name="acmeApi"),
            "beta_api": TYPE_MODULE.format(name="betaApi"),
            "_private": "X = 1\n",
        },
    )
    found = registry.discover("extra_types_a")
    assert list(found) == ["acmeApi", "betaApi"]


def test_a_module_without_a_type_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_package(tmp_path, "extra_types_b", {"stray": "X = 1\n"})
    with pytest.raises(TypeError, match="stray declares no CREDENTIAL_TYPE"):
        registry.discover("extra_types_b")


def test_a_type_declared_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_package(
        tmp_path,
        "extra_types_c",
        {
            "one": TYPE_MODULE.format(name="same"),
            "two": TYPE_MODULE.format(name="same"),
        },
    )
    with pytest.raises(ValueError, match="declared twice"):
        registry.discover("extra_types_c")


@pytest.mark.parametrize(
    ("type_name", "fields"),
    [
        ("httpHeaderAuth", ["name", "value"]),
        ("httpBasicAuth", ["user", "password"]),
        ("httpQueryAuth", ["name", "value"]),
        ("httpBearerAuth", ["token"]),
        ("httpCustomAuth", ["json"]),
        (
            "oAuth2Api",
            [
                "grantType",
                "authUrl",
                "accessTokenUrl",
                "clientId",
                "clientSecret",
                "scope",
                "authQueryParameters",
                "authentication",
                "oauthTokenData",
            ],
        ),
        ("jwtAuth", ["keyType", "secret", "privateKey", "publicKey", "algorithm"]),
        ("postgres", ["host", "database", "user", "password", "port", "ssl"]),
        ("redis", ["password", "host", "port", "database", "ssl"]),
        ("smtp", ["user", "password", "host", "port", "secure", "disableStartTls"]),
        ("ftp", ["host", "port", "username", "password"]),
    ],
)
def test_each_type_has_the_fields_n8n_users_know(type_name: str, fields: list[str]) -> None:
    credential_type = registry.get(type_name)
    assert credential_type is not None
    assert [p.name for p in credential_type.properties] == fields


@pytest.mark.parametrize(
    ("type_name", "secrets"),
    [
        ("httpHeaderAuth", {"value"}),
        ("httpBasicAuth", {"password"}),
        ("httpBearerAuth", {"token"}),
        ("httpCustomAuth", {"json"}),
        ("oAuth2Api", {"clientSecret", "oauthTokenData"}),
        ("jwtAuth", {"secret", "privateKey"}),
        ("postgres", {"password"}),
        ("redis", {"password"}),
        ("smtp", {"password"}),
        ("ftp", {"password"}),
    ],
)
def test_secret_fields_are_password_and_hidden_fields(type_name: str, secrets: set[str]) -> None:
    credential_type = registry.get(type_name)
    assert credential_type is not None
    assert secret_fields(credential_type) == secrets


def test_hidden_fields_are_the_server_managed_ones() -> None:
    oauth2 = registry.get("oAuth2Api")
    assert oauth2 is not None
    assert hidden_fields(oauth2) == {"oauthTokenData"}


def test_documented_defaults() -> None:
    defaults = {(t.name, p.name): p.default for t in registry.all() for p in t.properties}
    assert defaults[("oAuth2Api", "grantType")] == "clientCredentials"
    assert defaults[("postgres", "host")] == "localhost"
    assert defaults[("postgres", "port")] == 5432
    assert defaults[("redis", "port")] == 6379
    assert defaults[("redis", "database")] == 0
    assert defaults[("smtp", "port")] == 465
    assert defaults[("smtp", "secure")] is True
    assert defaults[("ftp", "port")] == 21


@pytest.mark.parametrize("credential_type", registry.all(), ids=lambda t: t.name)
def test_option_defaults_are_among_the_options(credential_type: CredentialType) -> None:
    for prop in credential_type.properties:
        if prop.type == "options" and prop.default is not None:
            assert prop.default in prop.option_values


def test_options_belong_only_to_options_fields() -> None:
    with pytest.raises(ValueError, match="options"):
        CredentialProperty("a", "A", type="options")
    with pytest.raises(ValueError, match="options"):
        CredentialProperty("a", "A", options=(("x", "X"),))


def test_only_string_or_json_fields_can_be_passwords() -> None:
    with pytest.raises(ValueError, match="password"):
        CredentialProperty("a", "A", type="number", password=True)


def test_a_type_refuses_duplicate_or_dangling_properties() -> None:
    with pytest.raises(ValueError, match="unique"):
        CredentialType("t", "T", (CredentialProperty("a", "A"), CredentialProperty("a", "A")))
    with pytest.raises(ValueError, match="unknown"):
        CredentialType("t", "T", (CredentialProperty("a", "A", display_options_show={"b": [1]}),))
