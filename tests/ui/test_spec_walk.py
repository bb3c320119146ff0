"""The spec's walk through the UI, in a browser, as a new owner would take it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.support.keys import RAW_KEY
from tests.support.licences import LicenceIssuer
from tests.support.server import LogCollector, RunningServer, Variant
from tests.support.ui import choose_scopes, open_api_settings

EMAIL, PASSWORD = "olivia@example.com", "Owner-Pass-2024"
LABEL = "CI deploy"


def call(server: RunningServer, key: str, path: str) -> int:
    """The status of `GET /api/v1{path}` with `key`."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        return client.get(f"/api/v1{path}", headers={"X-N8N-API-KEY": key}).status_code


def set_up_owner(page: Page) -> None:
    """First start: the owner set-up form, refusing a weak password in the API's words."""
    page.goto("/")
    expect(page).to_have_url("/setup")
    expect(page.get_by_role("heading", name="Set up owner account")).to_be_visible()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("First name").fill("Olivia")
    page.get_by_label("Last name").fill("Owner")
    page.get_by_label("Password").fill("no-digits-Here")
    page.get_by_role("button", name="Create owner account").click()
    password = page.get_by_label("Password")
    expect(password).to_have_accessible_description(
        "8 to 64 characters, with at least one number and one capital letter. "
        "Password must contain at least 1 number."
    )
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    password.fill(PASSWORD)
    page.get_by_role("button", name="Create owner account").click()
    expect(page.get_by_role("heading", name="Welcome, Olivia")).to_be_visible()


def sign_out_and_in(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Olivia")).to_be_visible()


def read_key_shown_once(page: Page) -> str:
    """The raw key on the page that shows it once, copied with the Copy button."""
    expect(page.get_by_role("alert")).to_contain_text("It won't be shown again")
    raw = page.get_by_label("API key", exact=True).input_value()
    assert RAW_KEY.match(raw), raw
    page.get_by_role("button", name="Copy API key").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw
    return raw


def key_card(page: Page) -> Locator:
    """The list item of the key made here."""
    return (
        page.get_by_role("list", name="Your API keys")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=LABEL))
    )


def test_a_new_owner_should_create_use_edit_rotate_and_delete_a_key(
    make_server: Callable[..., RunningServer],
    new_context: Callable[[RunningServer], BrowserContext],
    licences: LicenceIssuer,
    logs: LogCollector,
) -> None:
    server = make_server(Variant("sqlite"))
    server.set_licence(licences.issue(["apiKeyScopes"]))
    context = new_context(server)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()

    set_up_owner(page)
    sign_out_and_in(page)

    # Go to Settings → API, click Create API Key, give a label, two scopes, 30 days.
    open_api_settings(page)
    settings_tabs = page.get_by_role("navigation", name="Settings")
    expect(settings_tabs.get_by_role("link", name="API")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Create API Key").click()
    page.get_by_label("Label").fill(LABEL)
    choose_scopes(page, ["workflow:list", "apiKey:read"])
    expect(
        page.get_by_role("checkbox", name="workflow:list", exact=True)
    ).to_have_accessible_description("List all accessible workflows")
    page.get_by_label("Expiration", exact=True).select_option(label="30 days")
    with page.expect_response("**/settings/api/new") as created:
        page.get_by_role("button", name="Create key").click()
    assert created.value.headers["cache-control"] == "no-store"
    raw = read_key_shown_once(page)

    # The key works against the public API with exactly its two scopes.
    assert call(server, raw, "/workflows") == 200
    assert call(server, raw, "/api-keys") == 200
    assert call(server, raw, "/users") == 403

    # Closing the view leaves only the redacted key in the list.
    page.get_by_role("link", name="Done").click()
    card = key_card(page)
    expect(card).to_contain_text("n8n_api_••••••••••••" + raw[-4:])
    expect(card).to_contain_text("Expires in 30 days")
    expect(card.get_by_role("listitem").filter(has_text="workflow:list")).to_have_count(1)
    assert raw not in page.content()

    # Edit its scopes: without workflow:list the key is refused on that route at once.
    page.get_by_role("link", name=f"Edit {LABEL}").click()
    page.get_by_role("checkbox", name="workflow:list", exact=True).uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("API key updated.")
    assert call(server, raw, "/workflows") == 403
    assert call(server, raw, "/api-keys") == 200

    # Rotate without a grace period: the new key is shown once, the old one stops.
    page.get_by_role("link", name=f"Rotate {LABEL}").click()
    page.get_by_label("None: the current key stops working now").check()
    page.get_by_role("button", name="Rotate key").click()
    expect(page.get_by_role("heading", name="API key rotated")).to_be_visible()
    rotated = read_key_shown_once(page)
    assert rotated != raw
    assert call(server, raw, "/api-keys") == 401
    assert call(server, rotated, "/api-keys") == 200

    # Delete it, after confirming: it is gone from the list and refused.
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name=f"Delete {LABEL}").click()
    expect(page.get_by_role("heading", name=f"Delete “{LABEL}”?")).to_be_visible()
    page.get_by_role("button", name="Delete API key").click()
    expect(page.get_by_role("status")).to_have_text("API key deleted.")
    expect(page.get_by_role("heading", name="No API keys yet")).to_be_visible()
    assert call(server, rotated, "/api-keys") == 401

    server.run(server.instance.keys.drain())
    assert raw not in logs.text() and rotated not in logs.text()
