"""`/mcp` in a real `paperboy serve`, driven by the official MCP client SDK over streamable
HTTP: the same session as on stdio (anyone, then a member by Bearer token) checked against
the same server's HTTP API, and what only HTTP has: a token that is no one's, the Origin
check against DNS rebinding, the per-client rate limit and the votes' limit."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from paperboy.mcp_server.hub import BAD_TOKEN, NO_MEMBER
from tests.fixtures import http
from tests.helpers import run_async
from tests.mcp_server import session
from tests.mcp_server.conftest import Filled
from tests.ops.nodes import Node, ready, start, stop, wait_for

VOTES_PER_MINUTE = 4
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
# What a client of the 2025 protocol sends on every request (the SDK's client does too).
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}


@pytest.fixture
def node(filled: Filled, tmp_path: Path) -> Iterator[Node]:
    n = ready(start(filled.url, tmp_path / "node", "--no-fetch", PAPERBOY_VOTES_PER_MINUTE=str(VOTES_PER_MINUTE),
                    PAPERBOY_RATE_BURST="400", PAPERBOY_RATE_LIMIT="1"))
    try:
        yield n
    finally:
        stop(n)


def over_http(node: Node, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(streamable_http_client(f"{node.base}/mcp", http_client=httpx2.AsyncClient(headers=headers,
                                                                                              timeout=60)))


def api_of(node: Node) -> session.Api:
    def api(method: str, path: str, token: str | None = None) -> tuple[int, Any]:
        r = http.request(method, node.base + path, timeout=60,
                          headers={"Authorization": f"Bearer {token}"} if token else {})
        return r.status_code, r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
    return api


def test_an_agent_reads_the_hub_and_a_member_uses_their_library(node: Node, filled: Filled):
    api = api_of(node)
    # The background worker brings this node's keyword index up to date first.
    wait_for(lambda: api("GET", "/api/papers/search?q=language+model&mode=keyword&limit=5")[1], 60,
             "the keyword index of the node")

    async def run() -> None:
        async with over_http(node) as client:
            await session.anonymous(client, api, filled, NO_MEMBER["http"])
        async with over_http(node, filled.ada_token) as client:
            await session.member(client, api, filled)
        # A token that is no one's: anonymous for the read tools, as on the API; the member's
        # tools say why they are refused.
        async with over_http(node, "pb_not-a-token") as client:
            assert await session.tool_names(client) == session.READ_TOOLS
            assert BAD_TOKEN in await session.refused(client, "list_collections")
            await session.ok(client, "trending", limit=1)

    run_async(run)


def test_the_votes_limit_holds_for_an_agent_as_on_the_api(node: Node, filled: Filled):
    async def run() -> None:
        async with over_http(node, filled.bob_token) as client:
            for paper in filled.latest[:VOTES_PER_MINUTE]:
                await session.ok(client, "upvote", paper=paper)
            said = await session.refused(client, "upvote", paper=filled.latest[VOTES_PER_MINUTE])
            assert f"Too many votes: at most {VOTES_PER_MINUTE} a minute." in said

    run_async(run)
    status, answer = api_of(node)("POST", f"/api/papers/{filled.latest[5]}/upvote", token=filled.bob_token)
    assert status == 429 and answer["error"].startswith(f"Too many votes: at most {VOTES_PER_MINUTE} a minute.")


def test_a_page_of_another_site_may_not_call_it(node: Node, filled: Filled):
    """DNS rebinding: a page of evil.example (its name pointed at this machine) calls /mcp from
    the browser, which sends its Origin: refused. This hub's own pages and clients that send
    no Origin pass."""
    url = f"{node.base}/mcp"
    for origin in ("http://evil.example", "null", f"{node.base}.evil.example", "http://127.0.0.1:1"):
        r = http.post(url, json=LIST_TOOLS, headers={**MCP_HEADERS, "Origin": origin}, timeout=30)
        assert r.status_code == 403, (origin, r.status_code, r.text)
        assert "Origin not allowed" in r.json()["error"]["message"]
    for headers in ({"Origin": node.base}, {}):
        r = http.post(url, json=LIST_TOOLS, headers={**MCP_HEADERS, **headers}, timeout=30)
        assert r.status_code == 200, r.text
        assert "search_papers" in {t["name"] for t in r.json()["result"]["tools"]}
    # A Host this hub does not answer to is refused before MCP sees it (TrustedHosts).
    r = http.post(url, json=LIST_TOOLS, headers={**MCP_HEADERS, "Host": "evil.example"}, timeout=30)
    assert r.status_code == 400


def test_a_client_past_the_rate_limit_gets_429_like_everywhere(node: Node):
    """PAPERBOY_RATE_BURST=400 and 1 a second after it: a client that keeps asking is refused."""
    with http.Client(timeout=30) as web:
        for _ in range(600):
            r = web.post(f"{node.base}/mcp", json=LIST_TOOLS, headers=MCP_HEADERS)
            if r.status_code == 429:
                break
            assert r.status_code == 200, r.text
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
