"""Papers without an arXiv id (issue 21, item 8): saved Hugging Face listing pages give a
title and an abstract, sometimes an author count and a date, and no id (paperboy gives them
ids like t-80966be838e8). Cards and pages showed "? authors", no link and no date, and one in
an export made pybtex refuse the whole bibliography (no author). They show what is known, link
to arXiv's search for the title, and export as an entry every reader takes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from paperboy.web.app import create_app
from tests.community.people import token_for
from tests.helpers import Page, import_demo

BARE = ("t-80966be838e8", "Dual Process Learning: Controlling Use of In-Context vs. In-Weights Strategies "
        "with Weight Forgetting")  # a page with no author counts and no dates
COUNTED = ("t-8c7b35278272", "CosmicMan: A Text-to-Image Foundation Model for Humans")  # "6 authors", Apr 1, 2024


@pytest.fixture
def client(db, conn, tmp_path):
    import_demo(conn)
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path)
    app.state.searcher.index.sync(conn)
    return TestClient(app, raise_server_exceptions=False)


def _card(client, title: str) -> list:
    """The elements of the search result card for ``title``, in document order."""
    page = Page(client.get("/search", params={"q": title, "mode": "keyword"}).text)
    start = next(i for i, e in enumerate(page.elements) if e.tag == "article" and title in e.text)
    end = next((i for i, e in enumerate(page.elements) if i > start and e.tag == "article"), None)
    return page.elements[start:end]


def _search_link(elements) -> str:
    [link] = [e.attrs["href"] for e in elements if e.tag == "a" and e.text == "Find on arXiv"]
    return link


def test_cards_show_what_is_known(client):
    card = _card(client, BARE[1])
    [meta] = [e for e in card if e.tag == "p" and "meta" in e.attrs.get("class", "")]
    assert meta.text == ""  # was "? authors"
    link = urlsplit(_search_link(card))
    assert (link.scheme, link.netloc, link.path) == ("https", "arxiv.org", "/search/")
    assert parse_qs(link.query) == {"query": [BARE[1]], "searchtype": ["title"]}
    card = _card(client, COUNTED[1])
    assert "6 authors · Apr 1, 2024" in card[0].text


def test_the_paper_page_shows_what_is_known(client):
    page = Page(client.get(f"/papers/{BARE[0]}").text)
    assert page.find("p", class_="authors") is None  # no empty or "0 authors" line
    assert "authors" not in page.find("div", class_="meta").text
    assert parse_qs(urlsplit(_search_link(page.elements)).query)["query"] == [BARE[1]]
    counted = Page(client.get(f"/papers/{COUNTED[0]}").text)
    assert counted.find("p", class_="authors").text == "6 authors"
    arxiv = Page(client.get("/papers/2410.13720").text)
    assert not [a for a in arxiv.find_all("a") if a.text == "Find on arXiv"]  # it has its arXiv link


def test_an_export_of_them_is_read_whole_by_pybtex(client, conn):
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "No ids"}, headers=ada).json()["id"]
    for pid in (BARE[0], COUNTED[0], "2410.13720"):
        assert client.put(f"/api/collections/{cid}/papers/{pid}", headers=ada).status_code == 200
    bib = client.get(f"/api/collections/{cid}", params={"format": "bibtex"}, headers=ada).text
    data = parse_string(bib, "bibtex")
    assert {e.type for e in data.entries.values()} == {"misc"}
    for style in ("plain", "alpha"):
        formatted = [e.text.render_as("text") for e in
                     find_plugin("pybtex.style.formatting", style)().format_bibliography(data)]
        assert len(formatted) == 3
        assert any(f.startswith("Dual Process Learning") for f in formatted), formatted
