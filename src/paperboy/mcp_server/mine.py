"""The member's tools: For you, collections, saving and upvoting (and get_collection, which
anyone may call for a public collection, as on the API).

Each calls the feature functions of the HTTP API's route (web/routes/foryou.py,
collections.py, votes.py), with its limits: an upvote counts against
PAPERBOY_VOTES_PER_MINUTE like one cast on the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from paperboy import collections
from paperboy.collections.lists import iso, not_found
from paperboy.community import votes
from paperboy.mcp_server import render
from paperboy.mcp_server.hub import READS, WRITES, Hub, Page, PaperId, failing_as_tools
from paperboy.papers import picks, view
from paperboy.ratelimit.policies import VOTES
from paperboy.web import searching

CollectionId = Annotated[int, Field(ge=1, description="a collection's id (list_collections gives them)")]


def collection(hub: Hub, request_context: Any, collection_id: int, limit: int, p: int) -> tuple[str, dict[str, Any]]:
    """A collection the asker may see (public, or their own) and a page of its papers, as
    text and as GET /api/collections/{id} answers; a tool error as for none at all when
    it is someone else's private one."""
    asked = hub.asker(request_context)
    with hub.connection() as conn:
        c = collections.get(conn, collection_id, asked.member.id if asked.member else None)
        if c is None:
            raise not_found(collection_id)
        rows = collections.papers(conn, c.id, p * limit, limit)
    data = {**c.api(), "papers": [{**view.of(r).hf_paper(), "addedAt": iso(r["added"])} for r in rows]}
    return render.collection_text(data, data["papers"], hub.base_url, page=p, limit=limit), data


def register(server: MCPServer, hub: Hub) -> None:
    @server.tool(name="recommendations", title="For you", annotations=READS)
    def recommendations(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=50, description="picks per page, 1–50")] = 10,
        since: Annotated[str | None, Field(max_length=40, description="from this day on, YYYY-MM-DD "
                                           "(1900-01-01: all time; none: the last days the hub's "
                                           "For you shows)")] = None,
        page: Page = 0,
    ) -> CallToolResult:
        """(A member.) Your For you picks: the papers most like those you upvoted, saved or
        have in your library, best first, each with the reason (the one or two of your own
        papers it is close to). Structured content: GET /api/recommendations."""
        member = hub.member(ctx.request_context)
        with failing_as_tools():
            start = searching.read_params(None, None, None, since, None, None, None, strict_length=False).since
        with hub.connection() as conn:
            found = picks.for_you(conn, member.id, since=start, limit=limit, offset=page * limit,
                                  days=hub.state.config.recommend.days)
        items = [s.hf_item() for s in found.items]
        extras = [s.because_text or ("trending now" if s.trending else "") for s in found.items]
        notes = []
        if found.cold_start:
            notes.append("these are trending papers, not picks of your own yet: For you needs 3 signals "
                         f"(upvotes, saves, library entries; you have {found.signals}) and a model fitted to "
                         "them, which the hub's background worker refits")
        if found.pending:
            notes.append("your picks are being updated after a change")
        text = render.paper_list(f"For you, {member.name}", items, hub.base_url, page=page, limit=limit,
                                 total=None, more=found.asked >= limit, extras=extras, notes=notes)
        return render.result(text, {"papers": items, "signals": found.signals, "coldStart": found.cold_start,
                                    "pending": found.pending, "page": page})

    @server.tool(name="list_collections", title="Your collections", annotations=READS)
    def list_collections(ctx: Context) -> CallToolResult:
        """(A member.) Your collections, the most recently changed first. Structured
        content: GET /api/collections."""
        member = hub.member(ctx.request_context)
        with hub.connection() as conn:
            found = [c.api() for c in collections.of_member(conn, member.id)]
        lines = [f"{len(found)} collections of {member.name}" + ("." if found else
                 " (make one on the hub's Collections page).")]
        lines += [f"- {c['id']}: {c['name']} ({'public' if c['public'] else 'private'}, {c['numPapers']} "
                  f"paper{'' if c['numPapers'] == 1 else 's'}){' · ' + c['description'] if c['description'] else ''}"
                  for c in found]
        return render.result("\n".join(lines), {"collections": found})

    @server.tool(name="get_collection", title="A collection", annotations=READS)
    def get_collection(
        ctx: Context, id: CollectionId,  # noqa: A002
        limit: Annotated[int, Field(ge=1, le=100, description="papers per page, 1–100")] = 50,
        page: Page = 0,
    ) -> CallToolResult:
        """A collection and a page of its papers, the last saved first: yours, or anyone's
        public one (another member's private collection is unknown, as on the API).
        Structured content: GET /api/collections/{id}."""
        text, data = collection(hub, ctx.request_context, id, limit, page)
        return render.result(text, data)

    @server.tool(name="save_to_collection", title="Save a paper to a collection", annotations=WRITES)
    def save_to_collection(ctx: Context, collection: CollectionId, paper: PaperId) -> CallToolResult:
        """(A member.) Save a paper to one of your collections; saving again changes nothing.
        Structured content: PUT /api/collections/{id}/papers/{paper}."""
        member = hub.member(ctx.request_context)
        with hub.connection() as conn:
            done = collections.add_paper(conn, member.id, collection, paper)
        data = {"collection": collection, **done, "saved": True}
        return render.result(f"Saved {done['paper']} to collection {collection} "
                             f"({done['numPapers']} papers in it now).", data)

    @server.tool(name="upvote", title="Upvote a paper", annotations=WRITES)
    def upvote(ctx: Context, paper: PaperId) -> CallToolResult:
        """(A member.) Upvote a paper: one vote per member, upvoting again changes nothing.
        Answers the paper's count (imported plus members'), the members' votes alone and
        whether you upvoted it. Structured content: POST /api/papers/{id}/upvote."""
        member = hub.member(ctx.request_context)
        limits = hub.state.limits
        wait = limits.check(VOTES, member.id)
        if wait:
            raise ToolError(f"Too many votes: at most {limits.most(VOTES)} a minute. "
                            f"Try again in {int(wait) + 1} s.")
        with hub.connection() as conn:
            state = votes.upvote(conn, paper, member.id)
        marks = getattr(hub.state, "vote_marks", None)
        if marks is not None:
            marks.forget(member.id)  # this worker's pages show the vote at once
        return render.result(f"Upvoted {paper}: {state['upvotes']} upvotes now "
                             f"({state['communityUpvotes']} from members here).", state)
