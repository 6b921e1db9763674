"""``paperboy mcp``: the MCP server on stdio, for an agent on this machine (it starts the
command and speaks MCP on its standard input and output; logs go to standard error).

The hub is built as a web worker builds its own (web/app.py's create_app): the database
pool, the search over this home's keyword index, the limits; with no background worker, a
search first brings the keyword index up to date itself.
"""

from __future__ import annotations

from types import SimpleNamespace

from paperboy import config
from paperboy.community import tokens
from paperboy.db import Database
from paperboy.mcp_server.hub import BAD_TOKEN, Hub, by_token
from paperboy.mcp_server.server import build
from paperboy.ratelimit import Limits
from paperboy.search import Searcher


class TokenRefused(Exception):
    """The token given names no member (revoked or mistyped)."""


def serve(db: Database, cfg: config.Config, token: str | None) -> None:
    """Answer MCP on stdio until the client closes it. Raises TokenRefused at once for a
    token that is no one's (a typo should not look like an anonymous session)."""
    if token:
        with db.connection() as conn:
            if tokens.member_of(conn, token) is None:
                raise TokenRefused(BAD_TOKEN)
    with db.connection() as conn:
        searcher = Searcher(cfg.home, conn)
    state = SimpleNamespace(db=db, searcher=searcher, limits=Limits(db, cfg), config=cfg,
                            base_url=cfg.base_url.rstrip("/"))
    try:
        build(Hub(state, by_token(db, token), "stdio", fresh_index=True)).run("stdio")
    finally:
        searcher.close()
