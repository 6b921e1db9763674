"""One MCP session's checks, the same over stdio and streamable HTTP: every tool called on the
filled hub, its structured content compared with what the HTTP API answers for the same
question, its text read for what an agent needs, and the refusals.

``api(method, path, token)`` asks the HTTP API (a TestClient, or the real server) and gives
(status, JSON or text)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from mcp import Client, MCPError
from mcp.types import CallToolResult

from paperboy.mcp_server.render import MARKDOWN_CHARS
from paperboy.mcp_server.server import MEMBER_TOOLS, READ_TOOLS
from tests.mcp_server.conftest import Filled

Api = Callable[..., tuple[int, Any]]


def agree(mcp: Any, api: Any, what: str) -> None:
    """The MCP tool's structured content is what the API answered (a readable failure)."""
    if mcp == api:
        return
    if isinstance(mcp, list) and isinstance(api, list):
        diff = [(i, {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)})
                for i, (a, b) in enumerate(zip(mcp, api, strict=False)) if a != b]
        raise AssertionError(f"{what}: {len(mcp)} items vs the API's {len(api)}; differing: {str(diff)[:1500]}")
    raise AssertionError(f"{what}: MCP {str(mcp)[:700]} vs API {str(api)[:700]}")


async def call(client: Client, name: str, **args: Any) -> CallToolResult:
    return await client.call_tool(name, args)


async def ok(client: Client, name: str, **args: Any) -> tuple[str, Any]:
    """The text and structured content of a call that must succeed."""
    r = await call(client, name, **args)
    text = r.content[0].text if r.content else ""
    assert not r.is_error, f"{name}({args}) failed: {text}"
    assert "Traceback" not in text
    return text, r.structured_content


async def refused(client: Client, name: str, **args: Any) -> str:
    """The message of a call that must fail as a tool error (never a traceback)."""
    r = await call(client, name, **args)
    text = r.content[0].text if r.content else ""
    assert r.is_error, f"{name}({args}) did not fail: {text[:300]}"
    assert "Traceback" not in text and 'File "' not in text, text
    return text


async def tool_names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


async def anonymous(client: Client, api: Api, f: Filled, no_member: str) -> None:
    """A session without a token: the read tools, each against the API; the member's tools
    refused with ``no_member``; bad arguments refused in plain words."""
    tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == READ_TOOLS
    assert all(t.annotations and t.annotations.read_only_hint for t in tools)  # a client may run them unasked
    first = f.latest[0]

    text, data = await ok(client, "search_papers", query="language model", mode="keyword", limit=5)
    status, answer = api("GET", "/api/papers/search?q=language+model&mode=keyword&limit=5")
    assert status == 200 and answer, answer
    agree(data["papers"], answer, "papers")
    assert data["mode"] == "keyword" and data["total"] >= len(answer)
    assert answer[0]["title"] in text and "page=1" in text

    text, data = await ok(client, "get_paper", id=first)
    status, answer = api("GET", f"/api/papers/{first}")
    assert status == 200, answer
    agree(data, answer, "answer")
    assert answer["title"] in text and f"/papers/{first}" in text and "upvotes:" in text

    text, data = await ok(client, "read_paper", id=first)
    status, markdown = api("GET", f"/papers/{first}.md")
    assert status == 200 and len(markdown) < MARKDOWN_CHARS
    assert text == markdown and data["next_offset"] is None and data["total_chars"] == len(markdown)
    text, data = await ok(client, "read_paper", id=first, offset=10)
    assert text == markdown[10:]
    assert "offset must be less than" in await refused(client, "read_paper", id=first, offset=len(markdown))

    text, data = await ok(client, "similar_papers", id=f.embedded, limit=5)
    status, answer = api("GET", f"/api/papers/{f.embedded}/similar?limit=5")
    assert status == 200 and answer, answer
    agree(data["papers"], answer, "papers")
    assert answer[0]["paper"]["title"] in text and "similarity" in text

    text, data = await ok(client, "daily_papers")
    status, answer = api("GET", "/api/daily_papers?limit=20")
    assert status == 200 and answer, answer
    agree(data["papers"], answer, "papers")
    assert data["period"] == "2024-11-10"
    text, data = await ok(client, "daily_papers", week="2024-W45", sort="trending", limit=5, page=1)
    status, answer = api("GET", "/api/daily_papers?week=2024-W45&sort=trending&limit=5&p=1")
    assert status == 200 and answer, answer
    agree(data["papers"], answer, "papers")
    assert "6–10 below" in text

    text, data = await ok(client, "trending", limit=5)
    status, answer = api("GET", "/api/trending?limit=5")
    assert status == 200 and answer, answer
    agree(data["papers"], answer, "papers")
    assert answer[0]["title"] in text

    text, data = await ok(client, "get_collection", id=f.ada_public)
    status, answer = api("GET", f"/api/collections/{f.ada_public}?limit=50")
    assert status == 200, answer
    agree(data, answer, "answer")
    assert "Shared" in text

    # A private collection is unknown to anyone else, in the API's words.
    status, answer = api("GET", f"/api/collections/{f.ada_private}")
    assert status == 404 and answer["error"] in await refused(client, "get_collection", id=f.ada_private)

    for name, args in (("recommendations", {}), ("list_collections", {}), ("upvote", {"paper": first}),
                       ("save_to_collection", {"collection": f.ada_public, "paper": first})):
        assert name in MEMBER_TOOLS
        assert no_member in await refused(client, name, **args)

    # Bad arguments: what is wrong, in plain words (the API's, where the API says it).
    assert "query must not be empty" in await refused(client, "search_papers", query="  ")
    status, answer = api("GET", "/api/papers/search?q=x&since=yesterday")
    assert status == 400 and answer["error"] in await refused(client, "search_papers", query="x", since="yesterday")
    status, answer = api("GET", "/api/daily_papers?week=45")
    assert status == 400 and answer["error"] in await refused(client, "daily_papers", week="45")
    assert "limit must be at most 50" in await refused(client, "trending", limit=500)
    assert "page must be at least 0" in await refused(client, "trending", page=-1)
    assert "limit must be a whole number, not 'ten'" in await refused(client, "trending", limit="ten")
    assert "sort must be one of upvotes, publishedAt or trending" in await refused(client, "daily_papers",
                                                                                    sort="best")
    assert "bogus is not an argument of this tool" in await refused(client, "trending", bogus=1)
    assert f"no paper with id {'nope'!r}" in await refused(client, "get_paper", id="nope")
    assert "id is required" in await refused(client, "get_paper")
    assert "No paper with id" in await refused(client, "read_paper", id="nope")

    # The resources: a paper's Markdown, a public collection.
    read = await client.read_resource(f"paper://{first}")
    assert read.contents[0].text == markdown
    read = await client.read_resource(f"collection://{f.ada_public}")
    assert json.loads(read.contents[0].text)["papers"] == answer_papers(api, f.ada_public)


def answer_papers(api: Api, collection_id: int, token: str | None = None) -> list[dict]:
    status, answer = api("GET", f"/api/collections/{collection_id}", token=token)
    assert status == 200
    return answer["papers"]


async def member(client: Client, api: Api, f: Filled) -> None:
    """Ada's session: every tool, the member's against the API with her token."""
    t = f.ada_token
    tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == READ_TOOLS | MEMBER_TOOLS
    assert {t.name for t in tools if not t.annotations.read_only_hint} == {"save_to_collection", "upvote"}

    text, data = await ok(client, "list_collections")
    status, answer = api("GET", "/api/collections", token=t)
    assert status == 200 and data["collections"] == answer and {"Reading", "Shared"} <= {c["name"] for c in answer}
    assert "Reading" in text and str(f.ada_private) in text

    text, data = await ok(client, "get_collection", id=f.ada_private)
    status, answer = api("GET", f"/api/collections/{f.ada_private}?limit=50", token=t)
    assert status == 200, answer
    agree(data, answer, "answer")
    assert "private" in text

    # Another member's private collection is unknown, as on the API.
    status, answer = api("GET", f"/api/collections/{f.bob_private}", token=t)
    assert status == 404 and answer["error"] in await refused(client, "get_collection", id=f.bob_private)
    assert answer["error"] in await refused(client, "save_to_collection", collection=f.bob_private,
                                            paper=f.latest[0])

    text, data = await ok(client, "recommendations", limit=5)
    status, answer = api("GET", "/api/recommendations?limit=5", token=t)
    assert status == 200 and data["papers"] == answer and answer
    assert answer[0]["title"] in text

    paper = f.latest[3]
    text, data = await ok(client, "save_to_collection", collection=f.ada_private, paper=paper)
    assert data == {"collection": f.ada_private, "paper": paper, "numPapers": 2, "saved": True}
    assert paper in [p["id"] for p in answer_papers(api, f.ada_private, t)]
    status, again = api("PUT", f"/api/collections/{f.ada_private}/papers/{quote(paper)}", token=t)
    assert status == 200 and again == data  # saving again changes nothing: the API says the same

    paper = f.latest[4]
    before = api("GET", f"/api/papers/{paper}")[1]["communityUpvotes"]
    text, data = await ok(client, "upvote", paper=paper)
    assert data["upvoted"] is True and data["communityUpvotes"] == before + 1
    status, again = api("POST", f"/api/papers/{paper}/upvote", token=t)
    assert status == 200 and again == data  # one vote per member
    assert f"no paper with id {'nope'!r}" in await refused(client, "upvote", paper="nope")
    assert "paper must not hold a NUL character" in await refused(client, "upvote", paper="a\x00b")

    read = await client.read_resource(f"collection://{f.ada_private}")
    assert json.loads(read.contents[0].text)["name"] == "Reading"
    for uri in (f"collection://{f.bob_private}", "collection://x", "paper://nope"):
        with pytest.raises(MCPError) as refusal:
            await client.read_resource(uri)
        assert "No collection" in str(refusal.value) or "No paper with id 'nope'" in str(refusal.value)
