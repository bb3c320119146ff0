"""What a person does in the web UI, step by step, found by labels and roles only."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.db.models import User
from relayflow.instance import Instance
from relayflow.users.repository import UserRepository
from tests.support.server import PASSWORD, RunningServer

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page and land on the overview."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def open_api_settings(page: Page) -> None:
    """Settings → API from anywhere in the app."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()


def choose_scopes(page: Page, scopes: list[str]) -> None:
    """Clear every scope (a group at a time, with its Select all), then tick exactly `scopes`."""
    for group in page.get_by_role("group", name="Scopes", exact=True).get_by_role("group").all():
        if group.locator("input[name=scopes]:checked").count():
            toggle = group.get_by_role("checkbox", name="Select all")
            toggle.check()
            toggle.uncheck()
    for scope in scopes:
        page.get_by_role("checkbox", name=scope, exact=True).check()


def csrf_token(html: str) -> str:
    """The CSRF token a served form carries."""
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit(
    client: httpx.Client, path: str, fields: dict[str, str], **kwargs: Any
) -> httpx.Response:
    """Post a form to `path` as the page serving it would, with that page's CSRF token."""
    token = csrf_token(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **fields}, **kwargs)


def ui_client(server: RunningServer) -> httpx.Client:
    """A browser-like HTTP client that does not follow redirects."""
    return httpx.Client(base_url=server.url, timeout=30, follow_redirects=False)


def sign_in_over_http(client: httpx.Client, email: str, password: str = PASSWORD) -> None:
    """Sign `client` in through the UI's own sign-in form."""
    token = csrf_token(client.get("/signin").text)
    response = client.post(
        "/signin", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 303, response.text


def owner_of(server: RunningServer) -> User:
    """The instance owner of `server`."""

    async def task(_instance: Instance, session: AsyncSession) -> User | None:
        return await UserRepository(session).owner()

    owner = server.work(task)
    assert owner is not None, "the server has no owner"
    return owner
