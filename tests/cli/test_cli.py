"""`relayflow user|api-key|license …` as subprocesses on one SQLite data dir, then a running
`relayflow start` that must honour a revocation made by another process at once."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from relayflow.auth.scopes import OWNER, ROLE_SCOPES
from relayflow.core.config import ENCRYPTION_KEY_FILE
from relayflow.license.document import generate_keypair, issue, load_private_key, verify
from tests.cli import Cli, Outcome, bytecode_cache, free_port
from tests.support.server import PASSWORD

OWNER_EMAIL = "owner@example.com"
RAW_KEY = re.compile(r"n8n_api_[0-9A-Za-z]{46}")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Cli:
    bytecode = bytecode_cache(pytestconfig, tmp_path_factory.mktemp("bytecode"))
    return Cli(tmp_path_factory.mktemp("cli-data"), bytecode)


@dataclass
class Story:
    """Every one-shot command of the CLI tour, with what it was given."""

    signing_key: Path
    forged: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    first_secret: bytes = b""
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[str] | None = None
    server_logs: Path = Path()

    @property
    def public_key(self) -> str:
        return self.outcomes["keygen"].stdout.strip()

    @property
    def licence(self) -> str:
        return self.outcomes["issue"].stdout.strip()

    @property
    def raw_key(self) -> str:
        return self.outcomes["key"].stdout.strip()


def _forged_licence() -> str:
    pem, _ = generate_keypair()
    return issue(load_private_key(pem.encode()), ["apiKeyScopes"], None, "Forger")


@pytest.fixture(scope="module")
def story(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """Runs the tour in rounds; the commands of one round do not depend on each other.

    `relayflow start` boots alongside the last rounds (the tests use it at the end); it is
    always terminated when the module is done.
    """
    story = Story(tmp_path_factory.mktemp("signing") / "signing.pem", _forged_licence())
    user = ("user", "create", "--password", PASSWORD)
    story.outcomes |= cli.run_all(
        {
            "owner": (*user, "--email", OWNER_EMAIL, "--role", OWNER, "--first-name", "Ada"),
            "keygen": ("license", "keygen", "--private-key", str(story.signing_key)),
        }
    )
    story.first_secret = (cli.data_dir / ENCRYPTION_KEY_FILE).read_bytes()
    story.outcomes |= cli.run_all(
        {
            "second_owner": (*user, "--email", "second@example.com", "--role", OWNER),
            "key": _create_key("automation", "all"),
            "unknown_scope": _create_key("bad", "apiKey:read,workflow:fly,Workflow:Read"),
            "issue": (
                *("license", "issue", "--features", "apiKeyScopes"),
                *("--private-key", str(story.signing_key), "--issued-to", "ACME"),
            ),
        }
    )
    story.server_logs = tmp_path_factory.mktemp("server-logs")
    trusting = {"RELAYFLOW_LICENSE_PUBLIC_KEYS": story.public_key}
    story.server = cli.spawn(
        "start", "--port", str(story.port), env=trusting, logs=story.server_logs
    )
    try:
        story.outcomes |= cli.run_all(
            {
                "list": ("api-key", "list", "--email", OWNER_EMAIL),
                "activate": ("license", "activate", story.licence),
                "activate_forged": ("license", "activate", story.forged),
            },
            env=trusting,
        )
        story.outcomes["status"] = cli.run("license", "status", env=trusting)
        yield story
    finally:
        story.server.terminate()
        try:
            story.server.wait(15)
        except subprocess.TimeoutExpired:
            story.server.kill()
            story.server.wait()


def _create_key(label: str, scopes: str) -> tuple[str, ...]:
    return ("api-key", "create", "--email", OWNER_EMAIL, "--label", label, "--scopes", scopes)


def _succeeded(outcome: Outcome) -> str:
    assert outcome.code == 0, outcome
    return outcome.stdout


def _failed(outcome: Outcome) -> str:
    assert outcome.code == 1, outcome
    assert outcome.stdout == ""
    return outcome.stderr


class TestUsers:
    def test_create_should_print_only_the_new_id(self, story: Story) -> None:
        stdout = _succeeded(story.outcomes["owner"])

        assert stdout.endswith("\n")
        assert uuid.UUID(stdout.strip()).version == 4
        assert stdout.count("\n") == 1

    def test_second_owner_should_be_refused(self, story: Story) -> None:
        assert _failed(story.outcomes["second_owner"]) == "Error: Instance owner already setup\n"


class TestApiKeys:
    def test_create_should_print_only_the_raw_key(self, story: Story) -> None:
        stdout = _succeeded(story.outcomes["key"])

        assert stdout.count("\n") == 1
        assert RAW_KEY.fullmatch(stdout.rstrip("\n")), stdout

    def test_create_should_name_each_unknown_scope(self, story: Story) -> None:
        stderr = _failed(story.outcomes["unknown_scope"])

        assert stderr.startswith("Error: ")
        assert stderr.count("\n") == 1
        assert "workflow:fly" in stderr
        assert "Workflow:Read (did you mean workflow:read?)" in stderr

    def test_list_should_show_redacted_keys_and_never_the_raw_one(self, story: Story) -> None:
        outcome = story.outcomes["list"]
        keys = [json.loads(line) for line in _succeeded(outcome).splitlines()]
        raw = story.raw_key

        assert [key["label"] for key in keys] == ["automation"]
        assert keys[0]["apiKey"] == "n8n_api_" + "•" * 12 + raw[-4:]
        assert keys[0]["scopes"] == list(ROLE_SCOPES[OWNER])
        assert raw[8:20] not in outcome.stdout + outcome.stderr


class TestLicence:
    def test_keygen_should_write_a_private_pem_and_print_the_public_key(self, story: Story) -> None:
        stdout = _succeeded(story.outcomes["keygen"])
        pem = story.signing_key.read_bytes()
        private = load_private_key(pem)
        public = base64.b64encode(private.public_key().public_bytes_raw()).decode()

        assert stat.S_IMODE(story.signing_key.stat().st_mode) == 0o600
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
        assert stdout == public + "\n"

    def test_issue_should_print_a_licence_signed_by_the_key(self, story: Story) -> None:
        stdout = _succeeded(story.outcomes["issue"])

        licence = verify(stdout, [story.public_key])

        assert stdout.count("\n") == 1
        assert licence.features == ("apiKeyScopes",)
        assert licence.issued_to == "ACME"
        assert licence.expires_at is None

    def test_activate_should_store_a_trusted_licence(self, story: Story) -> None:
        licence = verify(story.licence, [story.public_key])

        stdout = _succeeded(story.outcomes["activate"])

        assert stdout == f"Licence {licence.id} activated: apiKeyScopes.\n"

    def test_activate_should_refuse_a_forged_licence(self, story: Story) -> None:
        stderr = _failed(story.outcomes["activate_forged"])

        assert stderr == (
            "Error: The licence was refused: "
            "the licence signature does not match any trusted public key\n"
        )

    def test_status_should_print_the_activated_licence_as_json(self, story: Story) -> None:
        state = json.loads(_succeeded(story.outcomes["status"]))

        assert state["licensed"] is True
        assert state["source"] == "database"
        assert state["error"] is None
        assert state["features"] == {"apiKeyScopes": True}
        assert state["license"]["id"] == verify(story.licence, [story.public_key]).id
        assert state["license"]["issuedTo"] == "ACME"


def test_encryption_key_should_be_made_once_and_kept_private(cli: Cli, story: Story) -> None:
    secret = cli.data_dir / ENCRYPTION_KEY_FILE

    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_bytes() == story.first_secret


@pytest.fixture(scope="module")
def served(story: Story) -> str:
    """The URL of the story's `relayflow start`, once it answers `/healthz`."""
    url = f"http://127.0.0.1:{story.port}"
    deadline = time.monotonic() + 60
    while True:
        assert story.server is not None
        if story.server.poll() is not None:
            pytest.fail(f"relayflow start exited: {(story.server_logs / 'stderr.txt').read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "relayflow start did not answer /healthz"
        time.sleep(0.05)


def test_running_server_should_report_the_licence_activated_by_the_cli(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as browser:
        login = browser.post(
            "/rest/login", json={"emailOrLdapLoginId": OWNER_EMAIL, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text

        state = browser.get("/rest/license").json()["data"]

    assert state["licensed"] is True
    assert state["source"] == "database"
    assert state["license"]["issuedTo"] == "ACME"


def test_running_server_should_refuse_a_key_revoked_by_another_process(
    cli: Cli, story: Story, served: str
) -> None:
    headers = {"X-N8N-API-KEY": story.raw_key}
    with httpx.Client(base_url=served, headers=headers, timeout=10) as http:
        listed = http.get("/api/v1/api-keys")
        assert listed.status_code == 200, listed.text
        (key,) = listed.json()
        assert key["label"] == "automation"

        revoked = cli.run("api-key", "revoke", key["id"])
        assert _succeeded(revoked) == f"Revoked API key {key['id']} (automation).\n"

        refused = http.get("/api/v1/api-keys")
        assert refused.status_code == 401
        assert refused.json() == {"message": "unauthorized"}
