"""The MCP server: its tools (reading.py, mine.py), its resources and who sees which tools.

Tools anyone may call are listed to anyone; the member's tools (:data:`MEMBER_TOOLS`) are
listed only to a member, and refused to anyone else with the API's words.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ListToolsResult
from pydantic import ValidationError

from paperboy import __version__, errors
from paperboy.mcp_server import mine, reading, render
from paperboy.mcp_server.hub import Hub

MEMBER_TOOLS = frozenset({"recommendations", "list_collections", "save_to_collection", "upvote"})
READ_TOOLS = frozenset({"search_papers", "get_paper", "read_paper", "similar_papers", "daily_papers",
                        "trending", "get_collection"})

INSTRUCTIONS = """paperboy is a self-hosted hub of research papers: the Daily list, Trending, search,
and, for a member, their For you picks, collections and votes. Find papers with search_papers,
daily_papers or trending; read one with get_paper (metadata) and read_paper (the paper as
Markdown, 20,000 characters a call: pass offset to read on). Lists come a page at a time
(page=1, 2, … for more). Paper ids are arXiv ids such as 2411.04965."""


class Server(MCPServer):
    """The SDK's server, saying what is wrong with a tool's arguments in plain words (as the
    API does: "limit must be at most 50", not pydantic's report with its links)."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        tool = next((t for t in await self.list_tools() if t.name == name), None)
        takes = set((tool.input_schema.get("properties") or {}) if tool else ())
        unknown = sorted(set(arguments or {}) - takes)
        if tool and unknown:
            raise ToolError(f"Error executing tool {name}: {', '.join(unknown)[:200]} is not an argument of "
                            f"this tool (it takes {', '.join(sorted(takes)) or 'none'})")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if not isinstance(e.__cause__, ValidationError):
                raise
            words = "; ".join(plain(err) for err in e.__cause__.errors())
            raise ToolError(f"Error executing tool {name}: {words}") from None


def plain(error: Any) -> str:
    """One argument error in plain words, naming the argument (the API's words:
    paperboy.errors.plain).

    >>> plain({"type": "less_than_equal", "loc": ("limit",), "input": 500, "ctx": {"le": 50}})
    'limit must be at most 50'
    """
    if error.get("type") == "string_pattern_mismatch":  # the tools' one pattern: no NUL
        return f"{'.'.join(str(x) for x in error.get('loc', ()))} must not hold a NUL character"
    return errors.plain(error)


def build(hub: Hub) -> MCPServer:
    server = Server("paperboy", title="paperboy", version=__version__, instructions=INSTRUCTIONS,
                    log_level="WARNING")
    reading.register(server, hub)
    mine.register(server, hub)

    async def tools_for_the_asker(ctx: Any, call_next: Any) -> Any:
        """tools/list: the read tools for no one, every tool for a member."""
        answer = await call_next(ctx)
        if ctx.method != "tools/list" or hub.asker(ctx).member is not None:
            return answer
        if isinstance(answer, ListToolsResult):
            return answer.model_copy(update={"tools": [t for t in answer.tools if t.name in READ_TOOLS]})
        # (the SDK hands a middleware the answer as it will be sent: a dict)
        return {**answer, "tools": [t for t in answer["tools"] if t["name"] in READ_TOOLS]}

    server.middleware.append(tools_for_the_asker)

    @server.resource("paper://{id}", name="paper", title="A paper as Markdown", mime_type="text/markdown")
    def paper(id: str) -> str:  # noqa: A002 - the template's variable
        """The paper as read_paper gives it: its Markdown, the first 20,000 characters (read_paper
        with offset reads on)."""
        try:
            return render.markdown_page(id, reading.markdown_of(hub, id), 0)[0]
        except ToolError as e:
            raise ResourceError(str(e)) from None

    @server.resource("collection://{id}", name="collection", title="A collection", mime_type="application/json")
    def collection(id: str, ctx: Context) -> str:  # noqa: A002
        """A collection and its first 100 papers (GET /api/collections/{id}): yours, or anyone's
        public one."""
        if not id.isdigit() or len(id) > 18:
            raise ResourceError(f"No collection {id[:40]!r}.")
        try:
            return json.dumps(mine.collection(hub, ctx.request_context, int(id), 100, 0)[1], ensure_ascii=False)
        except ToolError as e:
            raise ResourceError(str(e)) from None

    return server
