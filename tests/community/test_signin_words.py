"""What a visitor and a member are told around signing in (issue: a real user's first hour,
item 10): a visitor who presses upvote, submit, save or comment is told why they must sign
in; an invitation put out of use by a later link says so (it said "used already"); a member
who comes by is seen (``last_seen`` was never written)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from paperboy.community import members, signin
from paperboy.web.app import create_app
from tests.community.people import add, form_token, sign_in, token_for
from tests.helpers import Page

PAPER = "2411.04905"


@pytest.fixture
def paper(conn) -> str:
    conn.execute("INSERT INTO papers (id, arxiv_id, title, title_key) VALUES (%s, %s, 'A paper', 'a paper')",
                 (PAPER, PAPER))
    conn.execute("INSERT INTO listings (paper_id, day, source) VALUES (%s, '2024-11-08', 'hf-daily')", (PAPER,))
    conn.commit()
    return PAPER


@pytest.mark.parametrize(("path", "form", "sentence"), [
    (f"/papers/{PAPER}/upvote", {"next": "/"}, "Sign in to upvote papers"),
    ("/submit", {"id": "2401.00001"}, "Sign in to submit a paper"),
    ("/collections/save", {"paper": PAPER}, "Sign in to save papers"),
    (f"/papers/{PAPER}/comments", {"body": "hello"}, "Sign in to comment"),
])
def test_a_visitor_is_told_why_to_sign_in(client, paper, path, form, sentence):
    r = client.post(path, data=form, follow_redirects=False)
    assert r.status_code == 303
    to = urlsplit(r.headers["location"])
    assert to.path == "/signin" and parse_qs(to.query)["next"][0].startswith("/")
    page = Page(client.get(r.headers["location"]).text)
    assert sentence in page.find("main").text
    # only the known reasons are said: a link cannot put its own words on the page
    forged = client.get("/signin", params={"why": "You have been hacked, call 555"})
    assert "hacked" not in forged.text


def test_an_invitation_put_out_of_use_by_a_later_link_says_so(db, conn):
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)
    add(conn, "new@example.org")  # invited (an invitation makes the member), then asked for a link
    first = signin.new_link(conn, "new@example.org")
    later = signin.new_link(conn, "new@example.org")
    conn.commit()
    used = client.post(f"/signin/{later}", data={"csrf": form_token(client.get(f"/signin/{later}").text)},
                       headers={"origin": "http://testserver"}, follow_redirects=False)
    assert used.status_code == 303
    other = TestClient(client.app, raise_server_exceptions=False)
    r = other.get(f"/signin/{first}")
    assert r.status_code == 410
    text = Page(r.text).find("main").text
    assert "A newer link was used" in text and "member already" in text and "used already" not in text
    # the link that was used itself still says it was used
    assert "has been used already" in other.get(f"/signin/{later}").text


def test_a_member_who_comes_by_is_seen(client, conn):
    ada = add(conn, "ada@example.org")
    assert members.get(conn, ada.id).last_seen is None
    sign_in(client, conn, "ada@example.org")
    assert client.get("/account").status_code == 200
    conn.commit()
    seen = members.get(conn, ada.id).last_seen
    assert seen is not None
    headers = token_for(conn, "bob@example.org")
    fresh = TestClient(client.app, raise_server_exceptions=False)
    assert fresh.get("/api/whoami", headers=headers).status_code == 200
    conn.commit()
    assert members.by_email(conn, "bob@example.org").last_seen is not None
    sign_in(client, conn, "root@example.org", "admin")
    table = Page(client.get("/admin").text).find("table", id="members").text
    # the admin sees when each was last here: all three came by (two browsers, one token)
    assert f"{seen:%Y-%m-%d %H:%M}" in table and "never" not in table
