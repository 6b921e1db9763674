"""Making a shared, cached page personal for a signed-in member, cheaply.

Cacheable pages are always rendered as for an anonymous reader (see web/cache.py), so one
stored answer serves everyone. For a member, the few personal parts are then filled in on
the way out, on marked places of the page:

- the account corner: ``<!--account-->…<!--/account-->`` (templates/_account.html);
- the session's form token: ``<meta name="csrf-token" content="">`` and every
  ``name="csrf" value=""`` of a form;
- the member's own state, e.g. which papers they upvoted: each *slot* (:func:`slot`) is a
  marked place a module fills per member (web/votes.py presses the vote buttons), and each
  hook in :data:`HOOKS` gets the request scope, the member and the body, and returns the body.

Speed: every scan of a 60 KB page costs tens of microseconds in Python, which is more than a
cached answer costs in all. So a stored page is scanned once for all its marked places and
the cut is kept beside it (:class:`Plan`, per stored body); a member's page is then the
pieces joined with what goes between them. A hook may
name the bytes it looks for (``hook.markers``): it then runs only on pages holding them,
which the plan also knows. Only HTML answers are touched; JSON answers are the same for
everyone.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from paperboy.community.members import Member
from paperboy.web.templating import templates

Message = dict[str, Any]
Hook = Callable[[dict[str, Any], Member, bytes], Awaitable[bytes]]
HOOKS: list[Hook] = []
# A slot's filler: the request scope, the member, and every match of the slot's pattern on
# the page (in order); returns what replaces each match.
Fill = Callable[[dict[str, Any], Member, list[re.Match[bytes]]], Awaitable[list[bytes]]]

START, END = b"<!--account-->", b"<!--/account-->"
META, FIELD = b'<meta name="csrf-token" content="">', b'name="csrf" value=""'
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


async def _account(scope: dict[str, Any], member: Member, found: list[re.Match[bytes]]) -> list[bytes]:
    return [account_corner(member, scope["state"].get("csrf", ""))] * len(found)


async def _meta(scope: dict[str, Any], member: Member, found: list[re.Match[bytes]]) -> list[bytes]:
    return [b'<meta name="csrf-token" content="' + scope["state"].get("csrf", "").encode() + b'">'] * len(found)


async def _field(scope: dict[str, Any], member: Member, found: list[re.Match[bytes]]) -> list[bytes]:
    return [b'name="csrf" value="' + scope["state"].get("csrf", "").encode() + b'"'] * len(found)


_SLOTS: dict[str, tuple[bytes, Fill]] = {
    "account": (re.escape(START) + rb".*?" + re.escape(END), _account),
    "meta": (re.escape(META), _meta),
    "field": (re.escape(FIELD), _field),
}
_compiled_slots = False
_own: dict[str, re.Pattern[bytes]] = {}


def slot(name: str, pattern: bytes | re.Pattern[bytes], fill: Fill) -> None:
    """Fill every match of ``pattern`` (a regular expression over the page's bytes; its
    groups are the slot's own) on a page made personal with what ``fill`` answers."""
    global _compiled_slots
    with _lock:
        _SLOTS[name] = (pattern.pattern if isinstance(pattern, re.Pattern) else pattern, fill)
        _compiled_slots = False
        _plans.clear()


def _compiled() -> None:
    global _compiled_slots
    if not _compiled_slots:
        _own.clear()
        _own.update({n: re.compile(p, re.DOTALL) for n, (p, _) in _SLOTS.items()})
        _compiled_slots = True


@dataclass
class Plan:
    """A page cut at its marked places: ``pieces[i]``, then what fills ``places[i]`` (the
    slot's name and the match's number among that slot's), …, then ``pieces[-1]``."""

    pieces: list[bytes]
    places: list[tuple[str, int]]
    found: dict[str, list[re.Match[bytes]]]
    hooks: list[Hook]  # the hooks to run on this page
    of_hooks: int  # … of that many hooks registered


def plan_of(body: bytes) -> Plan:
    _compiled()
    # Each slot's pattern on its own (each starts with a literal, which the regular
    # expression engine finds fast; one alternation of them all is ten times slower), then
    # in page order, a match inside an earlier one left out.
    matches = sorted(((m.start(), name, m) for name, own in _own.items() for m in own.finditer(body)),
                     key=lambda x: x[0])
    pieces: list[bytes] = []
    places: list[tuple[str, int]] = []
    found: dict[str, list[re.Match[bytes]]] = {}
    at = 0
    for start, name, m in matches:
        if start < at:
            continue
        pieces.append(body[at:start])
        mine = found.setdefault(name, [])
        places.append((name, len(mine)))
        mine.append(m)
        at = m.end()
    pieces.append(body[at:])
    hooks = [h for h in HOOKS
             if not getattr(h, "markers", None) or any(k in body for k in h.markers)]  # type: ignore[attr-defined]
    return Plan(pieces, places, found, hooks, len(HOOKS))


# The plans of stored answers, by the identity of the stored body (the same bytes object on
# every hit of one entry), bounded in bytes.
_plans: OrderedDict[int, tuple[bytes, Plan]] = OrderedDict()
_plans_bytes = 0
PLANS_MAX_BYTES = 16 * 1024 * 1024
_lock = threading.Lock()  # a test client runs requests on several threads


def _plan(body: bytes, keep: bool) -> Plan:
    global _plans_bytes
    with _lock:
        hit = _plans.get(id(body))
        if hit is not None and hit[0] is body and hit[1].of_hooks == len(HOOKS):
            _plans.move_to_end(id(body))
            return hit[1]
        plan = plan_of(body)
        if not keep:
            return plan
        old = _plans.pop(id(body), None)
        if old is not None:
            _plans_bytes -= len(old[0])
        _plans[id(body)] = (body, plan)
        _plans_bytes += len(body)
        while _plans_bytes > PLANS_MAX_BYTES and _plans:
            _, (dropped, _) = _plans.popitem(last=False)
            _plans_bytes -= len(dropped)
        return plan


async def personalise(scope: dict[str, Any], messages: list[Message], stored: bool = True) -> list[Message]:
    """``messages`` (a whole answer) made personal for the member in ``scope``. ``stored``:
    the answer is kept and served again (by the response cache), so its plan is kept too."""
    state = scope.get("state") or {}
    member: Member | None = state.get("member")
    start, *bodies = messages
    headers = start.get("headers", [])
    if member is None or not any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
        return messages
    body = b"".join(m.get("body", b"") for m in bodies)  # one body: the stored object itself
    plan = _plan(body, stored)
    fills = {name: await _SLOTS[name][1](scope, member, matches) for name, matches in plan.found.items()}
    out = [plan.pieces[0]]
    for (name, i), piece in zip(plan.places, plan.pieces[1:], strict=True):
        out.append(fills[name][i])
        out.append(piece)
    body = b"".join(out)
    for hook in plan.hooks:
        body = await hook(scope, member, body)
    headers = [(k, v) for k, v in headers if k not in (b"content-length", b"cache-control")]
    headers += [(b"content-length", str(len(body)).encode()), (b"cache-control", b"private, no-store")]
    return [{**start, "headers": headers}, {"type": "http.response.body", "body": body}]
