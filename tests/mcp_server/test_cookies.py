"""/mcp takes a member's API token, never a browser's session cookie: a page of this site (or
any site a browser visits) cannot act for the member through it, so it needs no CSRF token."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from paperboy.db import Database
from paperboy.mcp_server.hub import NO_MEMBER
from paperboy.mcp_server.server import READ_TOOLS
from paperboy.web.app import create_app
from tests.community.people import sign_in
from tests.mcp_server.conftest import Filled

HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18",
           "Origin": "http://testserver"}


def rpc(client: TestClient, method: str, params: dict, **headers: str) -> dict:
    r = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                    headers={**HEADERS, **headers})
    assert r.status_code == 200, r.text
    return r.json()["result"]


def test_a_signed_in_browser_is_no_one_here(filled: Filled, db: Database, conn, tmp_path: Path):
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, base_url="http://testserver")
    with TestClient(app) as browser:  # with: the app's lifespan runs the MCP sessions
        csrf = sign_in(browser, conn, "ada@lab.example.org")
        assert browser.get("/api/collections").status_code == 200  # signed in, on the API
        tools = rpc(browser, "tools/list", {}, **{"X-CSRF-Token": csrf})["tools"]
        assert {t["name"] for t in tools} == READ_TOOLS
        done = rpc(browser, "tools/call", {"name": "list_collections", "arguments": {}}, **{"X-CSRF-Token": csrf})
        assert done["isError"] and NO_MEMBER["http"] in done["content"][0]["text"]
        # Her token works, with no CSRF token.
        done = rpc(browser, "tools/call", {"name": "list_collections", "arguments": {}},
                   Authorization=f"Bearer {filled.ada_token}")
        assert not done.get("isError") and {c["name"] for c in done["structuredContent"]["collections"]} == {
            "Reading", "Shared"}


def test_the_server_runs_while_the_app_does(db: Database, tmp_path: Path):
    """Built when the app starts (its lifespan), not when it is made; started again, it
    answers again; an app never started says so instead of failing."""
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, base_url="http://testserver")
    idle = TestClient(app).post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=HEADERS)
    assert idle.status_code == 503 and "not running" in idle.json()["error"]["message"]
    for _ in range(2):
        with TestClient(app) as client:
            assert {t["name"] for t in rpc(client, "tools/list", {})["tools"]} == READ_TOOLS


def test_an_mcp_server_that_cannot_start_answers_503_and_the_hub_runs_on(db: Database, tmp_path: Path,
                                                                         monkeypatch, caplog):
    """The SDK starts on the first request to /mcp, inside the app's lifespan: were its start
    to raise there, it would end the lifespan's task group and with it the whole hub. An SDK
    that cannot be imported (a broken install) must cost /mcp only."""
    monkeypatch.setitem(sys.modules, "mcp.server.transport_security", None)  # import raises
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, base_url="http://testserver")
    with caplog.at_level(logging.ERROR, logger="paperboy.mcp_server.http"), TestClient(app) as client:
        for _ in range(2):  # the first request tries the start; later ones know it failed
            r = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                            headers=HEADERS)
            assert r.status_code == 503, r.text
            assert "not running" in r.json()["error"]["message"]
        assert client.get("/api/daily_papers").status_code == 200
        assert client.get("/").status_code == 200
    assert "the MCP server could not start" in caplog.text
