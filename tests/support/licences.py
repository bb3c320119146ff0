"""Test licences, signed by a key pair made for the session."""

from __future__ import annotations

import time
from pathlib import Path

from relayflow.license.document import generate_keypair, issue, load_private_key


class LicenceIssuer:
    """Issues licences the test servers trust (their `license_public_keys`)."""

    def __init__(self, directory: Path) -> None:
        pem, self.public_key = generate_keypair()
        self.private_key_path = directory / "licence-signing.pem"
        self.private_key_path.write_text(pem)
        self._key = load_private_key(pem.encode())

    def issue(self, features: list[str], expires_in: int | None = 3600) -> str:
        """A licence for `features`, expiring `expires_in` seconds from now (None: never)."""
        expires_at = None if expires_in is None else int(time.time()) + expires_in
        return issue(self._key, features, expires_at, "Relayflow tests")
