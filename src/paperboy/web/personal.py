"""Making a shared, cached page personal for a signed-in member, cheaply.

Cacheable pages are always rendered as for an anonymous reader (see web/cache.py), so one
stored answer serves everyone. For a member, the few personal parts are then filled in on
the way out, as plain byte replacements on marked places of the page:

- the account corner: ``<!--account-->…<!--/account-->`` (templates/_account.html);
- the session's form token: ``<meta name="csrf-token" content="">`` and every
  ``name="csrf" value=""`` of a form;
- the member's own state, e.g. which papers they upvoted: each hook in :data:`HOOKS` gets
  the request scope, the member and the body, and returns the body.

Only HTML answers are touched; JSON answers are the same for everyone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from paperboy.community.members import Member
from paperboy.web.templating import templates

Message = dict[str, Any]
Hook = Callable[[dict[str, Any], Member, bytes], Awaitable[bytes]]
HOOKS: list[Hook] = []

START, END = b"<!--account-->", b"<!--/account-->"
_corners: OrderedDict[tuple, bytes] = OrderedDict()


def account_corner(member: Member | None, csrf: str) -> bytes:
    """The account corner of every page, for a member or (None) for no one."""
    key = (member, csrf)
    hit = _corners.get(key)
    if hit is None:
        hit = templates.get_template("_account.html").render(me=member, csrf_token=csrf).encode()
        _corners[key] = hit
        while len(_corners) > 10_000:
            _corners.popitem(last=False)
    return hit


async def personalise(scope: dict[str, Any], messages: list[Message]) -> list[Message]:
    """``messages`` (a whole stored answer) made personal for the member in ``scope``."""
    state = scope.get("state") or {}
    member: Member | None = state.get("member")
    start, *bodies = messages
    headers = start.get("headers", [])
    if member is None or not any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
        return messages
    body = b"".join(m.get("body", b"") for m in bodies)
    csrf = state.get("csrf", "").encode()
    i, j = body.find(START), body.find(END)
    if 0 <= i < j:
        body = body[:i] + account_corner(member, csrf.decode()) + body[j + len(END):]
    body = body.replace(b'<meta name="csrf-token" content="">', b'<meta name="csrf-token" content="' + csrf + b'">')
    body = body.replace(b'name="csrf" value=""', b'name="csrf" value="' + csrf + b'"')
    for hook in HOOKS:
        body = await hook(scope, member, body)
    headers = [(k, v) for k, v in headers if k not in (b"content-length", b"cache-control")]
    headers += [(b"content-length", str(len(body)).encode()), (b"cache-control", b"private, no-store")]
    return [{**start, "headers": headers}, {"type": "http.response.body", "body": body}]
