"""What every tool shares: the hub's per-process objects, who is asking, and failing in the
API's words.

The tools run in two places: inside ``paperboy serve`` (streamable HTTP at ``/mcp``), where
the hub is the app's own state and the asker is the member whose API token came in the
request's ``Authorization: Bearer`` header (web/auth.py's Members middleware read it); and
in ``paperboy mcp`` (stdio), where the hub is built for the process and the asker is the
member of ``--token`` / ``PAPERBOY_TOKEN``. A browser's session cookie is never taken over
HTTP: the MCP endpoint takes no ambient authority, so it needs no CSRF token (as the API
with a Bearer token).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from fastapi import HTTPException
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from paperboy.community import tokens
from paperboy.community.members import Member
from paperboy.community.votes import NoSuchPaper
from paperboy.db import Database
from paperboy.errors import Refused
from paperboy.papers.listing import PeriodError

# What the API answers a caller without a member (web/auth.py's signed_in), and what
# stdio says instead: there is no header to send there, but an option.
NO_MEMBER = {
    "http": "Sign in first (or send Authorization: Bearer TOKEN).",
    "stdio": "This tool needs a member: start `paperboy mcp --token TOKEN` (or set PAPERBOY_TOKEN); "
             "make one with `paperboy user token EMAIL` or on your account page.",
}
BAD_TOKEN = "This API token is not valid (revoked or mistyped)."


@dataclass(frozen=True)
class Asker:
    """Who is calling: a member or no one, and whether they sent a token that is no one's."""

    member: Member | None
    bad_token: bool = False


# How a transport tells who asks, from the request context the SDK hands a tool (or a
# tools/list middleware): its ``request`` is the HTTP request, None on stdio.
WhoAsks = Callable[[Any], Asker]


@dataclass
class Hub:
    """``state`` holds what the web's routes read from ``app.state``: db, searcher, limits,
    config, base_url and (in a web worker) vote_marks. ``transport`` is "http" or "stdio".
    ``fresh_index``: sync the keyword index before a search (stdio has no background worker
    to keep it up)."""

    state: Any
    who: WhoAsks
    transport: str
    fresh_index: bool = False

    @property
    def db(self) -> Database:
        return self.state.db

    @property
    def base_url(self) -> str:
        return self.state.base_url

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; the feature functions' errors become tool errors."""
        with failing_as_tools(), self.db.connection() as conn:
            yield conn

    def asker(self, request_context: Any) -> Asker:
        return self.who(request_context)

    def member(self, request_context: Any) -> Member:
        """The calling member, or a tool error saying how to become one."""
        asked = self.who(request_context)
        if asked.member is None:
            raise ToolError(BAD_TOKEN if asked.bad_token else NO_MEMBER[self.transport])
        return asked.member


@contextmanager
def failing_as_tools() -> Iterator[None]:
    """The API's refusals (an HTTPException of the web's parameter readers, a feature's
    Refused, a bad period, an unknown paper) as tool errors with the same message."""
    try:
        yield
    except HTTPException as e:
        raise ToolError(str(e.detail)) from None
    except Refused as e:  # any feature's refusal (a collection's 404, a full one, …)
        raise ToolError(e.message) from None
    except PeriodError as e:
        raise ToolError(str(e)) from None
    except NoSuchPaper as e:
        raise ToolError(f"no paper with id {str(e.args[0] if e.args else '')[:80]!r}") from None


def over_http(request_context: Any) -> Asker:
    """The asker of a request to ``/mcp``: the member of its Bearer token (as on the API);
    a cookie session counts as no one here (see the module's docstring)."""
    request = getattr(request_context, "request", None)
    state = request.scope.get("state", {}) if request is not None else {}
    if state.get("auth") != "token":
        return Asker(None, bool(state.get("bad_token")))
    return Asker(state.get("member"))


def by_token(db: Database, token: str | None) -> WhoAsks:
    """The asker on stdio: the member of ``token``, looked up on each call (a revoked token
    stops working at once, as on the API)."""

    def who(_request_context: Any) -> Asker:
        if not token:
            return Asker(None)
        with db.connection() as conn:
            member = tokens.member_of(conn, token)
        return Asker(member, member is None)

    return who


# The arguments several tools take, checked as the API checks them (no paper id is longer
# than 200 characters or holds a NUL, which PostgreSQL's text cannot).
PaperId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$",
                               description="a paper id: an arXiv id such as 2411.04965, or the hub's own id")]
Page = Annotated[int, Field(ge=0, le=1000, description="page of results, from 0")]

# What a client may tell its user (or decide alone) about a tool: reading changes nothing and
# reaches no other site; saving and upvoting change the hub, but again changes nothing more.
READS = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                         open_world_hint=False)
