"""CSRF protection for forms.

Every state-changing form POST must come from this site: the browser's Sec-Fetch-Site
header (or, failing that, Origin or Referer) is checked. An Origin or Referer must name this
site's scheme, host and port exactly: those of PAPERBOY_BASE_URL, or of the request itself
(``https://evil`` posing as ``http://evil``, or another scheme, is refused).
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


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port filled in; None for anything else.

    >>> origin("HTTPS://Example.org/x"), origin("http://[::1]:8000"), origin("ftp://a")
    (('https', 'example.org', 443), ('http', '::1', 8000), None)
    """
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # a port out of range, a broken IPv6 address
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    claimed = origin(source)
    if claimed is None:
        return False
    # Behind a TLS proxy the request itself looks like http: the base URL says https.
    base = getattr(request.app.state, "base_url", None)
    own = origin(f"{request.url.scheme}://{request.headers.get('host', '')}")
    return claimed in {origin(base) if base else None, own} - {None}


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
