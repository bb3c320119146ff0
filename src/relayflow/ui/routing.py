"""The UI's route class: HTML error pages, redirects, and the page headers on every answer."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from relayflow.core.errors import AppError
from relayflow.ui import csrf
from relayflow.ui.templating import add_page_headers, render
from relayflow.ui.viewer import Redirect

TITLES = {
    400: "Something is not right",
    401: "Please sign in",
    403: "You don't have access",
    404: "Page not found",
    409: "That clashes with something else",
    429: "Too many attempts",
    503: "Relayflow is not ready",
}


def error_page(request: Request, status: int, message: str) -> Response:
    """A page that explains a refusal in the words of the service that refused."""
    title = TITLES.get(status, "Something went wrong")
    return render(request, "error.html", status=status, title=title, message=message)


def see_other(location: str) -> RedirectResponse:
    """Post/Redirect/Get: answer a form with a redirect to the page to show next."""
    return RedirectResponse(location, status_code=303)


class UiRoute(APIRoute):
    """Every UI route answers HTML, even when it refuses, with CSP and no-store."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so that failures become pages rather than JSON."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except Redirect as exc:
                response = see_other(exc.location)
            except AppError as exc:
                response = error_page(request, exc.status, exc.message)
                response.headers.update(exc.headers)
            except RequestValidationError:
                response = error_page(request, 404, "There is no such page.")
            csrf.remember_visitor(request, response)
            add_page_headers(response)
            return response

        return handle


def ui_router() -> APIRouter:
    """A router whose routes answer as UI pages (and stay out of any OpenAPI document)."""
    return APIRouter(route_class=UiRoute, include_in_schema=False)
