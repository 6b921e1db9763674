"""Every page announces its JSON twin, and a page and its twins are built from one read model
(issue 22 item 3): the twin a page names answers with the very papers the page shows, the
Daily page takes the orders its API takes, and a paper's HTML page, JSON and Markdown say
the same about a paper (its comments, a merge)."""

from __future__ import annotations

import re

import pytest

from paperboy.community import comments, curation, members
from paperboy.web.app import create_app
from tests.helpers import Page

LIST_PAGES = ["/", "/papers?date=2024-11-07", "/papers?week=2024-W45&sort=publishedAt",
              "/papers?date=2024-11-07&sort=trending", "/papers?month=2024-11&page=2", "/trending",
              "/trending?page=2"]


def _twin(r) -> str:
    """The JSON twin a page names, checking that its head and its Link header agree."""
    head = Page(r.text).find("link", rel="alternate", type="application/json")
    assert head is not None, "no <link rel=alternate type=application/json> in the head"
    links = re.findall(r'<([^>]+)>; rel="alternate"; type="application/json"', r.headers.get("link", ""))
    assert links == [head.attrs["href"]], (links, head.attrs["href"])
    return head.attrs["href"]


def _card_ids(r) -> list[str]:
    return [a.attrs["href"].removeprefix("/papers/") for a in Page(r.text).find_all("a", class_="title")]


def _item_id(item: dict) -> str:
    return item["paper"]["id"] if "paper" in item else item["id"]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_list_page_names_a_twin_that_holds_its_papers(client, hub, path):
    page = client.get(path)
    assert page.status_code == 200
    shown = _card_ids(page)
    assert shown, f"no card on {path}"
    data = client.get(_twin(page))
    assert data.status_code == 200 and data.headers["content-type"].startswith("application/json")
    assert [_item_id(i) for i in data.json()] == shown


def test_the_search_page_names_its_twin_with_its_query(client, hub):
    page = client.get("/search?q=video+generation&mode=keyword&page=2")
    assert _twin(page) == "/api/papers/search?q=video+generation&mode=keyword&p=1&limit=30"
    assert client.get(_twin(page)).status_code == 200
    assert client.get("/search").headers.get("link") is None  # no query, no results, no twin


def test_the_same_holds_when_pages_come_from_the_shared_cache(db, hub):
    from fastapi.testclient import TestClient

    cached = TestClient(create_app(db, cache_seconds=60, rate_limit=0))
    first, again = cached.get("/trending"), cached.get("/trending")
    assert _twin(first) == _twin(again) == "/api/trending?p=0&limit=30"


def test_the_daily_page_takes_the_orders_its_api_takes(client, hub):
    page = client.get("/papers?date=2024-11-07&sort=trending")
    api = client.get("/api/daily_papers?date=2024-11-07&sort=trending&limit=100").json()
    assert page.status_code == 200
    assert _card_ids(page) == [i["paper"]["id"] for i in api][:30]
    # without a period, sort=trending is the Trending list, as /api/daily_papers says
    moved = client.get("/papers?sort=trending", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/trending"
    assert client.get("/papers?sort=sideways").status_code == 400


def test_a_paper_s_page_json_and_markdown_say_the_same(client, hub):
    conn = hub
    ada = members.add(conn, "ada@example.org", "curator")[0]
    bob = members.add(conn, "bob@example.org", "member")[0]
    pid, other = [r["id"] for r in conn.execute("SELECT id FROM papers WHERE id ~ '^[0-9]' ORDER BY id LIMIT 2")]
    first = comments.post(conn, ada, pid, "The first word, later deleted.")
    comments.post(conn, bob, pid, "A reply that stays.", parent=first.id)
    hidden = comments.post(conn, bob, pid, "A comment a curator hid.")
    comments.post(conn, ada, pid, "A comment for everyone.")
    comments.delete(conn, ada, first.id)
    curation.hide_comment(conn, ada, hidden.id)
    conn.commit()

    html = client.get(f"/papers/{pid}")
    assert _twin(html) == f"/api/papers/{pid}"
    api = client.get(f"/api/papers/{pid}").json()
    md = client.get(f"/papers/{pid}.md").text
    shown = Page(html.text).find("section", id="comments").text
    for said in ("A reply that stays.", "A comment for everyone."):
        assert said in shown and said in md
    for gone in ("The first word, later deleted.", "A comment a curator hid."):
        assert gone not in shown and gone not in md
    assert api["id"] == pid and api["title"] in md
    assert api["listedOn"] == sorted(api["listedOn"]) and api["listedOn"]

    # merged into another paper: the page moves there, the twins answer for the kept paper
    curation.merge(conn, ada, pid, other)
    conn.commit()
    moved = client.get(f"/papers/{pid}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/papers/{other}"
    assert client.get(f"/api/papers/{pid}").json()["id"] == other
    kept_title = client.get(f"/api/papers/{other}").json()["title"]
    assert client.get(f"/papers/{pid}.md").text.startswith(f"# {kept_title[:20]}")
