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
from paperboy.errors import Refused
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


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _plain(error: dict) -> str:
    """One validation error in plain words, naming the field and what it takes (pydantic's
    own sentences, "Input should be a valid integer, unable to parse string as an integer",
    speak of inputs and parsing).

    >>> _plain({"type": "int_parsing", "loc": ("query", "page"), "input": "abc"})
    "page must be a whole number, not 'abc'"
    >>> _plain({"type": "less_than_equal", "loc": ("query", "limit"), "input": "500", "ctx": {"le": 100}})
    'limit must be at most 100'
    """
    where = ".".join(str(x) for x in error.get("loc", ()) if x not in ("query", "path", "body", "header"))
    name = where or "the request"
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    given = error.get("input")
    words = {
        "missing": f"{name} is required",
        "int_parsing": f"{name} must be a whole number, not {_shown(given)}",
        "int_from_float": f"{name} must be a whole number, not {_shown(given)}",
        "float_parsing": f"{name} must be a number, not {_shown(given)}",
        "bool_parsing": f"{name} must be true or false, not {_shown(given)}",
        "greater_than_equal": f"{name} must be at least {ctx.get('ge')}",
        "greater_than": f"{name} must be more than {ctx.get('gt')}",
        "less_than_equal": f"{name} must be at most {ctx.get('le')}",
        "less_than": f"{name} must be less than {ctx.get('lt')}",
        "literal_error": f"{name} must be one of {ctx.get('expected', '').replace(chr(39), '')}",
        "string_too_long": f"{name} must be at most {ctx.get('max_length')} characters",
        "string_too_short": f"{name} must be at least {ctx.get('min_length')} characters",
    }
    return words.get(kind) or (f"{name}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid"))


def _validation_message(exc: RequestValidationError) -> str:
    return "; ".join(_plain(e) for e in exc.errors()) or "invalid request"


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
