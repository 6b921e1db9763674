"""Where keyphrases show: the paper page (labelled, saying how they were made, each a link
that searches it), the HF-shaped API (``ai_keywords``: Hugging Face's where imported, else
ours, and ``ai_keywords_source`` saying which), and the official client's ``paper_info()``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from huggingface_hub import HfApi

from paperboy import keyphrases
from tests.e2e.conftest import serve
from tests.helpers import Page, shared

RECORDED = shared("hf-api-recorded", "daily_papers.2026-07-14.json")  # what conftest.py fills



@pytest.fixture
def filled(conn) -> dict[str, list[str]]:
    """The recorded HF day (some papers with HF's ai_keywords, some without) and three arXiv
    papers, with keyphrases computed (conftest.py's template); HF's keywords by paper id."""
    assert conn.execute("SELECT count(*) AS n FROM keyphrases").fetchone()["n"] > 3, "filled too late"
    return {i["paper"]["id"]: i["paper"]["ai_keywords"] for i in json.loads(RECORDED.read_text())
            if i["paper"].get("ai_keywords")}


def _ours(conn, pid: str) -> list[str]:
    return conn.execute("SELECT phrases FROM keyphrases WHERE paper_id = %s", (pid,)).fetchone()["phrases"]


def test_the_page_shows_keyphrases_as_search_links_and_says_how_made(client, conn, filled):
    pid = conn.execute("SELECT id FROM papers WHERE NOT extra ? 'ai_keywords' ORDER BY id LIMIT 1").fetchone()["id"]
    ours = _ours(conn, pid)
    page = client.get(f"/papers/{pid}")
    assert page.status_code == 200
    doc = Page(page.text)
    box = doc.find("p", class_="keyphrases")
    assert box is not None and box.text.startswith("Keyphrases")
    assert " ".join(keyphrases.made_by(keyphrases.METHOD).split()) in box.text
    links = [a for a in doc.find_all("a", class_="tag") if (a.attrs.get("href") or "").startswith("/search?")]
    assert [a.text for a in links] == ours
    for a in links:
        assert parse_qs(urlsplit(a.attrs["href"]).query)["q"] == [f'"{a.text}"']
    # each facet finds the paper (the search page and its JSON twin)
    client.app.state.searcher.index.sync(conn)
    for a in links:
        assert client.get(a.attrs["href"]).status_code == 200
        found = client.get(a.attrs["href"].replace("/search?", "/api/papers/search?"))
        assert found.status_code == 200, found.text
        assert pid in [item["paper"]["id"] for item in found.json()], a.text


def test_a_paper_with_hugging_faces_keywords_shows_both_apart(client, conn, filled):
    pid, theirs = next(iter(filled.items()))
    doc = Page(client.get(f"/papers/{pid}").text)
    ours = doc.find("p", class_="keyphrases")
    hf = doc.find("p", class_="cats", **{"aria-label": "Keywords from Hugging Face"})
    assert ours is not None and hf is not None
    assert ours.text.startswith("Keyphrases") and hf.text.startswith("Hugging Face's keywords")
    assert [a.text for a in doc.find_all("a", class_="tag")
            if (a.attrs.get("href") or "").startswith("/search?")] == _ours(conn, pid)
    assert all(k in hf.text for k in theirs[:12])


def test_a_paper_without_keyphrases_shows_none(client, conn):
    conn.execute("INSERT INTO papers (id, title, title_key, summary) VALUES ('t-1', 'A title', 'a title', '')")
    conn.commit()
    page = client.get("/papers/t-1")
    assert page.status_code == 200 and Page(page.text).find("p", class_="keyphrases") is None
    got = client.get("/api/papers/t-1").json()
    assert (got["ai_keywords"], got["ai_keywords_source"]) == (None, None)


def test_the_api_gives_hugging_faces_keywords_where_known_else_ours(client, conn, filled):
    assert filled
    for pid, theirs in filled.items():
        got = client.get(f"/api/papers/{pid}").json()
        assert (got["ai_keywords"], got["ai_keywords_source"]) == (theirs, "hf")
    pid = conn.execute("SELECT id FROM papers WHERE NOT extra ? 'ai_keywords' ORDER BY id LIMIT 1").fetchone()["id"]
    got = client.get(f"/api/papers/{pid}").json()
    assert (got["ai_keywords"], got["ai_keywords_source"]) == (_ours(conn, pid), "paperboy")
    items = client.get("/api/daily_papers", params={"month": "2026-07", "limit": 100}).json()
    assert {i["paper"]["id"] for i in items} & set(filled)
    for item in items:
        p = item["paper"]
        if p["id"] in filled:
            assert (p["ai_keywords"], p["ai_keywords_source"]) == (filled[p["id"]], "hf")
        else:
            assert (p["ai_keywords"], p["ai_keywords_source"]) == (_ours(conn, p["id"]), "paperboy")


def test_search_and_similar_results_carry_them_too(client, conn, filled):
    from paperboy import embeddings

    embeddings.embed_pending(conn)
    client.app.state.searcher.index.sync(conn)
    pid = conn.execute("SELECT id, title FROM papers WHERE NOT extra ? 'ai_keywords' ORDER BY id LIMIT 1").fetchone()["id"]
    title = conn.execute("SELECT title FROM papers WHERE id = %s", (pid,)).fetchone()["title"]
    found = {i["paper"]["id"]: i["paper"] for i in client.get("/api/papers/search", params={"q": title}).json()}
    assert (found[pid]["ai_keywords"], found[pid]["ai_keywords_source"]) == (_ours(conn, pid), "paperboy")
    near = client.get(f"/api/papers/{pid}/similar").json()
    assert near
    for item in near:
        p = item["paper"]
        expected = (filled[p["id"]], "hf") if p["id"] in filled else (_ours(conn, p["id"]), "paperboy")
        assert (p["ai_keywords"], p["ai_keywords_source"]) == expected


@pytest.fixture
def server(db_url: str, filled, tmp_path: Path) -> Iterator[str]:
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_CACHE_SECONDS="0")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_the_official_client_reads_ai_keywords(server, conn, filled, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the embedding model set it for itself
    api = HfApi(endpoint=server, token=False)
    pid, theirs = next(iter(filled.items()))
    info = api.paper_info(pid)
    assert info.ai_keywords == theirs and info.ai_keywords_source == "hf"
    other = conn.execute("SELECT id FROM papers WHERE NOT extra ? 'ai_keywords' ORDER BY id LIMIT 1").fetchone()["id"]
    info = api.paper_info(other)
    assert info.ai_keywords == _ours(conn, other) and info.ai_keywords_source == "paperboy"
    # A daily list item carries them in its "paper", where Hugging Face puts them (the
    # recording); the client's PaperInfo does not read them from there, from HF or from us.
    recorded = next(i for i in json.loads(RECORDED.read_text()) if i["paper"]["id"] == pid)
    assert "ai_keywords" in recorded["paper"] and "ai_keywords" not in recorded
    daily = {p.id: p for p in api.list_daily_papers(month="2026-07", limit=100)}
    assert daily[pid].title == recorded["paper"]["title"]
