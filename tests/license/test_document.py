"""Licence documents: issue, verify, and every way a licence is refused."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relayflow.core.clock import from_unix, utcnow
from relayflow.license.document import (
    MAGIC,
    PROJECT_PUBLIC_KEYS,
    LicenseError,
    generate_keypair,
    issue,
    load_private_key,
    verify,
)


class Signer:
    """A signing key pair, as `relayflow license keygen` makes one."""

    def __init__(self) -> None:
        pem, self.public_key = generate_keypair()
        self.key = load_private_key(pem.encode())

    def issue(self, expires_in: int | None = 3600, issued_to: str = "ACME") -> str:
        expires_at = None if expires_in is None else int(time.time()) + expires_in
        return issue(self.key, ["apiKeyScopes"], expires_at, issued_to)

    def sign_payload(self, payload: object) -> str:
        """A correctly signed document around any payload (to reach the payload checks)."""
        body = _b64(json.dumps(payload).encode())
        signature = self.key.sign(f"{MAGIC}.{body}".encode())
        return f"{MAGIC}.{body}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="module")
def stranger() -> Signer:
    """A key pair nobody trusts."""
    return Signer()


class TestIssueAndVerify:
    def test_verify_should_return_what_was_issued(self, signer: Signer) -> None:
        expires_at = int(time.time()) + 3600
        text = issue(signer.key, ["apiKeyScopes"], expires_at, "ACME Ltd")

        licence = verify(text, [signer.public_key])

        assert text.startswith("rflic1.")
        assert text.count(".") == 2
        assert licence.features == ("apiKeyScopes",)
        assert licence.issued_to == "ACME Ltd"
        assert licence.expires_at == from_unix(expires_at)
        assert abs(licence.issued_at - utcnow()) < timedelta(seconds=60)
        assert licence.id
        assert not licence.is_expired()

    def test_verify_should_accept_a_licence_without_expiry(self, signer: Signer) -> None:
        licence = verify(signer.issue(expires_in=None), [signer.public_key])

        assert licence.expires_at is None
        assert not licence.is_expired(utcnow() + timedelta(days=365 * 100))

    def test_verify_should_ignore_surrounding_whitespace(self, signer: Signer) -> None:
        licence = verify(f"  {signer.issue()}\n", [signer.public_key])

        assert licence.features == ("apiKeyScopes",)

    def test_each_issue_should_get_a_new_id(self, signer: Signer) -> None:
        first = verify(signer.issue(), [signer.public_key])
        second = verify(signer.issue(), [signer.public_key])

        assert first.id != second.id

    @pytest.mark.parametrize("order", ["signer-first", "signer-last"])
    def test_verify_should_accept_a_licence_signed_by_any_trusted_key(
        self, signer: Signer, stranger: Signer, order: str
    ) -> None:
        other = Signer()
        trusted = [signer.public_key, stranger.public_key, other.public_key]
        if order == "signer-last":
            trusted.reverse()

        assert verify(signer.issue(), trusted).features == ("apiKeyScopes",)
        assert verify(other.issue(), trusted).features == ("apiKeyScopes",)


class TestIssueRefusals:
    def test_issue_should_refuse_unknown_features(self, signer: Signer) -> None:
        with pytest.raises(LicenseError, match=r"unknown features: sso, ldap; known: apiKeyScopes"):
            issue(signer.key, ["apiKeyScopes", "sso", "ldap"], None)

    def test_issue_should_refuse_a_wrongly_cased_feature(self, signer: Signer) -> None:
        with pytest.raises(LicenseError, match="unknown features: apikeyscopes"):
            issue(signer.key, ["apikeyscopes"], None)

    def test_issue_should_refuse_no_features(self, signer: Signer) -> None:
        with pytest.raises(LicenseError, match="none given"):
            issue(signer.key, [], None)


class TestVerifyRefusals:
    def test_verify_should_refuse_a_forged_licence(self, signer: Signer, stranger: Signer) -> None:
        forged = stranger.issue()

        with pytest.raises(LicenseError) as refused:
            verify(forged, [signer.public_key])

        assert str(refused.value) == "the licence signature does not match any trusted public key"

    def test_verify_should_refuse_a_test_licence_against_the_project_key(
        self, signer: Signer
    ) -> None:
        with pytest.raises(LicenseError, match="signature does not match"):
            verify(signer.issue(), PROJECT_PUBLIC_KEYS)

    @pytest.mark.parametrize(
        "change",
        [
            {"features": ["apiKeyScopes", "sso"]},
            {"expiresAt": None},
            {"issuedTo": "Someone Else"},
        ],
        ids=["features", "expiry", "issued-to"],
    )
    def test_verify_should_refuse_a_tampered_payload(
        self, signer: Signer, change: dict[str, object]
    ) -> None:
        magic, body, signature = signer.issue().split(".")
        payload = json.loads(_unb64(body))
        payload.update(change)
        tampered = f"{magic}.{_b64(json.dumps(payload).encode())}.{signature}"

        with pytest.raises(LicenseError, match="signature does not match"):
            verify(tampered, [signer.public_key])

    def test_verify_should_refuse_a_tampered_signature(self, signer: Signer) -> None:
        magic, body, signature = signer.issue().split(".")
        raw = bytearray(_unb64(signature))
        raw[0] ^= 0x01
        tampered = f"{magic}.{body}.{_b64(bytes(raw))}"

        with pytest.raises(LicenseError, match="signature does not match"):
            verify(tampered, [signer.public_key])

    def test_verify_should_refuse_an_expired_licence(self, signer: Signer) -> None:
        expired = issue(signer.key, ["apiKeyScopes"], int(time.time()) - 10)

        with pytest.raises(LicenseError, match=r"^the licence expired at \d{4}-\d\d-\d\d "):
            verify(expired, [signer.public_key])

    def test_verify_should_refuse_a_licence_once_its_end_has_passed(self, signer: Signer) -> None:
        text = signer.issue(expires_in=3600)
        licence = verify(text, [signer.public_key])
        assert licence.expires_at is not None

        assert licence.is_expired(licence.expires_at)
        assert not licence.is_expired(licence.expires_at - timedelta(seconds=1))
        with pytest.raises(LicenseError, match="expired"):
            verify(text, [signer.public_key], now=licence.expires_at + timedelta(seconds=1))

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "garbage",
            "n8n_api_abc",
            "rflic1",
            "rflic1.onlytwo",
            "rflic1.a.b.c",
            "rflic2.eyJ9.c2ln",
            "RFLIC1.eyJ9.c2ln",
        ],
    )
    def test_verify_should_refuse_a_malformed_string(self, signer: Signer, text: str) -> None:
        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(text, [signer.public_key])

    def test_verify_should_refuse_a_wrong_magic_on_a_signed_document(self, signer: Signer) -> None:
        _, body, signature = signer.issue().split(".")

        with pytest.raises(LicenseError, match=r"^the licence is malformed: expected rflic1"):
            verify(f"rflic9.{body}.{signature}", [signer.public_key])

    @pytest.mark.parametrize("part", ["payload", "signature"])
    @pytest.mark.parametrize("junk", ["%%%%", "a", "a b c d", "ünï©ødé"])
    def test_verify_should_refuse_bad_base64_as_malformed(
        self, signer: Signer, part: str, junk: str
    ) -> None:
        magic, body, signature = signer.issue().split(".")
        text = f"{magic}.{junk}.{signature}" if part == "payload" else f"{magic}.{body}.{junk}"

        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(text, [signer.public_key])

    @pytest.mark.parametrize("part", ["payload", "signature"])
    def test_verify_should_refuse_foreign_characters_inside_a_genuine_part(
        self, signer: Signer, part: str
    ) -> None:
        # A lenient base64 decoder would skip "!!!!" and accept the mangled licence.
        magic, body, signature = signer.issue().split(".")
        if part == "payload":
            body = f"{body[:8]}!!!!{body[8:]}"
        else:
            signature = f"{signature[:8]}!!!!{signature[8:]}"

        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(f"{magic}.{body}.{signature}", [signer.public_key])

    def test_verify_should_refuse_a_payload_that_is_not_json(self, signer: Signer) -> None:
        body = _b64(b"not json at all")
        signature = _b64(signer.key.sign(f"{MAGIC}.{body}".encode()))

        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(f"{MAGIC}.{body}.{signature}", [signer.public_key])

    @pytest.mark.parametrize("payload", [[1, 2], "text", 42, None])
    def test_verify_should_refuse_a_payload_that_is_not_an_object(
        self, signer: Signer, payload: object
    ) -> None:
        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(signer.sign_payload(payload), [signer.public_key])

    @pytest.mark.parametrize("missing", ["id", "features", "issuedAt"])
    def test_verify_should_refuse_a_signed_payload_missing_a_field(
        self, signer: Signer, missing: str
    ) -> None:
        payload = {
            "id": "lic1",
            "issuedTo": "ACME",
            "features": ["apiKeyScopes"],
            "issuedAt": int(time.time()),
            "expiresAt": None,
        }
        del payload[missing]

        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(signer.sign_payload(payload), [signer.public_key])

    @pytest.mark.parametrize(
        "change",
        [{"issuedAt": "yesterday"}, {"expiresAt": "soon"}, {"features": None}],
        ids=["issued-at", "expires-at", "features"],
    )
    def test_verify_should_refuse_a_signed_payload_with_a_wrong_type(
        self, signer: Signer, change: dict[str, object]
    ) -> None:
        payload: dict[str, object] = {
            "id": "lic1",
            "features": ["apiKeyScopes"],
            "issuedAt": int(time.time()),
        }
        payload.update(change)

        with pytest.raises(LicenseError, match=r"^the licence is malformed"):
            verify(signer.sign_payload(payload), [signer.public_key])


class TestTrustedKeys:
    @pytest.mark.parametrize(
        "bad",
        [
            "not-a-key",
            "",
            base64.b64encode(b"sixteen bytes!!!").decode(),
            "9pVAtppfog84lGeQZ1eVeXlIDL_lELxKBuRmOetGjLs=",
        ],
        ids=["text", "empty", "too-short", "urlsafe-alphabet"],
    )
    def test_verify_should_name_an_invalid_trusted_public_key(
        self, signer: Signer, bad: str
    ) -> None:
        with pytest.raises(LicenseError) as refused:
            verify(signer.issue(), [signer.public_key, bad])

        assert str(refused.value) == f"the trusted public key {bad!r} is not a base64 Ed25519 key"

    def test_project_public_keys_should_be_valid_keys(self, signer: Signer) -> None:
        # A licence from elsewhere is refused for its signature, not for a broken project key.
        with pytest.raises(LicenseError, match="signature does not match"):
            verify(signer.issue(), list(PROJECT_PUBLIC_KEYS))


class TestPrivateKeys:
    def test_load_private_key_should_refuse_garbage(self) -> None:
        with pytest.raises(LicenseError, match=r"^cannot read the private key"):
            load_private_key(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")

    def test_load_private_key_should_refuse_a_non_ed25519_key(self) -> None:
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

        with pytest.raises(LicenseError, match="not an Ed25519 key"):
            load_private_key(pem)

    def test_generate_keypair_should_pair_the_private_and_public_halves(self) -> None:
        pem, public = generate_keypair()
        key = load_private_key(pem.encode())
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

        assert isinstance(key, Ed25519PrivateKey)
        assert base64.b64decode(public) == raw
        assert len(raw) == 32
