"""The scope picker offers only the role's scopes; the licence decides whether they bind."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from relayflow.auth.scopes import ROLE_SCOPES
from tests.support.licences import LicenceIssuer
from tests.support.server import RunningServer
from tests.support.ui import choose_scopes, owner_of, sign_in

UNLICENSED_NOTE = "Without a licence, API keys have access to all available scopes for your role"


@pytest.fixture
def unlicensed_ui(ui_server: RunningServer) -> Iterator[RunningServer]:
    """The module's server without a licence, and without one again afterwards."""
    ui_server.set_licence(None)
    yield ui_server
    ui_server.set_licence(None)


def offered_scopes(page: Page) -> set[str]:
    """The scopes the Create API Key form offers, by their checkboxes' values."""
    boxes = page.get_by_role("group", name="Scopes", exact=True).locator("input[name=scopes]")
    return set(boxes.evaluate_all("boxes => boxes.map(box => box.value)"))


def test_a_member_should_be_offered_only_member_scopes(
    page: Page, ui_server: RunningServer
) -> None:
    sign_in(page, ui_server.create_user("global:member").email)
    page.goto("/settings/api/new")
    assert offered_scopes(page) == set(ROLE_SCOPES["global:member"])
    workflows = page.get_by_role("group", name="Workflows")
    expect(workflows.get_by_role("checkbox", name="workflow:read", exact=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="user:list", exact=True)).to_have_count(0)
    expect(page.get_by_role("group", name="Users")).to_have_count(0)
    tabs = page.get_by_role("navigation", name="Settings")
    expect(tabs.get_by_role("link")).to_have_text(["API"])


def test_the_owner_should_be_offered_every_scope(page: Page, ui_server: RunningServer) -> None:
    sign_in(page, owner_of(ui_server).email)
    page.goto("/settings/api/new")
    assert offered_scopes(page) == set(ROLE_SCOPES["global:owner"])
    user_list = page.get_by_role("checkbox", name="user:list", exact=True)
    expect(user_list).to_have_accessible_description("List users")
    tabs = page.get_by_role("navigation", name="Settings")
    expect(tabs.get_by_role("link")).to_have_text(["API", "Users", "Licence"])


def test_select_all_should_tick_a_whole_group(page: Page, ui_server: RunningServer) -> None:
    sign_in(page, ui_server.create_user().email)
    page.goto("/settings/api/new")
    choose_scopes(page, ["execution:read"])
    executions = page.get_by_role("group", name="Executions")
    toggle = executions.get_by_role("checkbox", name="Select all Executions scopes")
    expect(toggle).to_have_js_property("indeterminate", True)
    toggle.check()
    for box in executions.locator("input[name=scopes]").all():
        expect(box).to_be_checked()
    toggle.uncheck()
    expect(executions.locator("input[name=scopes]:checked")).to_have_count(0)


def test_without_a_licence_keys_get_every_scope_of_the_role(
    page: Page, unlicensed_ui: RunningServer
) -> None:
    user = unlicensed_ui.create_user()
    sign_in(page, user.email)
    page.goto("/settings/api/new")
    expect(page.get_by_text(UNLICENSED_NOTE)).to_be_visible()
    expect(page.locator("input[name=scopes]:not(:checked)")).to_have_count(0)
    page.get_by_label("Label").fill("narrow on paper")
    choose_scopes(page, ["apiKey:read"])
    page.get_by_label("Expiration", exact=True).select_option(label="No expiration")
    page.get_by_role("button", name="Create key").click()
    raw = page.get_by_label("API key", exact=True).input_value()
    with httpx.Client(base_url=unlicensed_ui.url, headers={"X-N8N-API-KEY": raw}) as client:
        assert client.get("/api/v1/workflows").status_code == 200
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("Never expires")).to_be_visible()


def test_the_owner_should_activate_a_licence_and_the_note_should_go(
    page: Page, unlicensed_ui: RunningServer, licences: LicenceIssuer
) -> None:
    sign_in(page, owner_of(unlicensed_ui).email)
    page.goto("/settings/licence")
    expect(page.get_by_text("Not licensed")).to_be_visible()
    page.get_by_label("Licence key").fill("rflic1.not-a-licence")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_label("Licence key")).to_have_accessible_description(
        "Paste the whole licence, starting with rflic1. The licence was refused: "
        "the licence is malformed: expected rflic1.<payload>.<signature>"
    )
    page.get_by_label("Licence key").fill(licences.issue(["apiKeyScopes"]))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_have_text("Licence activated.")
    expect(page.get_by_text("Licensed", exact=True)).to_be_visible()
    expect(page.get_by_text("Enabled: each key can do only what its scopes allow")).to_be_visible()
    page.goto("/settings/api/new")
    expect(page.get_by_text(UNLICENSED_NOTE)).to_have_count(0)
    expect(page.locator("input[name=scopes]:checked")).to_have_count(0)
