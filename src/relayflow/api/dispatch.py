"""Routing for `/api/v1` that does not grow with the number of routes.

FastAPI matches a request against every route of every included router in turn, and the
public API has dozens; a route near the end paid for all of them on every request. Here the
first path segment after `/api/v1` (`workflows`, `api-keys`, …) selects the few routes that
can match, which are then tried in their declared order. Anything not matched this way (the
OpenAPI document, Swagger UI, unknown paths) goes on to the application's own router
unchanged, so answers stay exactly what FastAPI would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/api/v1"


class PublicApiDispatch:
    """An ASGI layer that sends `/api/v1/<segment>/…` straight to that segment's routes."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], prefix: str = PREFIX) -> None:
        self.app = app
        self.prefix = prefix
        self.table: dict[str, list[BaseRoute]] = {}
        for route in routes:
            if not isinstance(route, Route):
                raise TypeError(f"cannot dispatch {route!r}: only plain routes have a path")
            segment = route.path.split("/")[1]
            self.table.setdefault(segment, []).append(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path: str = scope["path"]
            start = len(root) + len(self.prefix)
            if path.startswith(self.prefix, len(root)) and path.startswith("/", start):
                routes = self.table.get(path[start + 1 :].partition("/")[0])
                if routes is not None and await self._dispatch(routes, scope, receive, send):
                    return
        await self.app(scope, receive, send)

    async def _dispatch(
        self, routes: list[BaseRoute], scope: Scope, receive: Receive, send: Send
    ) -> bool:
        # The same scope a `Mount` at the prefix would give the routes.
        root = scope.get("root_path", "")
        scope["root_path"] = root + self.prefix
        partial: tuple[BaseRoute, Scope] | None = None
        for route in routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                partial = (route, child)
                break
            if match is Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is None:
            scope["root_path"] = root
            return False
        route, child = partial
        scope.setdefault("app_root_path", root)
        scope.update(child)
        await route.handle(scope, receive, send)
        return True


class RelayflowApp(FastAPI):
    """The application, with the public API's dispatch in front of its router.

    The dispatch sits inside FastAPI's exception middleware, so errors raised by public
    routes are answered by the application's exception handlers like any others.
    """

    public_routes: tuple[BaseRoute, ...] = ()

    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack, with `PublicApiDispatch` wrapped around the router."""
        stack = super().build_middleware_stack()
        layer: Any = stack
        for _ in range(32):
            if layer.app is self.router:
                layer.app = PublicApiDispatch(self.router, self.public_routes)
                return stack
            layer = layer.app
        raise RuntimeError("the router is not at the bottom of the middleware stack")
