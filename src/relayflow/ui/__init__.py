"""The web UI: server-rendered pages, a little plain JavaScript, one stylesheet."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from relayflow.ui import api_key_pages, app_pages, auth_pages, licence_pages, user_pages
from relayflow.ui.templating import STATIC


def install_ui(app: FastAPI) -> None:
    """Serve the UI's pages and its static files (`/static`) from `app`."""
    for module in (auth_pages, app_pages, api_key_pages, user_pages, licence_pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
