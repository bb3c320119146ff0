"""The key format: prefix, length, alphabet and a CRC32 checksum checked without any I/O."""

from __future__ import annotations

import asyncio
import string
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relayflow.auth import key_format
from relayflow.auth.pepper import derive_pepper
from relayflow.auth.verifier import AuthPolicies, KeyVerifier
from relayflow.core.coherence import FileAuthEpoch
from relayflow.core.errors import Unauthorized
from relayflow.core.gate import LocalAuthGate
from relayflow.core.ids import BASE62
from relayflow.core.ratelimit import LocalRateLimiter, Policy
from relayflow.db.session import Database
from relayflow.license.service import LicenseService


def test_generate_should_make_well_formed_keys_of_fixed_length() -> None:
    keys = {key_format.generate() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert key.startswith("n8n_api_")
        assert len(key) == key_format.KEY_LENGTH == 8 + 40 + 6
        assert set(key[8:]) <= set(BASE62)
        assert key_format.is_well_formed(key)


def test_checksum_should_be_base62_crc32_of_the_rest() -> None:
    key = key_format.generate()
    body, check = key[:-6], key[-6:]
    value = 0
    for char in check:
        value = value * 62 + BASE62.index(char)
    assert value == zlib.crc32(body.encode())


def test_random_part_should_carry_at_least_190_bits() -> None:
    import math

    assert key_format.RANDOM_LENGTH * math.log2(62) >= 190


@given(st.data())
def test_any_single_character_change_should_be_rejected(data: st.DataObject) -> None:
    key = key_format.generate()
    position = data.draw(st.integers(0, len(key) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_letters + string.digits + "_-"))
    mutated = key[:position] + replacement + key[position + 1 :]
    assert key_format.is_well_formed(mutated) == (mutated == key)


@pytest.mark.parametrize("foreign", ["é", "٣", "Ａ", "ß", "²"])
def test_non_ascii_letters_and_digits_should_be_rejected(foreign: str) -> None:
    """Unicode calls these alphanumeric; the key alphabet is ASCII base62 only."""
    key = key_format.generate()
    for position in (8, 30, len(key) - 1):
        assert not key_format.is_well_formed(key[:position] + foreign + key[position + 1 :])


def test_cache_keys_should_be_keyed_per_process_and_differ_from_the_stored_hash() -> None:
    key = key_format.generate()
    first, second = key_format.CacheKeys(), key_format.CacheKeys()
    assert first.of(key) == first.of(key) != second.of(key)
    assert first.of(key) != first.of(key_format.generate())
    assert key.encode() not in first.of(key)
    assert first.of(key).hex() != key_format.digest(derive_pepper("x"), key)


@given(st.text(max_size=80))
def test_arbitrary_text_should_never_pass(text: str) -> None:
    assert not key_format.is_well_formed(text)


def test_redaction_should_keep_only_the_last_four_characters() -> None:
    assert key_format.redact("cdef") == "n8n_api_••••••••••••cdef"


def test_digest_should_be_keyed_by_the_pepper() -> None:
    key = key_format.generate()
    first = key_format.digest(derive_pepper("secret-one"), key)
    second = key_format.digest(derive_pepper("secret-two"), key)
    assert first != second and len(first) == 64
    assert derive_pepper("secret-one", 1) != derive_pepper("secret-one", 2)


def test_malformed_keys_should_be_refused_before_any_database_work(tmp_path: Path) -> None:
    """A verifier whose database cannot be reached still refuses bad keys with a 401.

    Had it looked anything up, the connection error would surface instead of the refusal; the
    audit record of the failure is written in the background and fails quietly here.
    """
    database = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    policy = Policy.parse("p", "1000/second")
    verifier = KeyVerifier(
        database,
        derive_pepper("x"),
        FileAuthEpoch(tmp_path / "missing" / "epoch"),
        LicenseService(None, []),
        LocalAuthGate(LocalRateLimiter(), FileAuthEpoch(tmp_path / "missing" / "epoch")),
        AuthPolicies(policy, policy, policy),
    )

    async def attempt(raw: str) -> str:
        try:
            await verifier.authenticate(raw, "127.0.0.1")
        except Unauthorized as exc:
            return exc.message
        finally:
            await verifier.drain()
        return "accepted"

    async def run() -> list[str]:
        good = key_format.generate()
        bad = [good[:-1] + ("0" if good[-1] != "0" else "1"), "n8n_api_short", "x" * 54]
        return [await attempt(raw) for raw in bad]

    assert asyncio.run(run()) == ["unauthorized"] * 3
