"""CSRF protection for forms.

Every state-changing form POST must come from this site: the browser's Sec-Fetch-Site
header (or, failing that, Origin or Referer) is checked against the request's own host.
Pages carrying the subscribe form are cached and shared between visitors, so a per-visitor
token cannot live in them; forms on personal pages (preferences) also carry a signed token
bound to their address. The one-click unsubscribe POST (RFC 8058) comes from mail clients
with no Origin at all: its signed URL is its authority, and it is exempt.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

TOKEN_MAX_AGE = 24 * 3600


def same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.headers.get("host", "")


def check(request: Request) -> None:
    if not same_origin(request):
        raise HTTPException(403, "This form must be sent from this site (cross-site request refused).")


def token(secret: str, path: str) -> str:
    return TimestampSigner(secret, salt="paperboy-csrf").sign(path).decode()


def check_token(secret: str, path: str, value: str | None) -> None:
    try:
        signed = TimestampSigner(secret, salt="paperboy-csrf").unsign(value or "", max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise HTTPException(403, "This form has expired: reload the page and send it again.") from None
    except BadSignature:
        raise HTTPException(403, "This form's security token is missing or wrong: reload the page.") from None
    if signed.decode() != path:
        raise HTTPException(403, "This form's security token is for another page: reload the page.")
