"""Signing in and joining, in a browser: wrong passwords, keyboard use, invitations."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, expect

from tests.support.server import PASSWORD, RunningServer
from tests.support.ui import sign_in

WRONG_CREDENTIALS = "Wrong username or password. Do you have caps lock on?"


def test_a_wrong_password_should_be_shown_next_to_the_field(
    page: Page, ui_server: RunningServer
) -> None:
    user = ui_server.create_user()
    page.goto("/settings/api")
    expect(page).to_have_url("/signin?next=/settings/api")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("Wrong-Horse-9")
    page.get_by_role("button", name="Sign in").click()
    password = page.get_by_label("Password")
    expect(password).to_have_accessible_description(WRONG_CREDENTIALS)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value(user.email)
    password.fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/settings/api")


def test_sign_in_should_work_from_the_keyboard(page: Page, ui_server: RunningServer) -> None:
    user = ui_server.create_user()
    page.goto("/signin")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome, Test")).to_be_visible()


def test_an_invited_user_should_join_through_the_invitation_link(
    ui_server: RunningServer, new_context: Callable[[RunningServer], BrowserContext]
) -> None:
    admin = ui_server.create_user("global:admin")
    page = new_context(ui_server).new_page()
    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Users").click()
    page.get_by_label("Email").fill("ivy@example.com")
    page.get_by_label("Role", exact=True).select_option(label="Member")
    page.get_by_role("button", name="Invite").click()
    link = page.get_by_label("Invitation link", exact=True).input_value()
    assert urlsplit(link).path == "/signup"
    pending = page.get_by_role("row").filter(has_text="ivy@example.com")
    expect(pending.get_by_text("Pending")).to_be_visible()

    invitee = new_context(ui_server).new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Relayflow")).to_be_visible()
    expect(invitee.get_by_text("ivy@example.com")).to_be_visible()
    invitee.get_by_label("First name").fill("Ivy")
    invitee.get_by_label("Last name").fill("Invited")
    invitee.get_by_label("Password").fill("short")
    invitee.get_by_role("button", name="Create account").click()
    expect(invitee.get_by_text("Password must be 8 to 64 characters long.")).to_be_visible()
    invitee.get_by_label("Password").fill("Fresh-Start-42")
    invitee.get_by_role("button", name="Create account").click()
    expect(invitee.get_by_role("heading", name="Welcome, Ivy")).to_be_visible()
    expect(invitee.get_by_text("Member · ivy@example.com")).to_be_visible()

    invitee.goto(link)
    expect(invitee.get_by_text("This invitation link is not valid")).to_be_visible()
    page.reload()
    expect(pending.get_by_text("Active")).to_be_visible()


def test_an_admin_should_change_a_role_and_delete_a_user(
    page: Page, ui_server: RunningServer
) -> None:
    admin = ui_server.create_user("global:admin")
    member = ui_server.create_user("global:member")
    sign_in(page, admin.email)
    page.goto("/settings/users")
    page.get_by_label(f"Role of {member.email}").select_option(label="Admin")
    page.get_by_role("button", name=f"Change role of {member.email}").click()
    expect(page.get_by_role("status")).to_have_text("Role changed.")
    expect(page.get_by_label(f"Role of {member.email}")).to_have_value("global:admin")

    page.get_by_role("link", name=f"Delete {member.email}").click()
    page.get_by_label("Their workflows").select_option(label="Delete them")
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("status")).to_have_text("User deleted.")
    expect(page.get_by_role("row").filter(has_text=member.email)).to_have_count(0)
