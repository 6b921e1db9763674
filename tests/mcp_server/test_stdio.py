"""`paperboy mcp` on stdio, driven by the official MCP client SDK as an agent drives it: the
command started as a subprocess over the test's database, without a token and with one."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mcp import Client, StdioServerParameters

from paperboy.db import Database
from paperboy.mcp_server.hub import NO_MEMBER
from paperboy.web.app import create_app
from tests.helpers import run_async, run_cli
from tests.mcp_server import session
from tests.mcp_server.conftest import Filled


def stdio(f: Filled, home: Path, *args: str, **env: str) -> Client:
    return Client(StdioServerParameters(
        command=sys.executable, args=["-m", "paperboy", "mcp", *args],
        # The SDK passes on only a few variables of ours (HOME, PATH…): the rest is named here.
        env={**{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}, "DATABASE_URL": f.url, "PAPERBOY_HOME": str(home), "PAPERBOY_BASE_URL": "http://testserver",
             "PAPERBOY_TOKEN": "", **env}))


def api_of(db: Database, home: Path) -> session.Api:
    app = create_app(db, cache_seconds=0, rate_limit=0, home=home, base_url="http://testserver")
    with db.connection() as conn:  # no background worker here: the keyword index is synced by hand
        app.state.searcher.index.sync(conn, wait=True)
    client = TestClient(app, raise_server_exceptions=False)

    def api(method: str, path: str, token: str | None = None) -> tuple[int, Any]:
        r = client.request(method, path, headers={"Authorization": f"Bearer {token}"} if token else {})
        return r.status_code, r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
    return api


def test_an_agent_reads_the_hub_and_a_member_uses_their_library(filled: Filled, db: Database, tmp_path: Path):
    api = api_of(db, tmp_path / "web")

    async def run() -> None:
        async with stdio(filled, tmp_path / "anon") as client:
            await session.anonymous(client, api, filled, NO_MEMBER["stdio"])
        async with stdio(filled, tmp_path / "ada", "--token", filled.ada_token) as client:
            await session.member(client, api, filled)
        async with stdio(filled, tmp_path / "ada-env", PAPERBOY_TOKEN=filled.ada_token) as client:
            assert "upvote" in await session.tool_names(client)

    run_async(run)


def test_a_token_that_is_no_ones_is_refused_at_start(filled: Filled, tmp_path: Path):
    done = run_cli(["mcp", "--token", "pb_not-a-token"], {"DATABASE_URL": filled.url,
                                                          "PAPERBOY_HOME": str(tmp_path)}, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: This API token is not valid (revoked or mistyped). (--token / PAPERBOY_TOKEN)"]
    assert done.stdout == ""


@pytest.mark.parametrize("token", ["revoked"])
def test_a_revoked_token_stops_working_at_once(filled: Filled, db: Database, tmp_path: Path, token: str):
    from paperboy.community import tokens

    async def run() -> None:
        async with stdio(filled, tmp_path, "--token", filled.bob_token) as client:
            _, data = await session.ok(client, "list_collections")
            assert [c["name"] for c in data["collections"]] == ["Bob's secret"]
            with db.connection() as conn:
                bob = tokens.member_of(conn, filled.bob_token)
                assert bob is not None
                for t in tokens.list_for(conn, bob.id):
                    tokens.revoke(conn, bob.id, t["id"])
                conn.commit()
            assert "not valid" in await session.refused(client, "list_collections")

    run_async(run)
