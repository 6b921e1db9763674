"""Exports (``?format=bibtex|csl-json|ris``) of a collection, the member's upvotes, a search
and a day, each read back with bibtexparser, rispy and json; /api/upvotes; bad formats; and
the response cache keeping a list and its export apart."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for

FORMATS = ("bibtex", "csl-json", "ris")


def read_back(r) -> list[tuple[str, str]]:
    """(arXiv id, title) of every paper in an export answer, in order."""
    assert r.status_code == 200, r.text
    fmt = {"application/x-bibtex": "bibtex", "application/vnd.citationstyles.csl+json": "csl-json",
           "application/x-research-info-systems": "ris"}[r.headers["content-type"].split(";")[0]]
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    if fmt == "bibtex":
        library = bibtexparser.parse_string(r.text, append_middleware=[LatexDecodingMiddleware()])
        assert not library.failed_blocks
        return [(e.fields_dict["eprint"].value, e.fields_dict["title"].value) for e in library.entries]
    if fmt == "ris":
        return [(ref["id"], ref["title"]) for ref in rispy.loads(r.text)]
    return [(item["id"], item["title"]) for item in json.loads(r.text)]


def _titles(papers) -> list[tuple[str, str]]:
    return [(p["id"], " ".join(p["title"].split())) for p in papers]


def test_a_collection_exports_in_every_format(client, conn, picks):
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Weekend reads: ü"}, headers=ada).json()["id"]
    for p in picks[:3]:
        client.put(f"/api/collections/{cid}/papers/{p['id']}", headers=ada)
    expected = _titles(reversed(picks[:3]))  # the last saved first, as the collection lists them
    for fmt, ext in zip(FORMATS, ("bib", "json", "ris"), strict=True):
        r = client.get(f"/api/collections/{cid}", params={"format": fmt}, headers=ada)
        assert read_back(r) == expected, fmt
        assert r.headers["content-disposition"] == f'attachment; filename="Weekend-reads.{ext}"'
        assert "no-store" in r.headers["cache-control"]  # private: for its owner only
    # an empty collection is an empty file, not an error
    empty = client.post("/api/collections", json={"name": "Empty"}, headers=ada).json()["id"]
    for fmt in FORMATS:
        assert read_back(client.get(f"/api/collections/{empty}", params={"format": fmt}, headers=ada)) == []


def test_upvotes_list_and_export_for_their_member_only(client, other, conn, picks):
    assert client.get("/api/upvotes").status_code == 401
    assert client.get("/api/upvotes", params={"format": "bibtex"}).status_code == 401
    assert client.get("/api/upvotes", headers={"Authorization": "Bearer pb_made_up"}).status_code == 401
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    for p in picks[:3]:
        assert client.post(f"/api/papers/{p['id']}/upvote", headers=ada).status_code == 200
    client.post(f"/api/papers/{picks[4]['id']}/upvote", headers=bob)
    r = client.get("/api/upvotes", headers=ada)
    assert r.status_code == 200 and r.headers["x-total-count"] == "3"
    newest_first = list(reversed(picks[:3]))
    assert [p["id"] for p in r.json()] == [p["id"] for p in newest_first]
    assert all(p["upvotedAt"].endswith("Z") for p in r.json())
    page = client.get("/api/upvotes", params={"limit": 2, "p": 1}, headers=ada)
    assert [p["id"] for p in page.json()] == [picks[0]["id"]]
    assert 'rel="next"' in client.get("/api/upvotes", params={"limit": 2}, headers=ada).headers["link"]
    for fmt in FORMATS:
        assert read_back(client.get("/api/upvotes", params={"format": fmt}, headers=ada)) == _titles(newest_first)
    # a browser's session (a GET link on the account page) works too
    sign_in(other, conn, "bob@example.org")
    assert read_back(other.get("/api/upvotes?format=ris")) == _titles([picks[4]])
    links = [a for a in ("/api/upvotes?format=bibtex", "/api/upvotes?format=csl-json", "/api/upvotes?format=ris")
             if f'href="{a}"' in other.get("/account").text]
    assert len(links) == 3


def test_a_day_exports_the_papers_its_json_lists(client, conn, hub):
    day = conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"].isoformat()
    listed = client.get("/api/daily_papers", params={"date": day, "limit": 100}).json()
    assert listed
    expected = _titles(i["paper"] for i in listed)
    for fmt in FORMATS:
        r = client.get("/api/daily_papers", params={"date": day, "limit": 100, "format": fmt})
        assert read_back(r) == expected, fmt
    # the day page links its exports
    page = client.get("/papers", params={"date": day}).text
    assert f"/api/daily_papers?date={day}&amp;sort=upvotes&amp;limit=100&amp;format=bibtex" in page


def test_a_search_exports_its_results(client, conn, picks):
    client.app.state.searcher.index.sync(conn)
    word = picks[0]["title"].split(":")[0]
    params = {"q": word, "mode": "keyword", "limit": 10}
    found = client.get("/api/papers/search", params=params).json()
    assert picks[0]["id"] in [i["paper"]["id"] for i in found]
    expected = _titles(i["paper"] for i in found)
    for fmt in FORMATS:
        assert read_back(client.get("/api/papers/search", params={**params, "format": fmt})) == expected, fmt
    page = client.get("/search", params={"q": word, "mode": "keyword"}).text
    assert "/api/papers/search?q=" in page and "format=csl-json" in page


@pytest.mark.parametrize("path", ["/api/upvotes", "/api/collections/{cid}", "/api/papers/search", "/api/daily_papers"])
def test_an_unknown_format_is_400_naming_the_known_ones(client, conn, hub, path):
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "x"}, headers=ada).json()["id"]
    for bad in ("pdf", "BibTeX", ""):
        r = client.get(path.format(cid=cid), params={"format": bad, "q": "model"}, headers=ada)
        assert r.status_code == 400, (path, bad)
        assert all(name in r.json()["error"] for name in FORMATS)


def test_the_cache_keeps_a_list_and_its_exports_apart(db, conn, picks, tmp_path):
    client = TestClient(create_app(db, cache_seconds=60, rate_limit=0, home=tmp_path), raise_server_exceptions=False)
    client.app.state.searcher.index.sync(conn)
    day = conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"].isoformat()
    word = picks[0]["title"].split(":")[0]
    # Search answers come from the node's keyword index, which lags a write by a round: they
    # are never cached (web/cache.py), exports included.
    search = client.get("/api/papers/search", params={"q": word, "mode": "keyword", "format": "bibtex"})
    assert search.status_code == 200 and "x-cache" not in search.headers
    for path, params in [("/api/daily_papers", {"date": day})]:
        plain = client.get(path, params=params)
        assert plain.headers["x-cache"] == "miss" and plain.headers["content-type"] == "application/json"
        ids = [i["paper"]["id"] for i in plain.json()]
        answers = {}
        for fmt in FORMATS:
            r = client.get(path, params={**params, "format": fmt})
            assert r.headers["x-cache"] == "miss", (path, fmt)
            assert [i for i, _ in read_back(r)] == ids
            answers[fmt] = r.text
        for fmt in FORMATS:  # each served again from its own entry
            again = client.get(path, params={**params, "format": fmt})
            assert again.headers["x-cache"] == "hit" and again.text == answers[fmt]
            assert again.headers["content-disposition"].startswith("attachment;")
        again = client.get(path, params=params)
        assert again.headers["x-cache"] == "hit" and again.json() == plain.json()
