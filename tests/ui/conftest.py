"""Browser fixtures for the UI tests: Debian's Chromium driven by Playwright's sync API.

The UI tests run on the SQLite variant only: the pages call the same services as the API,
whose tests already run on every backend, and a browser per variant would triple the time.
The suite runs no asyncio loop in the test thread (servers run in their own threads), so
Playwright's sync API is safe here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.support.server import RunningServer, Variant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver, started once for the UI tests.

    Package scope, not session: while the sync driver runs, the test thread counts as
    running an event loop, and tests after this package may call `asyncio.run`.
    """
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the whole session (Debian's package, never a download)."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does this)")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def ui_server(make_server: Callable[..., RunningServer]) -> RunningServer:
    """A SQLite server of this module's own, with an owner already set up."""
    server = make_server(Variant("sqlite"))
    server.create_user("global:owner")
    return server


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[[RunningServer], BrowserContext]]:
    """Open browser contexts (each its own cookie jar) on a server; all closed afterwards."""
    opened: list[BrowserContext] = []

    def open_context(server: RunningServer) -> BrowserContext:
        context = browser.new_context(base_url=server.url)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(ui_server: RunningServer, new_context: Callable[[RunningServer], BrowserContext]) -> Page:
    """A fresh browser tab on the module's server."""
    return new_context(ui_server).new_page()
