"""Author pages and follows over the web: the page and its JSON twin, 404 for an unknown name,
names linked from cards and paper pages, the follow API (members only, CSRF, idempotent,
unknown topic), the forms, the member's button pressed on the shared page, the account page."""

from __future__ import annotations

from urllib.parse import quote

from tests.community.people import sign_in, token_for
from tests.helpers import Page

HENNING = "/authors/" + quote("Henning Müller", safe="")


def test_author_page_and_its_json_twin(client, conn):
    r = client.get(HENNING)
    assert r.status_code == 200
    page = Page(r.text)
    assert page.find("h1").text == "Henning Müller"
    twin = page.find("link", rel="alternate", type="application/json")
    assert twin and twin.attrs["href"] == "/api" + HENNING
    assert page.find("svg", class_="chart") is not None and page.find("rect") is not None
    cards = page.find_all("article", class_="card")
    api = client.get(twin.attrs["href"]).json()
    assert set(api) == {"name", "papers", "coauthors", "topics", "weekly"}
    assert api["name"] == "Henning Müller" and len(cards) == len(api["papers"]) == 4
    assert {"id", "title", "authors", "publishedAt", "upvotes"} <= set(api["papers"][0])
    assert any({"name": "Henning Müller"} == a for a in api["papers"][0]["authors"])
    assert {"name": "Marek Wodzinski", "n": 2} in api["coauthors"] and api["coauthors"][0]["n"] == 2
    assert api["topics"] == [] and sum(w["n"] for w in api["weekly"]) == 4
    assert all(set(w) == {"week", "n"} for w in api["weekly"])
    # any spelling finds him; paging the twin
    assert client.get("/api/authors/" + quote("MÜLLER, HENNING")).json()["name"] == "Henning Müller"
    r = client.get("/api" + HENNING + "?limit=3")
    assert len(r.json()["papers"]) == 3 and 'rel="next"' in r.headers["link"]


def test_an_unknown_author_is_a_clear_404(client):
    r = client.get("/authors/Nobody%20Atall")
    assert r.status_code == 404 and "No author named" in r.text and "<h1" in r.text
    assert client.get("/api/authors/Nobody%20Atall").status_code == 404
    assert client.get("/api/authors/" + "x" * 400).status_code == 400  # validation errors are 400 here


def test_an_initials_only_name_with_several_candidates_names_them(client):
    page = Page(client.get("/authors/H.%20Muller").text)
    note = page.find("p", class_="notice")
    assert note and "Heimo Müller" in note.text and "Henrik Müller" in note.text
    assert len(page.find_all("article", class_="card")) == 1


def test_names_on_cards_and_paper_pages_link_to_author_pages(client, conn):
    pid = conn.execute("SELECT paper_id FROM author_papers WHERE author_key = 'henning muller' LIMIT 1"
                       ).fetchone()["paper_id"]
    paper = Page(client.get(f"/papers/{pid}").text)
    links = [a.attrs["href"] for a in paper.find_all("a", class_="author")]
    assert HENNING in links
    card = Page(client.get(HENNING).text).find_all("a", class_="author")
    assert card and all(a.attrs["href"].startswith("/authors/") for a in card)


def test_follow_api_needs_a_member_and_csrf_and_is_idempotent(client, conn):
    assert client.post(f"/api{HENNING}/follow").status_code == 401
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post(f"/api{HENNING}/follow").status_code == 403  # a cookie without its CSRF token
    h = {"X-CSRF-Token": csrf}
    want = {"kind": "author", "key": "henning muller", "label": "Henning Müller", "following": True}
    assert client.post(f"/api{HENNING}/follow", headers=h).json() == want
    assert client.post("/api/authors/HENNING%20MULLER/follow", headers=h).json() == want  # again: nothing new
    assert conn.execute("SELECT count(*) AS n FROM follows").fetchone()["n"] == 1
    assert client.post("/api/authors/Nobody%20Atall/follow", headers=h).status_code == 404
    assert client.post("/api/topics/999/follow", headers=h).status_code == 404
    topic = conn.execute("INSERT INTO topics (label) VALUES ('medical imaging') RETURNING id").fetchone()["id"]
    conn.commit()
    r = client.post(f"/api/topics/{topic}/follow", headers=h)
    assert r.json() == {"kind": "topic", "key": str(topic), "label": "medical imaging", "following": True}
    # the account page lists both, each with an Unfollow button
    account = Page(client.get("/account").text)
    listed = [a.text for a in account.find_all("a") if a.attrs.get("href") in (HENNING, f"/topics/{topic}")]
    assert listed == ["Henning Müller", "medical imaging"]
    assert len(account.find_all("form", action=f"{HENNING}/unfollow")) == 1
    assert client.delete(f"/api{HENNING}/follow", headers=h).json()["following"] is False
    assert client.delete(f"/api{HENNING}/follow", headers=h).json()["following"] is False
    assert client.delete(f"/api/topics/{topic}/follow", headers=h).status_code == 200
    assert conn.execute("SELECT count(*) AS n FROM follows").fetchone()["n"] == 0
    bob = token_for(conn, "bob@example.org")  # a token needs no CSRF token
    assert client.post("/api/authors/R.%20Hamzaoui/follow", headers=bob).json()["label"] == "Raouf Hamzaoui"


def test_follow_forms_and_the_pressed_button_on_the_shared_page(client, other, conn):
    r = other.post(f"{HENNING}/follow", data={"csrf": ""}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?")
    csrf = sign_in(client, conn, "ada@example.org")
    button = Page(client.get(HENNING).text).find("button", class_="follow-btn")
    assert button.attrs["aria-pressed"] == "false"
    r = client.post(f"{HENNING}/follow", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == HENNING
    page = Page(client.get(HENNING).text)
    assert page.find("button", class_="follow-btn").attrs["aria-pressed"] == "true"
    assert page.find("form", class_="follow").attrs["action"] == f"{HENNING}/unfollow"
    assert Page(other.get(HENNING).text).find("button", class_="follow-btn").attrs["aria-pressed"] == "false"
    r = client.post(f"{HENNING}/unfollow", data={"csrf": csrf, "next": "/account#follows"}, follow_redirects=False)
    assert r.headers["location"] == "/account#follows"
    assert conn.execute("SELECT count(*) AS n FROM follows").fetchone()["n"] == 0
