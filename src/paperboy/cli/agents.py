"""`paperboy mcp`: the hub for an agent on this machine, as an MCP server on stdio."""

from __future__ import annotations

from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import fail, open_db

# The MCP SDK and the tools (the search stack) are imported inside mcp(): `--help` stays fast.


def mcp(
    token: Annotated[str | None, typer.Option(
        envvar="PAPERBOY_TOKEN", show_envvar=True,
        help="A member's API token (`paperboy user token EMAIL`): the member tools (For you, "
             "collections, upvote) act as that member. Without one: the read tools only.")] = None,
) -> None:
    """Run an MCP server on standard input and output for a local agent (Claude Desktop, VS
    Code, any MCP client starts this command): search, read, Daily, Trending, For you and
    collections. See docs/mcp.md for the tools and the client settings."""
    from paperboy.mcp_server.stdio import TokenRefused, serve

    cfg = config.load()
    with open_db() as db:
        try:
            serve(db, cfg, token.strip() if token else None)
        except TokenRefused as e:
            raise fail(f"{e} (--token / PAPERBOY_TOKEN)", 2) from None
