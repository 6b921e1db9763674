"""Every error the web answers, made one way: a refusal from a feature (paperboy.errors.Refused),
an HTTP error from a route or Starlette, a request that does not validate, and a crash.

JSON for the API and ``.json`` twins (``{"error": message, "status": code}``, plus a refusal's
``extra`` fields), the error page for a person; a limit's ``Retry-After`` either way.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperboy import logs
from paperboy.errors import Refused, plain
from paperboy.web import headers
from paperboy.web.requestlog import loggable
from paperboy.web.templating import templates

log = logging.getLogger("paperboy.web.app")  # the name crash lines have always been logged under


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


def error_response(request: Request, status: int, message: str, **extra: object) -> Response:
    if wants_json(request):
        response: Response = JSONResponse({"error": message, "status": status, **extra}, status_code=status)
    else:
        response = templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    if status >= 500:
        # A crash is answered outside every middleware (by Starlette's outermost error
        # handler), so this answer gets its security headers here.
        for name, value in headers.HEADERS:
            response.headers[name.decode()] = value.decode()
        if "request_id" in logs.bound():
            response.headers["X-Request-ID"] = logs.bound()["request_id"]
    return response


def _validation_message(exc: RequestValidationError) -> str:
    return "; ".join(plain(e) for e in exc.errors()) or "invalid request"


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as above."""

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        response = error_response(request, exc.status, exc.message, **exc.extra)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():  # Retry-After, WWW-Authenticate
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, _validation_message(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", loggable(request.url.path))
        return error_response(request, 500, "Something went wrong on our side.")
