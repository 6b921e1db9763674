"""The one error a feature raises when it refuses a request, and what it says about why.

A feature (comments, curation, collections, submissions…) knows why it cannot do something
and what that means in HTTP terms, but not whether it was asked by a page, the JSON API, the
CLI or an agent. It raises ``Refused`` (or a subclass named for the feature); the web
translates every one of them the same way, in one place (web/errors.py): the status, the
message as ``{"error": …, "status": …}`` plus ``extra`` for the API or the error page for a
person, and a ``Retry-After`` header when a limit says when to come back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Refused(Exception):
    """A request a feature will not do: ``status`` (400, 403, 404, 409, 429), why
    (``message``, written for the person who asked), ``retry_after`` (seconds, for a limit)
    and ``extra`` fields for the JSON answer."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.extra = extra


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def plain(error: Mapping[str, Any]) -> str:
    """One validation error (pydantic's, of a request or of a tool's arguments) in plain words, naming the field and what it takes (pydantic's
    own sentences, "Input should be a valid integer, unable to parse string as an integer",
    speak of inputs and parsing).

    >>> plain({"type": "int_parsing", "loc": ("query", "page"), "input": "abc"})
    "page must be a whole number, not 'abc'"
    >>> plain({"type": "less_than_equal", "loc": ("query", "limit"), "input": "500", "ctx": {"le": 100}})
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
        "int_type": f"{name} must be a whole number, not {_shown(given)}",
        "string_type": f"{name} must be text",
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
