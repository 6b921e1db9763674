"""The one error a feature raises when it refuses a request, and what it says about why.

A feature (comments, curation, collections, submissions…) knows why it cannot do something
and what that means in HTTP terms, but not whether it was asked by a page, the JSON API, the
CLI or an agent. It raises ``Refused`` (or a subclass named for the feature); the web
translates every one of them the same way, in one place (web/errors.py): the status, the
message as ``{"error": …, "status": …}`` plus ``extra`` for the API or the error page for a
person, and a ``Retry-After`` header when a limit says when to come back.
"""

from __future__ import annotations

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
