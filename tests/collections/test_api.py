"""Collections over JSON: making, changing and deleting them, saving papers, the limits, and
privacy (another member's private collection is 404, exactly like one that does not exist)."""

from __future__ import annotations

import pytest

from tests.community.people import sign_in, token_for


def _make(client, headers, name="Reading", **more) -> dict:
    r = client.post("/api/collections", json={"name": name, **more}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_make_save_rename_and_delete_by_token(client, conn, picks):
    ada = token_for(conn, "ada@example.org")
    made = _make(client, ada, "  To read  ", description="for the weekend")
    assert made["name"] == "To read" and made["description"] == "for the weekend"
    assert made["public"] is False and made["numPapers"] == 0 and made["papers"] == []
    assert made["owner"] == {"name": "ada"}
    cid = made["id"]
    first, second = picks[0], picks[1]
    r = client.put(f"/api/collections/{cid}/papers/{first['id']}", headers=ada)
    assert r.status_code == 200 and r.json() == {"collection": cid, "paper": first["id"], "numPapers": 1, "saved": True}
    # saving again changes nothing
    assert client.put(f"/api/collections/{cid}/papers/{first['id']}", headers=ada).json()["numPapers"] == 1
    assert client.put(f"/api/collections/{cid}/papers/{second['id']}", headers=ada).json()["numPapers"] == 2

    got = client.get(f"/api/collections/{cid}", headers=ada).json()
    assert got["numPapers"] == 2
    assert [p["id"] for p in got["papers"]] == [second["id"], first["id"]]  # the last saved first
    assert got["papers"][0]["title"] == second["title"] and got["papers"][0]["addedAt"].endswith("Z")

    listed = client.get("/api/collections", headers=ada, params={"paper": first["id"]}).json()
    assert [(c["id"], c["numPapers"], c["hasPaper"]) for c in listed] == [(cid, 2, True)]

    r = client.patch(f"/api/collections/{cid}", json={"name": "Weekend", "public": True}, headers=ada)
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["public"], r.json()["description"]) == ("Weekend", True, "for the weekend")

    r = client.delete(f"/api/collections/{cid}/papers/{first['id']}", headers=ada)
    assert r.json() == {"collection": cid, "paper": first["id"], "numPapers": 1, "saved": False}
    assert client.delete(f"/api/collections/{cid}/papers/{first['id']}", headers=ada).json()["numPapers"] == 1

    assert client.delete(f"/api/collections/{cid}", headers=ada).json() == {"id": cid, "deleted": True}
    assert client.get(f"/api/collections/{cid}", headers=ada).status_code == 404
    assert client.get("/api/collections", headers=ada).json() == []
    # the papers themselves stay
    assert client.get(f"/api/papers/{first['id']}").status_code == 200


def test_a_merged_papers_old_id_saves_the_paper_it_lives_in(client, conn, picks):
    ada = token_for(conn, "ada@example.org")
    conn.execute("INSERT INTO paper_aliases (old_id, paper_id) VALUES ('old-id-1', %s)", (picks[0]["id"],))
    conn.commit()
    cid = _make(client, ada)["id"]
    r = client.put(f"/api/collections/{cid}/papers/old-id-1", headers=ada)
    assert r.status_code == 200 and r.json()["paper"] == picks[0]["id"]


def test_no_one_is_401_and_a_cookie_needs_its_csrf_token(client, conn, picks):
    assert client.get("/api/collections").status_code == 401
    r = client.post("/api/collections", json={"name": "x"})
    assert r.status_code == 401 and "Sign in" in r.json()["error"]
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post("/api/collections", json={"name": "x"}).status_code == 403
    assert client.post("/api/collections", json={"name": "x"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    made = _make(client, {"X-CSRF-Token": csrf}, "x")
    cid = made["id"]
    assert client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}").status_code == 403
    ok = client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    # reading with the cookie needs no token
    assert client.get(f"/api/collections/{cid}").json()["numPapers"] == 1


def test_another_members_private_collection_is_404_to_them_and_to_no_one(client, other, conn, picks):
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    cid = _make(client, ada, "Secret")["id"]
    client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers=ada)
    missing = client.get("/api/collections/999999", headers=bob)
    assert missing.status_code == 404
    pid = picks[1]["id"]
    for method, path, body in [("GET", f"/api/collections/{cid}", None),
                               ("GET", f"/api/collections/{cid}?format=bibtex", None),
                               ("PATCH", f"/api/collections/{cid}", {"name": "Mine now", "public": True}),
                               ("DELETE", f"/api/collections/{cid}", None),
                               ("PUT", f"/api/collections/{cid}/papers/{pid}", None),
                               ("DELETE", f"/api/collections/{cid}/papers/{picks[0]['id']}", None)]:
        r = client.request(method, path, json=body, headers=bob)
        assert r.status_code == 404, (method, path, r.status_code)
        # the very answer a collection that does not exist gets, but for its number
        assert r.json()["error"] == missing.json()["error"].replace("999999", str(cid))
    for path in (f"/api/collections/{cid}", f"/collections/{cid}", f"/collections/{cid}/feed.atom"):
        assert other.get(path).status_code == 404, path
    sign_in(other, conn, "bob@example.org")
    assert other.get(f"/collections/{cid}").status_code == 404
    # nothing changed
    mine = client.get(f"/api/collections/{cid}", headers=ada).json()
    assert (mine["name"], mine["public"], mine["numPapers"]) == ("Secret", False, 1)


def test_a_public_collection_is_anyones_to_read_and_its_owners_to_change(client, other, conn, picks):
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    cid = _make(client, ada, "Open list", public=True)["id"]
    client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers=ada)
    seen = other.get(f"/api/collections/{cid}")
    assert seen.status_code == 200 and [p["id"] for p in seen.json()["papers"]] == [picks[0]["id"]]
    assert seen.json()["owner"] == {"name": "ada"}
    assert client.patch(f"/api/collections/{cid}", json={"name": "Bob's"}, headers=bob).status_code == 404
    assert client.put(f"/api/collections/{cid}/papers/{picks[1]['id']}", headers=bob).status_code == 404
    assert client.delete(f"/api/collections/{cid}", headers=bob).status_code == 404
    assert client.get("/api/collections", headers=bob).json() == []  # not among bob's own
    # made private again: gone for everyone else
    client.patch(f"/api/collections/{cid}", json={"public": False}, headers=ada)
    assert other.get(f"/api/collections/{cid}").status_code == 404


def test_names_are_checked_and_unique_per_member(client, conn):
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    for bad, says in [("", "name"), ("   ", "name"), ("x" * 101, "at most 100"), ("two\nlines", "one line")]:
        r = client.post("/api/collections", json={"name": bad}, headers=ada)
        assert r.status_code == 400 and says in r.json()["error"], (bad, r.json())
    assert client.post("/api/collections", json={"name": "x" * 100}, headers=ada).status_code == 201
    r = client.post("/api/collections", json={"name": "d", "description": "y" * 2001}, headers=ada)
    assert r.status_code == 400 and "2,000" in r.json()["error"]
    _make(client, ada, "Reading")
    r = client.post("/api/collections", json={"name": "READING"}, headers=ada)
    assert r.status_code == 409 and "already" in r.json()["error"]
    _make(client, bob, "Reading")  # another member's names are theirs
    other_id = _make(client, ada, "Later")["id"]
    assert client.patch(f"/api/collections/{other_id}", json={"name": "reading"}, headers=ada).status_code == 409
    assert client.patch(f"/api/collections/{other_id}", json={"name": "LATER"}, headers=ada).status_code == 200


def test_limits_on_collections_and_papers(client, conn, picks, monkeypatch):
    ada = token_for(conn, "ada@example.org")
    member_id = conn.execute("SELECT id FROM members WHERE name = 'ada'").fetchone()["id"]
    conn.execute("INSERT INTO collections (member_id, name) SELECT %s, 'list ' || n FROM generate_series(1, 199) n",
                 (member_id,))
    conn.commit()
    cid = _make(client, ada, "The 200th")["id"]
    r = client.post("/api/collections", json={"name": "One too many"}, headers=ada)
    assert r.status_code == 400 and "200 collections" in r.json()["error"]

    monkeypatch.setattr("paperboy.collections.saved.MAX_PAPERS", 2)
    for p in picks[:2]:
        assert client.put(f"/api/collections/{cid}/papers/{p['id']}", headers=ada).status_code == 200
    r = client.put(f"/api/collections/{cid}/papers/{picks[2]['id']}", headers=ada)
    assert r.status_code == 400 and "full" in r.json()["error"]
    # saving one it holds already is still fine
    assert client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers=ada).status_code == 200


@pytest.mark.parametrize("path", ["/api/collections/{cid}/papers/2411.99999", "/api/collections/{cid}/papers/"
                                  + "x" * 300, "/api/collections/99999999999999999999999/papers/{pid}",
                                  "/api/collections/abc/papers/{pid}"])
def test_unknown_papers_and_collections_are_404(client, conn, picks, path):
    ada = token_for(conn, "ada@example.org")
    cid = _make(client, ada)["id"]
    r = client.put(path.format(cid=cid, pid=picks[0]["id"]), headers=ada)
    assert r.status_code == 404 and r.json()["status"] == 404
    assert client.get(f"/api/collections/{cid}", headers=ada).json()["numPapers"] == 0


def test_deleting_an_account_deletes_its_collections(client, other, conn, picks):
    csrf = sign_in(client, conn, "ada@example.org")
    h = {"X-CSRF-Token": csrf}
    cid = _make(client, h, "Public one", public=True)["id"]
    client.put(f"/api/collections/{cid}/papers/{picks[0]['id']}", headers=h)
    assert other.get(f"/api/collections/{cid}").status_code == 200
    r = client.post("/account/delete", data={"confirm": "ada@example.org", "csrf": csrf})
    assert r.status_code == 200
    assert other.get(f"/api/collections/{cid}").status_code == 404
    assert conn.execute("SELECT count(*) AS n FROM collection_papers").fetchone()["n"] == 0
