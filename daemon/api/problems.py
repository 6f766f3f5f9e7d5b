"""Errors as RFC 9457 problem details (`application/problem+json`): the core's one sentence as
`detail`, the field it names, and never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from core.errors import (
    AmxError,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StaleEdit,
    StorageError,
)
from daemon.api.validation import validation_sentence

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("amx.api")

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """A refusal made by the HTTP layer itself (authentication, headers)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers or {}


def problem(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    kind: str | None = None,
) -> JSONResponse:
    """A problem+json response."""
    title = TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": f"urn:amx:problem:{kind or title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(error: AmxError) -> int:
    """The HTTP status of a core refusal."""
    if isinstance(error, StaleEdit):
        return 412
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | IllegalTransition):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, StorageError):
        return 503
    return 422


def _body_model(request: Request) -> type[BaseModel] | None:
    """The model of the body of the endpoint that answers `request`, if it takes one."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    annotation = getattr(getattr(body_field, "field_info", None), "annotation", None)
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def install(app: FastAPI) -> None:
    """Answer every error with problem+json; anything unexpected is logged, not shown."""

    @app.exception_handler(AmxError)
    async def _core(request: Request, exc: AmxError) -> JSONResponse:
        return problem(status_of(exc), exc.message, field=exc.field)

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.detail, field=exc.field, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        field, sentence = validation_sentence(exc, _body_model(request))
        return problem(422, sentence, field=field)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        if exc.status_code == 400 and "parsing the body" in detail:
            return problem(400, "the body is not valid JSON; send a JSON object.", field="body")
        where = f"{request.method} {request.url.path[:120]}"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no endpoint answers {where}; the endpoints are listed at /docs."
        elif exc.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{where} is not allowed; the methods each path takes are listed at /docs."
        return problem(exc.status_code, detail, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return problem(
            500,
            f"an unexpected {type(exc).__name__} stopped this request; the server's log has "
            "the details.",
        )
