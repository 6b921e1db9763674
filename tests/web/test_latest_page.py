"""The minimal web page lists the papers of the latest listed day, escaped."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app
from tests.conftest import shared
from tests.papers.test_store import import_files


@pytest.fixture
def client(db):
    return TestClient(create_app(db))


def test_empty_hub_says_how_to_fill_it(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "No papers yet" in r.text and "paperboy import" in r.text


def test_latest_day_lists_its_papers_by_upvotes(client, conn):
    files = [shared("hf-daily-papers-2024", f"2024-11-{d:02d}.json") for d in (7, 8)]
    import_files(conn, files)
    r = client.get("/")
    assert r.status_code == 200
    assert "Friday, November 8, 2024" in r.text
    day = conn.execute(
        "SELECT p.title, p.upvotes FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = '2024-11-08' ORDER BY p.upvotes DESC, p.title").fetchall()
    positions = [r.text.index(x["title"].replace("&", "&amp;").replace("'", "&#39;")) for x in day]
    assert positions == sorted(positions)
    assert f"{len(day)} papers listed this day" in r.text


def test_titles_and_abstracts_are_escaped(client, conn):
    store_batch(conn, [Paper(title="<script>alert(1)</script> $x<y$", source="hf-page",
                             summary="a <b>bold</b> claim", listed_on=date(2024, 1, 1))])
    r = client.get("/")
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $x&lt;y$" in r.text
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in r.text
