"""Making a shared, cached page personal for a signed-in member, cheaply.

Cacheable pages are always rendered as for an anonymous reader (see web/cache.py), so one
stored answer serves everyone. For a member, the few personal parts are then filled in on
the way out, at places the templates mark explicitly:

- a *slot*: ``<!--slot:NAME ARG-->…<!--/slot:NAME-->``, written by the templates through
  ``{{ slot("vote", p.id) }}…{{ endslot("vote") }}``. Each slot has a filler (``Fill``): it
  gets the request scope, the member and every occurrence of its slot on the page
  (:class:`Found`: the argument and what the template wrote inside), and returns what
  replaces each, markers included. The account corner is the slot ``account``; the vote
  button (routes/votes.py) and the save box (routes/collection_pages.py) are others.
- the session's form token: ``<meta name="csrf-token" content="">`` and every
  ``name="csrf" value=""`` of a form, which is what ``csrf(request)`` writes for no one
  (web/templating.py) — the two places a comment cannot mark.
- hooks, which get the member and the whole page after the slots (routes/comments.py shows
  the comment forms); a hook may name the bytes it looks for (``hook.markers``) and then runs
  only on pages holding them.

Which slots and hooks exist is said once, in create_app (web/app.py), which builds the one
:class:`Personaliser` of the app; nothing registers itself on import.

Speed: every scan of a 60 KB page costs tens of microseconds in Python, which is more than a
cached answer costs in all. So a stored page is scanned once for all its marked places and
the cut is kept beside it (:class:`Plan`, per stored body); a member's page is then the
pieces joined with what goes between them. Only HTML answers are touched; JSON answers are
the same for everyone.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paperboy.community.members import Member
from paperboy.web.templating import templates

Message = dict[str, Any]
Hook = Callable[[dict[str, Any], Member, bytes], Awaitable[bytes]]

# A slot as templates write it; the name's own closing marker ends it.
SLOT = re.compile(rb"<!--slot:([a-z][a-z-]*)(?: ([^>]*))?-->(.*?)<!--/slot:\1-->", re.DOTALL)
META, FIELD = b'<meta name="csrf-token" content="">', b'name="csrf" value=""'
_TOKENS = re.compile(re.escape(META) + b"|" + re.escape(FIELD))
PLANS_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Found:
    """One occurrence of a slot: its argument (unescaped), what the template wrote inside,
    and the whole of it, markers included."""

    arg: str
    inner: bytes
    whole: bytes

    @classmethod
    def of(cls, m: re.Match[bytes]) -> Found:
        raw = (m[2] or b"").decode()
        return cls(html.unescape(raw) if "&" in raw else raw, m[3], m[0])


# A slot's filler: the request scope, the member and the slot's occurrences (in page order);
# returns what replaces each.
Fill = Callable[[dict[str, Any], Member, list[Found]], Awaitable[list[bytes]]]


@dataclass
class Plan:
    """A page cut at its marked places: ``pieces[i]``, then what fills ``places[i]`` (the
    slot's name, or "csrf", and its number among that slot's), …, then ``pieces[-1]``."""

    pieces: list[bytes]
    places: list[tuple[str, int]]
    found: dict[str, list[Found]]
    tokens: list[bytes]  # the form-token places, each META or FIELD
    hooks: list[Hook]  # the hooks to run on this page


class Personaliser:
    """The slots and hooks of one app, and the plans of the pages it has cut."""

    def __init__(self, slots: Mapping[str, Fill], hooks: Sequence[Hook] = ()) -> None:
        self.fills: dict[str, Fill] = {"account": _account, **slots}
        self.hooks = list(hooks)
        self._plans: OrderedDict[int, tuple[bytes, Plan]] = OrderedDict()
        self._plans_bytes = 0
        self._lock = threading.Lock()  # a test client runs requests on several threads
        self.corners = Corners()

    def plan_of(self, body: bytes) -> Plan:
        # Slots and form tokens each by one expression that starts with a literal (which the
        # regular expression engine finds fast), then in page order; a form token inside a
        # slot is the slot's to fill.
        matches = sorted([(m.start(), m) for m in SLOT.finditer(body) if m[1].decode() in self.fills]
                         + [(m.start(), m) for m in _TOKENS.finditer(body)], key=lambda x: x[0])
        pieces: list[bytes] = []
        places: list[tuple[str, int]] = []
        found: dict[str, list[Found]] = {}
        tokens: list[bytes] = []
        at = 0
        for start, m in matches:
            if start < at:
                continue
            pieces.append(body[at:start])
            if m.re is SLOT:
                mine = found.setdefault(m[1].decode(), [])
                places.append((m[1].decode(), len(mine)))
                mine.append(Found.of(m))
            else:
                places.append(("csrf", len(tokens)))
                tokens.append(m[0])
            at = m.end()
        pieces.append(body[at:])
        hooks = [h for h in self.hooks
                 if not getattr(h, "markers", None) or any(k in body for k in h.markers)]  # type: ignore[attr-defined]
        return Plan(pieces, places, found, tokens, hooks)

    def _plan(self, body: bytes, keep: bool) -> Plan:
        """The plan of ``body``; kept (by the identity of the stored body, the same bytes
        object on every hit of one cache entry, bounded in bytes) when ``keep``."""
        with self._lock:
            hit = self._plans.get(id(body))
            if hit is not None and hit[0] is body:
                self._plans.move_to_end(id(body))
                return hit[1]
            plan = self.plan_of(body)
            if not keep:
                return plan
            old = self._plans.pop(id(body), None)
            if old is not None:
                self._plans_bytes -= len(old[0])
            self._plans[id(body)] = (body, plan)
            self._plans_bytes += len(body)
            while self._plans_bytes > PLANS_MAX_BYTES and self._plans:
                _, (dropped, _) = self._plans.popitem(last=False)
                self._plans_bytes -= len(dropped)
            return plan

    async def personalise(self, scope: dict[str, Any], messages: list[Message], stored: bool = True) -> list[Message]:
        """``messages`` (a whole answer) made personal for the member in ``scope``. ``stored``:
        the answer is kept and served again (by the response cache), so its plan is kept too."""
        state = scope.get("state") or {}
        member: Member | None = state.get("member")
        start, *bodies = messages
        headers = start.get("headers", [])
        if member is None or not any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers):
            return messages
        body = b"".join(m.get("body", b"") for m in bodies)  # one body: the stored object itself
        plan = self._plan(body, stored)
        fills = {name: await self.fills[name](scope, member, found) for name, found in plan.found.items()}
        token = state.get("csrf", "").encode()
        fills["csrf"] = [META[:-2] + token + b'">' if t == META else FIELD[:-1] + token + b'"' for t in plan.tokens]
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


class Corners:
    """The account corner of every page (templates/_account.html) per member and form token,
    rendered once each (bounded)."""

    def __init__(self, most: int = 10_000) -> None:
        self.most = most
        self._made: OrderedDict[tuple, bytes] = OrderedDict()

    def __call__(self, member: Member | None, csrf: str) -> bytes:
        key = (member, csrf)
        hit = self._made.get(key)
        if hit is None:
            hit = templates.get_template("_account.html").render(me=member, csrf_token=csrf).encode()
            self._made[key] = hit
            while len(self._made) > self.most:
                self._made.popitem(last=False)
        return hit


async def _account(scope: dict[str, Any], member: Member, found: list[Found]) -> list[bytes]:
    corner = scope["app"].state.personaliser.corners(member, scope["state"].get("csrf", ""))
    return [corner] * len(found)
