"""The application shell: navigation that shows only what exists and what the viewer may open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from relayflow.ui.templating import render
from relayflow.ui.viewer import Viewer


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the main navigation or of the Settings tabs."""

    key: str
    title: str
    href: str


MAIN_NAV = (
    NavItem("overview", "Overview", "/"),
    NavItem("workflows", "Workflows", "/workflows"),
    NavItem("credentials", "Credentials", "/credentials"),
    NavItem("settings", "Settings", "/settings/api"),
)


def settings_tabs(viewer: Viewer) -> list[NavItem]:
    """Settings pages the viewer may open: API always, Users for owner and admin, Licence."""
    tabs = [NavItem("api", "API", "/settings/api")]
    if viewer.may("user:list"):
        tabs.append(NavItem("users", "Users", "/settings/users"))
    if viewer.is_owner:
        tabs.append(NavItem("licence", "Licence", "/settings/licence"))
    return tabs


def page(
    request: Request,
    viewer: Viewer,
    template: str,
    *,
    section: str,
    tab: str | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page inside the shell, with the navigation marked where the viewer is."""
    return render(
        request,
        template,
        status=status,
        viewer=viewer,
        csrf_token=viewer.csrf_token,
        main_nav=MAIN_NAV,
        section=section,
        tabs=settings_tabs(viewer) if section == "settings" else [],
        tab=tab,
        **context,
    )
