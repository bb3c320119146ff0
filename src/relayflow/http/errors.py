"""The one error model on the wire: `{"message"}` on `/api/v1`, `{"code", "message"}` on `/rest`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from relayflow.core.errors import AppError

log = logging.getLogger(__name__)

Shape = Callable[[int, str, str | None], dict[str, Any]]


def public_shape(_status: int, message: str, _hint: str | None) -> dict[str, Any]:
    """n8n's public API error body."""
    return {"message": message}


def internal_shape(status: int, message: str, hint: str | None) -> dict[str, Any]:
    """n8n's internal REST error body."""
    body: dict[str, Any] = {"code": status, "message": message}
    if hint:
        body["hint"] = hint
    return body


def validation_message(exc: RequestValidationError) -> str:
    """The first validation problem, worded like n8n's request validator."""
    error = exc.errors()[0]
    kind = error.get("type", "")
    location = [str(part) for part in error.get("loc", ())]
    if kind == "json_invalid":
        return "Malformed JSON in the request body"
    if kind == "missing" and len(location) >= 2:
        parent = "/".join(["request", *location[:-1]])
        return f"{parent} must have required property '{location[-1]}'"
    if kind == "extra_forbidden" and len(location) >= 2:
        parent = "/".join(["request", *location[:-1]])
        return f"{parent} must NOT have additional properties ('{location[-1]}')"
    if kind == "model_attributes_type" or kind == "dict_type":
        return "/".join(["request", *location]) + " must be an object"
    if kind == "less_than_equal":
        limit = error.get("ctx", {}).get("le")
        return "/".join(["request", *location]) + f" must be <= {limit}"
    if kind == "greater_than_equal":
        limit = error.get("ctx", {}).get("ge")
        return "/".join(["request", *location]) + f" must be >= {limit}"
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if message.startswith("request/"):
        return message
    return "/".join(["request", *location]) + " " + message[0].lower() + message[1:]


def install_error_handlers(app: FastAPI, shape: Shape, *, public_prefix: str = "") -> None:
    """Turn every failure into a JSON body of `shape`; nothing a client sends becomes a 500.

    Paths under `public_prefix`, when given, answer in the public API's shape instead.
    """

    def respond(
        request: Request,
        status: int,
        message: str,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        public = public_prefix and request.scope["path"].startswith(public_prefix + "/")
        body = (public_shape if public else shape)(status, message, hint)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(AppError)
    async def on_app_error(request: Request, exc: AppError) -> JSONResponse:
        return respond(request, exc.status, exc.message, exc.hint, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return respond(request, 400, validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "not found", 405: "method not allowed"}
        message = messages.get(exc.status_code, str(exc.detail))
        return respond(request, exc.status_code, message, headers=dict(exc.headers or {}))

    @app.exception_handler(IntegrityError)
    async def on_integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity conflict: %s", type(exc.orig).__name__)
        return respond(request, 409, "The request conflicts with data already stored")

    @app.exception_handler(DataError)
    async def on_data_error(request: Request, exc: DataError) -> JSONResponse:
        log.info("value refused by the database: %s", type(exc.orig).__name__)
        return respond(request, 400, "A value in the request cannot be stored")

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        correlation = uuid.uuid4().hex[:12]
        log.error(
            "unhandled error %s on %s %s",
            correlation,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return respond(request, 500, "Internal server error", f"correlation id {correlation}")
