"""Encryption-key rotation, and the API-key pepper that must survive it.

API-key hashes are peppered from the instance secret. Rotating the secret would orphan every
API key, so the first rotation stores the pepper in use, encrypted under the new key, and
every later start reads it from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.pepper import derive_pepper
from relayflow.core.clock import utcnow
from relayflow.core.crypto import Cipher, EncryptionKeyMismatch
from relayflow.credentials.repository import CredentialRepository
from relayflow.credentials.service import context
from relayflow.db.models import InstanceSetting

PEPPER_SETTING = "apiKey.pepper.v1"
PEPPER_CONTEXT = "instance:apiKey.pepper.v1"


async def stored_pepper(session: AsyncSession, cipher: Cipher) -> bytes | None:
    """The API-key pepper kept since a key rotation, if any (raises on a wrong key)."""
    row = await session.get(InstanceSetting, PEPPER_SETTING)
    if row is None:
        return None
    return bytes.fromhex(str(cipher.decrypt(row.value, PEPPER_CONTEXT)["pepper"]))


async def check_key(session: AsyncSession, cipher: Cipher) -> None:
    """Fail at once, changing nothing, if stored secrets were written with another key."""
    for value in await CredentialRepository(session).sample_data():
        key_id = Cipher.key_id_in(value)
        if key_id != cipher.key_id:
            raise EncryptionKeyMismatch(
                f"The encryption key does not match: credentials were encrypted with key "
                f"{key_id}, but RELAYFLOW_ENCRYPTION_KEY is key {cipher.key_id}"
            )


@dataclass(frozen=True, slots=True)
class RotationReport:
    """What a rotation did."""

    re_encrypted: int
    already_rotated: int


async def rotate(session: AsyncSession, old_secret: str, new_secret: str) -> RotationReport:
    """Re-encrypt every credential (and the kept pepper) under `new_secret`, in one transaction.

    Rows already under the new key are left alone, so a rotation that stopped halfway can be
    run again with the same new key.
    """
    old, new = Cipher(old_secret), Cipher(new_secret)
    done = skipped = 0
    for credential in await CredentialRepository(session).all_rows():
        key_id = Cipher.key_id_in(credential.data)
        if key_id == new.key_id:
            skipped += 1
            continue
        data = old.decrypt(credential.data, context(credential.id))
        credential.data = new.encrypt(data, context(credential.id))
        done += 1
    await _keep_pepper(session, old, new, old_secret)
    await session.flush()
    return RotationReport(done, skipped)


async def _keep_pepper(session: AsyncSession, old: Cipher, new: Cipher, old_secret: str) -> None:
    row = await session.get(InstanceSetting, PEPPER_SETTING)
    if row is None:
        pepper = derive_pepper(old_secret)
        session.add(
            InstanceSetting(
                key=PEPPER_SETTING,
                updated_at=utcnow(),
                value=new.encrypt({"pepper": pepper.hex()}, PEPPER_CONTEXT),
            )
        )
        return
    if Cipher.key_id_in(row.value) == new.key_id:
        return
    plain = old.decrypt(row.value, PEPPER_CONTEXT)
    row.value, row.updated_at = new.encrypt(plain, PEPPER_CONTEXT), utcnow()
