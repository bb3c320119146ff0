"""Jinja2 templates, and the headers every UI page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from relayflow import __version__
from relayflow.ui import display

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    # Pages may show a raw API key or other private data: never keep a copy anywhere.
    "Cache-Control": "no-store",
}

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(
    day=display.day,
    day_and_time=display.day_and_time,
    iso_day=display.iso_day,
    lower_first=display.lower_first,
    iso=display.iso_attribute,
    ago=display.ago,
    expiry=display.expiry,
    role_name=display.role_name,
)
environment.globals.update(version=__version__)


def static_url(name: str) -> str:
    """A static file's URL, versioned so that an upgrade is never served stale assets."""
    return f"/static/{name}?v={__version__}"


environment.globals["static"] = static_url


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page rendered from `template`."""
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def add_page_headers(response: Response) -> None:
    """CSP, framing and caching headers of every UI response."""
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
