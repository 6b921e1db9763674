"""A paper longer than one read_paper call: its Markdown comes 20,000 characters at a time, cut
at a line's end, each part saying how to read on, and the parts put together are the paper as
/papers/{id}.md serves it (here a paper with long comments; full texts are longer still)."""
from __future__ import annotations

import re
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from mcp import Client

from paperboy.community import comments, members
from paperboy.db import Database
from paperboy.mcp_server.hub import Hub, by_token
from paperboy.mcp_server.render import MARKDOWN_CHARS
from paperboy.mcp_server.server import build
from paperboy.web.app import create_app
from tests.helpers import run_async
from tests.mcp_server.conftest import Filled

READ_ON = re.compile(r"\n\n\[… ([\d,]+) more characters: call read_paper\(id='([^']+)', offset=(\d+)\) to read on\.\]$")


def test_a_long_paper_is_read_in_parts_that_make_the_whole(filled: Filled, db: Database,
                                                           conn: psycopg.Connection, tmp_path: Path):
    paper = filled.latest[0]
    ada = members.by_email(conn, "ada@lab.example.org")
    for i in range(6):  # six comments of 9,000 characters, lines of 90: the page is ~55,000
        comments.post(conn, ada, paper, "\n\n".join(f"Paragraph {i}.{j}: " + "word " * 16 for j in range(100)))
    conn.commit()
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, base_url="http://testserver")
    whole = TestClient(app).get(f"/papers/{paper}.md").text
    assert len(whole) > 2.5 * MARKDOWN_CHARS

    async def read() -> list[str]:
        parts, offset = [], 0
        async with Client(build(Hub(app.state, by_token(db, None), "stdio"))) as client:
            while offset is not None:
                r = await client.call_tool("read_paper", {"id": paper, "offset": offset})
                assert not r.is_error, r.content[0].text
                text, data = r.content[0].text, r.structured_content
                assert data["offset"] == offset and data["total_chars"] == len(whole)
                said = READ_ON.search(text)
                if data["next_offset"] is None:
                    assert said is None
                    parts.append(text)
                else:
                    assert said and said[2] == paper and int(said[3]) == data["next_offset"]
                    assert int(said[1].replace(",", "")) == len(whole) - data["next_offset"]
                    part = text[:said.start()]
                    assert len(part) <= MARKDOWN_CHARS and part.endswith("\n")  # cut at a line's end
                    parts.append(part)
                offset = data["next_offset"]
        return parts

    parts = run_async(read)
    assert len(parts) >= 3 and "".join(parts) == whole
