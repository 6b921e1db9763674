"""The MCP server's read_paper gives the paper's full text, as /papers/{id}.md does."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from mcp import Client

from paperboy.db import Database
from paperboy.fulltext import store
from paperboy.fulltext.convert import convert
from paperboy.mcp_server.hub import Hub, by_token
from paperboy.mcp_server.server import build
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app
from tests.fulltext import snippets
from tests.helpers import run_async


def test_read_paper_gives_the_full_text(db: Database, conn, tmp_path: Path):
    store_batch(conn, [Paper(title="Rotary Scaling", source="hf-daily", arxiv_id="2601.00001", version=3,
                             listed_on=date(2026, 1, 5))])
    c = convert(snippets.LATEXML)
    store.save_text(conn, "2601.00001", 3, c.markdown, c.outline)
    conn.commit()
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, base_url="http://testserver")
    whole = TestClient(app).get("/papers/2601.00001.md").text
    assert "## 1.1 Ablations" in whole and "$$f(x)=\\sum_{i}x_{i}^{2} \\tag{1}$$" in whole

    async def read() -> str:
        async with Client(build(Hub(app.state, by_token(db, None), "stdio"))) as client:
            r = await client.call_tool("read_paper", {"id": "2601.00001"})
            assert not r.is_error, r.content[0].text
            return r.content[0].text

    assert run_async(read) == whole
