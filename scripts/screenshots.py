"""Screenshots of the web UI's main pages, for the README (not part of the test run).

Starts Relayflow on a throw-away data dir, walks the pages in headless Chromium as a new
owner would, and writes PNGs to docs/screenshots/. Run from the repository root:

    uv run python -m scripts.screenshots
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright
from sqlalchemy.ext.asyncio import AsyncSession
from tests.support.licences import LicenceIssuer
from tests.support.server import RunningServer, Variant, server_settings
from tests.support.workflows import payload

from relayflow.db.models import User
from relayflow.instance import Instance
from relayflow.users.repository import UserRepository

CHROMIUM = "/usr/bin/chromium"
OWNER = {"email": "ada@example.com", "first": "Ada", "last": "Lovelace", "password": "Engine-1843"}
DESKTOP = {"width": 1280, "height": 820}
PHONE = {"width": 390, "height": 844}


def shoot(page: Page, directory: Path, name: str, *, full: bool = True) -> None:
    """Write one screenshot."""
    page.screenshot(path=str(directory / f"{name}.png"), full_page=full)
    print(f"wrote {directory / name}.png")


def set_up_owner(page: Page, directory: Path) -> None:
    page.goto("/")
    shoot(page, directory, "setup", full=False)
    page.get_by_label("Email").fill(OWNER["email"])
    page.get_by_label("First name").fill(OWNER["first"])
    page.get_by_label("Last name").fill(OWNER["last"])
    page.get_by_label("Password").fill(OWNER["password"])
    page.get_by_role("button", name="Create owner account").click()
    page.wait_for_url("**/")


def create_key(page: Page, label: str, scopes: list[str], expiry: str) -> None:
    page.goto("/settings/api/new")
    page.get_by_label("Label").fill(label)
    for group in page.get_by_role("checkbox", name="Select all").all():
        group.uncheck()
    for scope in scopes:
        page.get_by_label(scope, exact=True).check()
    page.get_by_label("Expiration", exact=True).select_option(label=expiry)
    page.get_by_role("button", name="Create key").click()


def seed_workflows(server: RunningServer) -> None:
    """A few workflows, made through the public API, so that the list is not empty."""

    async def owner(_instance: Instance, session: AsyncSession) -> User | None:
        return await UserRepository(session).owner()

    user = server.work(owner)
    assert user is not None
    key = server.create_key(user, label="Workflow sync")
    with httpx.Client(base_url=server.url, headers={"X-N8N-API-KEY": key}) as client:
        for name in ("Sync CRM contacts", "Nightly invoice export", "Slack alerts for failed runs"):
            client.post("/api/v1/workflows", json=payload(name)).raise_for_status()


def walk(server: RunningServer, licences: LicenceIssuer, directory: Path) -> None:
    """Every page worth showing, in the order a new owner meets them."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(base_url=server.url, viewport=DESKTOP)
        page = context.new_page()
        set_up_owner(page, directory)
        seed_workflows(server)
        page.goto("/")
        shoot(page, directory, "overview")
        page.goto("/workflows")
        shoot(page, directory, "workflows")

        page.goto("/settings/api/new")
        shoot(page, directory, "api-key-create")
        create_key(page, "Nightly backup", ["workflow:list", "workflow:read"], "No expiration")
        create_key(page, "CI deploy", ["workflow:read", "workflow:update"], "30 days")
        shoot(page, directory, "api-key-created", full=False)
        page.goto("/settings/api")
        shoot(page, directory, "api-keys")

        page.goto("/settings/users")
        page.get_by_label("Email").fill("grace@example.com")
        page.get_by_role("button", name="Invite").click()
        shoot(page, directory, "users")

        page.goto("/settings/licence")
        page.get_by_label("Licence key").fill(licences.issue(["apiKeyScopes"], None))
        page.get_by_role("button", name="Activate").click()
        shoot(page, directory, "licence")

        phone = browser.new_context(
            base_url=server.url, viewport=PHONE, storage_state=context.storage_state()
        ).new_page()
        phone.goto("/settings/api")
        shoot(phone, directory, "api-keys-phone")

        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Email").fill(OWNER["email"])
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
        shoot(page, directory, "signin", full=False)
        browser.close()


def main() -> None:
    """Start a server, take the screenshots, stop the server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs/screenshots"))
    output = parser.parse_args().output
    output.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="relayflow-screens-") as temp:
        licences = LicenceIssuer(Path(temp))
        settings = server_settings(
            Variant("sqlite"), Path(temp) / "data", license_public_keys=[licences.public_key]
        )
        server = RunningServer(settings)
        try:
            walk(server, licences, output)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
