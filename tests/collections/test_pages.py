"""Collections as pages and plain forms (cookie + csrf field), the Save control of the paper
page and cards (shared cached pages made personal), and a public collection's Atom feed."""

from __future__ import annotations

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for
from tests.helpers import Page


def _post(client, path: str, csrf: str, **data):
    return client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)


def _save_form(html: str):
    page = Page(html)
    form = page.find("form", class_="save-to-collection")
    return page, form


def test_forms_make_save_rename_toggle_remove_and_delete(client, conn, picks):
    csrf = sign_in(client, conn, "ada@example.org")
    first, second = picks[0], picks[1]
    # save to a new collection by name, from the paper page's form
    r = _post(client, "/collections/save", csrf, paper=first["id"], collection="", new_collection="Weekend")
    assert r.status_code == 303 and r.headers["location"] == f"/papers/{first['id']}#save"
    [c] = client.get("/api/collections").json()
    assert (c["name"], c["numPapers"]) == ("Weekend", 1)
    cid = c["id"]
    # the same name again (any case) is the same collection; an existing one by its id
    _post(client, "/collections/save", csrf, paper=second["id"], new_collection="weekend")
    _post(client, "/collections/save", csrf, paper=second["id"], collection=str(cid))
    assert [x["numPapers"] for x in client.get("/api/collections").json()] == [2]

    page = client.get(f"/collections/{cid}")
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    html = Page(page.text)
    assert [a.attrs["href"] for a in html.find_all("a", class_="title")] == [f"/papers/{second['id']}",
                                                                             f"/papers/{first['id']}"]
    assert html.find("h1").text == "Weekend" and "Private collection by ada" in page.text

    r = _post(client, f"/collections/{cid}/edit", csrf, name="Holiday", description="sun")
    assert r.status_code == 303 and r.headers["location"] == f"/collections/{cid}?done=changed"
    r = _post(client, f"/collections/{cid}/edit", csrf, public="1")
    got = client.get(f"/api/collections/{cid}").json()
    assert (got["name"], got["description"], got["public"]) == ("Holiday", "sun", True)
    _post(client, f"/collections/{cid}/edit", csrf, public="0")
    assert client.get(f"/api/collections/{cid}").json()["public"] is False

    r = _post(client, f"/collections/{cid}/remove", csrf, paper=first["id"])
    assert r.status_code == 303 and r.headers["location"] == f"/collections/{cid}?done=removed"
    assert client.get(f"/api/collections/{cid}").json()["numPapers"] == 1

    r = _post(client, "/collections", csrf, name="Second list", public="1")
    assert r.status_code == 303
    made = client.get("/api/collections").json()[0]
    assert r.headers["location"] == f"/collections/{made['id']}?done=made" and made["public"] is True
    r = _post(client, "/collections", csrf, name="second LIST")
    assert r.status_code == 409 and "already have a collection" in r.text

    r = _post(client, f"/collections/{cid}/delete", csrf)
    assert r.status_code == 303 and r.headers["location"] == "/collections?done=deleted"
    assert [x["name"] for x in client.get("/api/collections").json()] == ["Second list"]
    listing = Page(client.get("/collections").text)
    assert [a.text for a in listing.find_all("a") if a.attrs.get("href") == f"/collections/{made['id']}"] == ["Second list"]


def test_forms_without_their_csrf_field_are_403_and_change_nothing(client, conn, picks):
    csrf = sign_in(client, conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Keep"}, headers={"X-CSRF-Token": csrf}).json()["id"]
    for path, data in [("/collections", {"name": "New"}),
                       ("/collections/save", {"paper": picks[0]["id"], "new_collection": "Other"}),
                       (f"/collections/{cid}/edit", {"name": "Changed"}),
                       (f"/collections/{cid}/remove", {"paper": picks[0]["id"]}),
                       (f"/collections/{cid}/delete", {})]:
        r = client.post(path, data=data, follow_redirects=False)
        assert r.status_code == 403, path
        assert client.post(path, data={**data, "csrf": "forged"}, follow_redirects=False).status_code == 403
    assert [(c["name"], c["numPapers"]) for c in client.get("/api/collections").json()] == [("Keep", 0)]


def test_no_one_is_sent_to_sign_in(client, conn, picks):
    page = client.get("/collections")
    assert page.status_code == 200 and 'href="/signin?next=/collections"' in page.text
    assert Page(page.text).find("form", action="/collections") is None
    r = client.post("/collections/save", data={"paper": picks[0]["id"], "new_collection": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=/papers/")
    assert client.post("/collections", data={"name": "x"}).status_code == 401


def test_a_save_to_someone_elses_collection_is_404(client, other, conn, picks):
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Ada's", "public": True}, headers=ada).json()["id"]
    csrf = sign_in(other, conn, "bob@example.org")
    r = _post(other, "/collections/save", csrf, paper=picks[0]["id"], collection=str(cid))
    assert r.status_code == 404
    assert _post(other, f"/collections/{cid}/delete", csrf).status_code == 404
    assert client.get(f"/api/collections/{cid}").json()["numPapers"] == 0


@pytest.mark.parametrize("cache_seconds", [0, 60])
def test_the_save_control_is_the_members_own_on_the_shared_paper_page(db, conn, picks, tmp_path, cache_seconds):
    app = create_app(db, cache_seconds=cache_seconds, rate_limit=0, home=tmp_path)
    anonymous, ada, bob = (TestClient(app, raise_server_exceptions=False) for _ in range(3))
    pid = picks[0]["id"]
    path = f"/papers/{pid}"
    _, form = _save_form(anonymous.get(path).text)
    assert form is None and "Sign in</a> to save this paper" in anonymous.get(path).text

    csrf = sign_in(ada, conn, "ada@example.org")
    sign_in(bob, conn, "bob@example.org")
    ada.post("/api/collections", json={"name": "Alpha"}, headers={"X-CSRF-Token": csrf})
    beta = ada.post("/api/collections", json={"name": "Beta"}, headers={"X-CSRF-Token": csrf}).json()["id"]
    ada.put(f"/api/collections/{beta}/papers/{pid}", headers={"X-CSRF-Token": csrf})

    page, form = _save_form(ada.get(path).text)
    assert form is not None and form.attrs["method"] == "post" and form.attrs["action"] == "/collections/save"
    fields = {i.attrs["name"]: i.attrs.get("value") for i in page.find_all("input") if i.attrs.get("name")}
    assert fields["csrf"] == csrf and fields["paper"] == pid
    assert page.find("input", name="new_collection").attrs["placeholder"] == "New collection"
    assert [(o.text, "data-saved" in o.attrs) for o in page.find_all("option")] == [("Beta", True), ("Alpha", False)]
    assert page.find("button", type="submit") is not None
    assert [b for b in page.find_all("button") if b.text == "Save"]
    assert "Saved in:" in page.find("p", class_="save-held").text
    # another member sees their own (none), never ada's
    page, form = _save_form(bob.get(path).text)
    assert form is not None and [o.text for o in page.find_all("option")] == ["(none yet: name a new one)"]
    assert "Alpha" not in bob.get(path).text
    # and no one still gets the sign-in prompt from the same stored page
    assert _save_form(anonymous.get(path).text)[1] is None
    # each card of a list links to its paper's save box (the same link for everyone)
    day = conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"].isoformat()
    for who in (ada, anonymous):
        links = Page(who.get("/papers", params={"date": day}).text).find_all("a", class_="save-link")
        assert f"/papers/{pid}#save" in [a.attrs["href"] for a in links] and all(a.text == "Save" for a in links)


def test_a_public_collections_page_and_atom_feed(client, other, conn, picks):
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Open <list>", "description": "good ones", "public": True},
                      headers=ada).json()["id"]
    for p in picks[:3]:
        client.put(f"/api/collections/{cid}/papers/{p['id']}", headers=ada)
    page = other.get(f"/collections/{cid}")
    assert page.status_code == 200 and "Open &lt;list&gt;" in page.text
    html = Page(page.text)
    alternate = html.find("link", rel="alternate", href=f"/collections/{cid}/feed.atom")
    assert alternate is not None and alternate.attrs["type"] == "application/atom+xml"
    assert html.find("form", action=f"/collections/{cid}/delete") is None  # no owner controls for others
    exports = html.find("p", class_="export")
    assert exports is not None
    links = {a.text: a.attrs["href"] for a in html.find_all("a") if a.attrs.get("href", "").startswith("/api/collections/")}
    assert links == {"BibTeX": f"/api/collections/{cid}?format=bibtex",
                     "CSL-JSON": f"/api/collections/{cid}?format=csl-json", "RIS": f"/api/collections/{cid}?format=ris"}

    r = other.get(f"/collections/{cid}/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo and feed.feed.title == "paperboy · Open <list>"
    assert feed.feed.subtitle == "good ones"
    assert [e.link for e in feed.entries] == [f"http://testserver/papers/{p['id']}" for p in reversed(picks[:3])]
    assert [e.title for e in feed.entries] == [p["title"] for p in reversed(picks[:3])]
    self_link = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_link == [f"http://testserver/collections/{cid}/feed.atom"]

    client.patch(f"/api/collections/{cid}", json={"public": False}, headers=ada)
    assert other.get(f"/collections/{cid}/feed.atom").status_code == 404
    # even its owner's own feed reader is no one: a private collection has no feed
    assert client.get(f"/collections/{cid}/feed.atom", headers=ada).status_code == 404


def test_the_owner_sees_their_controls(client, conn, picks):
    csrf = sign_in(client, conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Mine"}, headers={"X-CSRF-Token": csrf}).json()["id"]
    client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers={"X-CSRF-Token": csrf})
    html = Page(client.get(f"/collections/{cid}").text)
    for action in ("edit", "delete", "remove"):
        form = html.find("form", action=f"/collections/{cid}/{action}")
        assert form is not None, action
    assert [b.text for b in html.find_all("button") if b.text.startswith("Make")] == ["Make public"]
    assert all(i.attrs.get("value") == csrf for i in html.find_all("input", name="csrf"))
