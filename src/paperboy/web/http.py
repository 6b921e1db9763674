"""What every route module shares: how a page says where its next page is, reads a period,
sends someone to sign in, keeps an answer out of caches, and keeps a redirect on this site.
One place, so a fix to one of them is a fix everywhere (each was written 2 to 8 times)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from fastapi import HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from paperboy.papers import listing

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def cacheable(endpoint: F) -> F:
    """Declares a GET route's answer the same for everyone who asks (rendered as for no one;
    a member's own parts are filled in on the way out, web/personal.py) and valid until the
    stored data changes: the response cache (web/cache.py) may keep and serve it again. Put
    it under the route's decorator. An answer read from this worker's keyword index (a
    search) is not cacheable: that index follows the database a moment later."""
    endpoint.cacheable = True  # type: ignore[attr-defined]
    return endpoint


def call(request: Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(conn, *args, **kwargs)`` on a pooled connection (a feature's refusal propagates:
    web/errors.py answers it)."""
    with request.app.state.db.connection() as conn:
        return fn(conn, *args, **kwargs)


def next_link(request: Request, response: Response, **params: object) -> None:
    """``Link: <…>; rel="next"``: this address with ``params`` changed (``p=…`` or
    ``offset=…``, and ``limit``), absolute from PAPERBOY_BASE_URL (a client may follow it; the
    request's Host header must not decide where to)."""
    url = request.url.include_query_params(**params)  # re-encodes every value (the path: below)
    response.headers["Link"] = f'<{request.app.state.base_url}{quote(url.path, safe="/:")}?{url.query}>; rel="next"'


def period(date: str | None, week: str | None, month: str | None) -> listing.Period | None:
    """The day, ISO week or month a page or API call asks for (None: none asked); a 400 that
    says the expected form for a malformed one."""
    try:
        return listing.parse_period(date, week, month)
    except listing.PeriodError as e:
        raise HTTPException(400, str(e)) from None


# Why someone was sent here: the sign-in page says it in a sentence (a fixed list, so a link
# cannot put words of its own on the page).
WHY = {
    "vote": "Sign in to upvote papers: a vote counts once per member.",
    "submit": "Sign in to submit a paper to the Daily list.",
    "comment": "Sign in to comment on papers.",
    "save": "Sign in to save papers to your collections.",
    "fulltext": "Sign in to ask for a paper's full text.",
    "follow": "Sign in to follow authors and topics.",
    "for-you": "Sign in to tell For you what you are not interested in.",
    "admin": "Sign in as an admin to manage this hub.",
}


def to_signin(back: str, why: str | None = None) -> RedirectResponse:
    """Send someone who is not signed in to the sign-in page, saying ``why`` (a key of
    :data:`WHY`, or nothing where the page itself says it), and back to ``back`` (a path of
    this site) afterwards."""
    query = urlencode({"next": back, **({"why": why} if why else {})}, safe="/")
    return RedirectResponse(f"/signin?{query}", status_code=303)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, else the front page.

    >>> safe_next("/account"), safe_next("//evil.example/"), safe_next("https://evil.example")
    ('/account', '/', '/')
    """
    v = (value or "").strip()
    if (not v.startswith("/") or v.startswith("//") or "\\" in v or len(v) > 500
            or any(ord(c) < 32 or ord(c) == 127 for c in v)):
        return "/"
    return v


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def local_path(raw: object, default: str) -> str:
    """``raw`` if it is a path of this site (one leading "/", no scheme, host or backslash),
    else ``default``: a redirect must never leave the site.

    >>> local_path("/papers?date=2024-11-08#p3", "/"), local_path("//evil.example/x", "/")
    ('/papers?date=2024-11-08#p3', '/')
    """
    if not isinstance(raw, str) or not raw.startswith("/") or raw.startswith("//") or len(raw) > 2000:
        return default
    if "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        return default
    parts = urlsplit(raw)
    return raw if not parts.scheme and not parts.netloc else default
