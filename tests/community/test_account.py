"""The account page: what a member sees of their own, their name, tokens, password, the
export of their data, and deleting the account."""

from __future__ import annotations

import json
import threading
import time

import pytest

from paperboy.community import members, modlog, passwords, sessions
from paperboy.digest import subscriptions
from tests.community.people import add, sign_in, token_for
from tests.helpers import Page


@pytest.fixture
def lived_in(hub):
    """ada has upvoted, submitted and commented; bob mentioned her; ada hid a paper as a
    curator; ada subscribed to the digest."""
    conn = hub
    ada, bob = add(conn, "ada@example.org", "curator"), add(conn, "bob@example.org")
    p1, p2 = [r["id"] for r in conn.execute("SELECT id FROM papers ORDER BY id LIMIT 2")]
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s), (%s, %s), (%s, %s)",
                 (p1, ada.id, p2, ada.id, p1, bob.id))
    conn.execute("INSERT INTO submissions (paper_id, member_id, day) VALUES (%s, %s, '2024-11-08')", (p2, ada.id))
    own = conn.execute("INSERT INTO comments (paper_id, member_id, body, html) VALUES (%s, %s, %s, %s) RETURNING id",
                       (p1, ada.id, "Nice <b>result</b>", "<p>Nice &lt;b&gt;result&lt;/b&gt;</p>")).fetchone()["id"]
    mention = conn.execute("INSERT INTO comments (paper_id, member_id, body, html) VALUES (%s, %s, %s, %s) RETURNING id",
                           (p2, bob.id, "@ada look", "<p>@ada look here</p>")).fetchone()["id"]
    conn.execute("INSERT INTO mentions (comment_id, member_id) VALUES (%s, %s)", (mention, ada.id))
    modlog.record(conn, ada, "hide-paper", p2)
    subscriptions.subscribe(conn, "ada@example.org")
    conn.commit()
    return {"ada": ada, "bob": bob, "papers": (p1, p2), "comment": own, "mention": mention}


def test_no_one_is_sent_to_sign_in(client):
    r = client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/account"
    assert client.get("/account/export.json").status_code == 401
    whoami = client.get("/api/whoami")
    assert whoami.status_code == 401 and whoami.json()["status"] == 401
    assert client.post("/account/name", data={"name": "x"}).status_code == 401


def test_the_page_lists_what_is_mine(client, conn, lived_in):
    sign_in(client, conn, "ada@example.org")
    r = client.get("/account")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    page = Page(r.text)
    p1, p2 = lived_in["papers"]
    assert "ada@example.org" in page.find("dl").text and "curator" in page.find("dl").text
    titles = {k: conn.execute("SELECT title FROM papers WHERE id = %s", (p,)).fetchone()["title"]
              for k, p in (("p1", p1), ("p2", p2))}
    section = {s.attrs["aria-labelledby"]: s.text for s in page.find_all("section")}
    assert titles["p1"] in section["upvotes-h"] and titles["p2"] in section["upvotes-h"]
    assert titles["p2"] in section["submissions-h"] and titles["p1"] not in section["submissions-h"]
    assert "Nice <b>result</b>" in section["comments-h"]  # escaped when stored, shown as text
    assert "bob" in section["mentions-h"] and "look here" in section["mentions-h"]
    assert "<b>result" not in r.text


def test_rename(client, conn, lived_in):
    csrf = sign_in(client, conn, "ada@example.org")
    r = client.post("/account/name", data={"name": "ada.l", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and members.by_email(conn, "ada@example.org").name == "ada.l"
    taken = client.post("/account/name", data={"name": "BOB", "csrf": csrf})
    assert taken.status_code == 400 and "taken" in Page(taken.text).find("p", role="alert").text
    bad = client.post("/account/name", data={"name": "<script>", "csrf": csrf})
    assert bad.status_code == 400 and "<script>" not in bad.text
    assert client.get("/api/whoami").json()["name"] == "ada.l"


def test_two_members_renaming_to_one_free_name_at_once(client, conn, db):
    """Issue 21, item 16: the second of two renames to one free name was a 500. Here bob's
    rename is under way in another transaction (its new name not committed yet), so ada's
    check finds the name free, and her update waits on the unique index until bob commits."""
    csrf = sign_in(client, conn, "ada@example.org")
    bob = add(conn, "bob@example.org")
    answer: list = []
    with db.connection() as other:
        other.execute("UPDATE members SET name = 'zed' WHERE id = %s", (bob.id,))  # not committed
        ada_renames = threading.Thread(target=lambda: answer.append(
            client.post("/account/name", data={"name": "Zed", "csrf": csrf}, follow_redirects=False)))
        ada_renames.start()
        deadline, waiting = time.monotonic() + 30, 0
        while time.monotonic() < deadline and not waiting:
            time.sleep(0.02)
            waiting = conn.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                   " AND query LIKE 'UPDATE members SET name%%'").fetchone()["n"]
            conn.commit()  # a new snapshot of pg_stat_activity next time
        assert waiting, "ada's rename never waited on bob's"
        other.commit()
    ada_renames.join(30)
    (r,) = answer
    assert r.status_code == 400, r.status_code
    assert "'Zed' is taken" in Page(r.text).find("p", role="alert").text
    assert (members.by_email(conn, "ada@example.org").name, members.get(conn, bob.id).name) == ("ada", "zed")


def test_changes_need_the_session_form_token(client, conn):
    csrf = sign_in(client, conn, "ada@example.org")
    for data in ({"name": "eve"}, {"name": "eve", "csrf": "wrong"}, {"name": "eve", "csrf": ""}):
        assert client.post("/account/name", data=data).status_code == 403
    assert members.by_email(conn, "ada@example.org").name == "ada"
    assert client.post("/account/name", data={"name": "eve"}, headers={"X-CSRF-Token": csrf},
                       follow_redirects=False).status_code == 303
    # a token in a header is no ambient authority: it needs no form token
    headers = token_for(conn, "bob@example.org")
    assert client.post("/account/name", data={"name": "bobby"}, headers=headers,
                       follow_redirects=False).status_code == 303
    assert members.by_email(conn, "bob@example.org").name == "bobby"


def test_a_token_is_shown_once_works_and_is_revoked(client, other, conn):
    csrf = sign_in(client, conn, "ada@example.org")
    made = client.post("/account/tokens", data={"name": "laptop <script>", "csrf": csrf})
    assert made.status_code == 200 and "no-store" in made.headers["cache-control"]
    token = Page(made.text).find("code", id="new-token").text
    assert token.startswith("pb_") and "<script>" not in made.text
    again = client.get("/account").text
    assert token not in again and token[:7] in again and "laptop &lt;script&gt;" in again
    bearer = {"Authorization": f"Bearer {token}"}
    assert other.get("/api/whoami", headers=bearer).json() == {
        "name": "ada", "email": "ada@example.org", "role": "member", "type": "user"}
    assert "never" not in Page(client.get("/account").text).find("table", id="tokens").text  # last used now
    token_id = conn.execute("SELECT id FROM api_tokens").fetchone()["id"]
    r = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    gone = other.get("/api/whoami", headers=bearer)
    assert gone.status_code == 401 and "not valid" in gone.json()["error"]
    # someone else's token cannot be revoked by ada
    bob = token_for(conn, "bob@example.org")
    bob_id = conn.execute("SELECT id FROM api_tokens WHERE name = 'test'").fetchone()["id"]
    assert client.post(f"/account/tokens/{bob_id}/revoke", data={"csrf": csrf}).status_code == 404
    assert other.get("/api/whoami", headers=bob).status_code == 200


def test_set_and_remove_a_password(client, conn):
    csrf = sign_in(client, conn, "ada@example.org")
    differ = client.post("/account/password", data={"password": "a long secret 1", "again": "a long secret 2", "csrf": csrf})
    short = client.post("/account/password", data={"password": "short", "again": "short", "csrf": csrf})
    assert differ.status_code == 400 and short.status_code == 400 and "at least 10" in short.text
    ok = client.post("/account/password", data={"password": "a long secret 1", "again": "a long secret 1", "csrf": csrf})
    assert ok.status_code == 200 and "Your password is set" in ok.text and "Remove my password" in ok.text
    stored = conn.execute("SELECT password_hash FROM members").fetchone()["password_hash"]
    assert stored.startswith("$argon2id$") and "a long secret" not in stored
    assert passwords.check(client.app.state.db, "10.0.0.1", "ada@example.org", "a long secret 1").name == "ada"
    removed = client.post("/account/password/remove", data={"csrf": csrf})
    assert removed.status_code == 200 and "emailed link only" in removed.text
    assert passwords.check(client.app.state.db, "10.0.0.1", "ada@example.org", "a long secret 1") is None


def test_export_holds_my_data_and_no_secrets(client, conn, lived_in):
    csrf = sign_in(client, conn, "ada@example.org")
    token = Page(client.post("/account/tokens", data={"name": "laptop", "csrf": csrf}).text).find(
        "code", id="new-token").text
    r = client.get("/account/export.json")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    assert r.headers["content-disposition"].startswith("attachment")
    data = r.json()
    assert data["profile"]["email"] == "ada@example.org" and data["profile"]["role"] == "curator"
    assert sorted(v["paper_id"] for v in data["votes"]) == sorted(lived_in["papers"])
    assert [s["paper_id"] for s in data["submissions"]] == [lived_in["papers"][1]]
    assert [c["body"] for c in data["comments"]] == ["Nice <b>result</b>"]
    assert data["mentioned_in"] == [lived_in["mention"]]
    assert [t["name"] for t in data["tokens"]] == ["laptop"]
    assert data["digest_subscription"]["status"] == "pending"
    text = json.dumps(data)
    hashes = [r["token_hash"] for r in conn.execute("SELECT token_hash FROM api_tokens")]
    assert token not in text and not any(h in text for h in hashes) and "hash" not in text


def test_deleting_the_account_removes_and_anonymises(client, other, conn, lived_in):
    csrf = sign_in(client, conn, "ada@example.org")
    sign_in(other, conn, "ada@example.org")
    token_for(conn, "ada@example.org")
    ada = lived_in["ada"]
    p1, p2 = lived_in["papers"]
    before = conn.execute("SELECT community_upvotes FROM papers WHERE id = %s", (p1,)).fetchone()["community_upvotes"]
    wrong = client.post("/account/delete", data={"confirm": "bob@example.org", "csrf": csrf})
    assert wrong.status_code == 400 and members.get(conn, ada.id) is not None
    r = client.post("/account/delete", data={"confirm": " ADA@example.org ", "csrf": csrf})
    assert r.status_code == 200 and "Your account is deleted" in r.text
    assert f'{sessions.COOKIE}=""' in r.headers["set-cookie"]
    assert members.get(conn, ada.id) is None

    def count(sql, *args):
        return conn.execute(sql, args).fetchone()["n"]
    for table in ("votes", "sessions", "api_tokens", "mentions"):
        assert count(f"SELECT count(*) AS n FROM {table} WHERE member_id = %s", ada.id) == 0, table  # noqa: S608
    assert count("SELECT count(*) AS n FROM votes") == 1  # bob's stays
    assert conn.execute("SELECT community_upvotes FROM papers WHERE id = %s", (p1,)).fetchone()["community_upvotes"] == before - 1
    assert count("SELECT count(*) AS n FROM subscribers WHERE email = 'ada@example.org'") == 0
    assert count("SELECT count(*) AS n FROM signin_tokens WHERE email = 'ada@example.org'") == 0
    comment = conn.execute("SELECT member_id, body FROM comments WHERE id = %s", (lived_in["comment"],)).fetchone()
    assert comment == {"member_id": None, "body": "Nice <b>result</b>"}
    assert conn.execute("SELECT member_id FROM submissions WHERE paper_id = %s", (p2,)).fetchone()["member_id"] is None
    (entry,), _ = modlog.recent(conn)
    assert entry["actor_name"] == "deleted member" and entry["target"] == p2
    assert other.get("/api/whoami").status_code == 401  # every browser is signed out
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_export_holds_collections_library_imports_not_interested_and_digest_topics(client, conn, lived_in):
    """Issue 21, item 16: each of these was left out of "Export my data"."""
    csrf = sign_in(client, conn, "ada@example.org")
    auth = {"X-CSRF-Token": csrf}
    p1, p2 = lived_in["papers"]
    title = conn.execute("SELECT title FROM papers WHERE id = %s", (p1,)).fetchone()["title"]
    made = client.post("/api/collections", json={"name": "Weekend", "description": "to read"}, headers=auth)
    assert made.status_code == 201
    cid = made.json()["id"]
    assert client.put(f"/api/collections/{cid}/papers/{p2}", headers=auth).status_code == 200
    bib = (f"@misc{{mine, title = {{{title}}}, eprint = {{{p1}}}, archivePrefix = {{arXiv}}}}\n"
           "@book{knuth, title = {The TeXbook}, author = {Knuth, Donald}, year = {1984}}\n").encode()
    r = client.post("/api/library/import", files={"file": ("mine.bib", bib, "text/plain")}, headers=auth)
    assert r.status_code == 200 and r.json()["matched"] == 1, r.text
    assert client.post(f"/api/recommendations/{p2}/not-interested", headers=auth).status_code == 200
    sub = subscriptions.by_email(conn, "ada@example.org")
    subscriptions.save_preferences(conn, sub["id"], {"frequency": "weekly", "topics": "diffusion models\nmixture of experts"})
    conn.commit()

    data = client.get("/account/export.json").json()
    [collection] = data["collections"]
    assert (collection["name"], collection["description"], collection["public"]) == ("Weekend", "to read", False)
    assert [p["paper_id"] for p in collection["papers"]] == [p2] and collection["papers"][0]["added"]
    assert {(e["paper_id"], e["title"]) for e in data["library"]} == {(p1, title), (None, "The TeXbook")}
    assert "embedding" not in data["library"][0]
    [imported] = data["library_imports"]
    assert (imported["filename"], imported["format"], imported["matched"], imported["library_only"]) == (
        "mine.bib", "bibtex", 1, 1)
    assert [m["paper_id"] for m in data["not_interested"]] == [p2]
    assert data["digest_subscription"]["frequency"] == "weekly"
    assert data["digest_subscription"]["topics"] == ["diffusion models", "mixture of experts"]
    json.dumps(data)  # all of it JSON-ready
