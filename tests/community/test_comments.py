"""Comments: Markdown made safe, LaTeX kept, mentions, one level of replies, edit and delete
your own, the limits — through the JSON API, the plain forms and the paper page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperboy.community import markdown
from paperboy.web.app import create_app
from tests.community.people import add, sign_in, token_for
from tests.helpers import Page

NASTY = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(2)">a</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div onmouseover="alert(1)">hover</div>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](https://evil.example/pixel.png)",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "[v](vbscript:msgbox)",
    "<javascript:alert(1)>",
]
BODY = "\n\n".join(NASTY)


def _first_paper(conn) -> str:
    return conn.execute("SELECT paper_id FROM listings ORDER BY day DESC, paper_id LIMIT 1").fetchone()["paper_id"]


def _other_paper(conn, not_this: str) -> str:
    return conn.execute("SELECT paper_id FROM listings WHERE paper_id <> %s ORDER BY day, paper_id LIMIT 1",
                        (not_this,)).fetchone()["paper_id"]


def assert_safe(html: str, page_scripts_ok: bool = False) -> None:
    """No script element (but the page's own /static/ one), no on* attribute, no link or
    source other than http(s), mailto or this site's paths, no iframe, img, svg or style."""
    doc = Page(html)
    for e in doc.elements:
        assert e.tag not in ("iframe", "img", "svg", "style", "object", "embed"), e.tag
        if e.tag == "script":
            assert page_scripts_ok and (e.attrs.get("src") or "").startswith("/static/"), e.attrs
        for name, value in e.attrs.items():
            assert not name.lower().startswith("on"), (e.tag, name)
            if name in ("href", "src", "action") and value:
                assert value.startswith(("http://", "https://", "mailto:", "/", "#")) \
                    and not value.startswith("//"), (e.tag, name, value)


def test_markdown_neutralises_scripts_links_raw_html_and_data_urls():
    for text in NASTY:
        html = markdown.render(text).html
        assert_safe(html)
        assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<svg" not in html
        assert not Page(html).find_all("a") or text.startswith("![")  # none of them made a link
    links = Page(markdown.render("[a](https://ok.example) <mailto:x@ok.example>").html).find_all("a")
    assert [a.attrs["href"] for a in links] == ["https://ok.example", "mailto:x@ok.example"]
    assert all(a.attrs["rel"] == "nofollow noopener ugc" for a in links)


def test_latex_stays_as_written_text():
    html = markdown.render(r"We use $a_b * c_d$ and $$\sum_i x_i^* y_i^*$$ but *this* is emphasis; costs $5 or $6.").html
    doc = Page(html)
    maths = [e.text for e in doc.find_all("span", class_="math")]
    assert maths == ["$a_b * c_d$", r"$$\sum_i x_i^* y_i^*$$"]
    assert [e.text for e in doc.find_all("em")] == ["this"]
    assert "costs $5 or $6." in doc.find("p").text
    assert "`$x_1$`" not in markdown.render("`$x_1$`").html and "<code>$x_1$</code>" in markdown.render("`$x_1$`").html


def test_a_nasty_comment_is_safe_in_the_answer_the_api_and_the_page(client, conn, hub):
    pid = _first_paper(conn)
    csrf = sign_in(client, conn, "ada@example.org")
    r = client.post(f"/api/papers/{pid}/comments", json={"body": BODY}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    made = r.json()
    assert set(made) == {"id", "author", "html", "created", "parent"}
    assert made["author"] == "ada" and made["parent"] is None and made["created"].endswith("Z")
    assert_safe(made["html"])
    assert "&lt;script&gt;" in made["html"]  # shown as text, not run
    stored = conn.execute("SELECT html FROM comments WHERE id = %s", (made["id"],)).fetchone()["html"]
    assert_safe(stored)
    [listed] = client.get(f"/api/papers/{pid}/comments").json()
    assert listed["html"] == made["html"] and listed["edited"] is None
    page = client.get(f"/papers/{pid}")
    assert page.status_code == 200
    assert_safe(page.text, page_scripts_ok=True)
    body = Page(page.text).find("div", class_="comment-body")
    assert "<script>alert(1)</script>" in body.text


def test_mentions_link_existing_members_and_are_recorded(client, conn, hub):
    pid = _first_paper(conn)
    bob = add(conn, "bob@example.org")
    headers = token_for(conn, "ada@example.org")
    r = client.post(f"/api/papers/{pid}/comments", json={"body": "@bob and @nobody, see mail bob@example.org"},
                    headers=headers)
    assert r.status_code == 201
    links = Page(r.json()["html"]).find_all("a", class_="mention")
    assert [(a.text, a.attrs["href"]) for a in links] == [("@bob", "/members/bob")]
    rows = conn.execute("SELECT member_id FROM mentions WHERE comment_id = %s", (r.json()["id"],)).fetchall()
    assert [x["member_id"] for x in rows] == [bob.id]
    # the link leads somewhere: bob's page (his own comments; he has none yet)
    assert client.get("/members/bob").status_code == 200
    assert "@bob" in client.get("/members/ada").text
    assert client.get("/members/nobody").status_code == 404
    # an edit that drops the mention drops the row
    client.patch(f"/api/comments/{r.json()['id']}", json={"body": "no one"}, headers=headers)
    assert conn.execute("SELECT count(*) AS n FROM mentions").fetchone()["n"] == 0


def test_every_name_is_looked_up_and_more_than_fifty_members_is_a_clear_400(client, conn, hub):
    """Issue 21, item 16: only the first 50 @names (sorted) were looked up; members named
    after them were silently not mentioned."""
    pid = _first_paper(conn)
    members_ = [add(conn, f"m{i:02d}@example.org") for i in range(51)]
    ada = token_for(conn, "ada@example.org")
    strangers = " ".join(f"@aaa{i:02d}" for i in range(30))  # no such members; sorted first
    body = strangers + " " + " ".join(f"@{m.name}" for m in members_[:50])
    r = client.post(f"/api/papers/{pid}/comments", json={"body": body}, headers=ada)
    assert r.status_code == 201, r.text
    mentioned = {x["member_id"] for x in conn.execute("SELECT member_id FROM mentions WHERE comment_id = %s",
                                                       (r.json()["id"],))}
    assert mentioned == {m.id for m in members_[:50]}
    assert len(Page(r.json()["html"]).find_all("a", class_="mention")) == 50
    before = conn.execute("SELECT count(*) AS n FROM comments").fetchone()["n"]
    too_many = client.post(f"/api/papers/{pid}/comments", json={"body": body + f" @{members_[50].name}"}, headers=ada)
    assert too_many.status_code == 400
    assert too_many.json()["error"] == "A comment can mention at most 50 members; this one mentions 51."
    edit = client.patch(f"/api/comments/{r.json()['id']}", json={"body": body + f" @{members_[50].name}"}, headers=ada)
    assert edit.status_code == 400 and "at most 50 members" in edit.json()["error"]
    conn.commit()
    assert conn.execute("SELECT count(*) AS n FROM comments").fetchone()["n"] == before
    assert conn.execute("SELECT count(*) AS n FROM mentions").fetchone()["n"] == 50


def test_replies_are_one_level_deep(client, conn, hub):
    pid = _first_paper(conn)
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    top = client.post(f"/api/papers/{pid}/comments", json={"body": "top"}, headers=ada).json()
    reply = client.post(f"/api/papers/{pid}/comments", json={"body": "reply", "parent": top["id"]}, headers=bob).json()
    deeper = client.post(f"/api/papers/{pid}/comments", json={"body": "deeper", "parent": reply["id"]},
                         headers=ada).json()
    assert reply["parent"] == top["id"] and deeper["parent"] == top["id"]  # joins the thread
    listed = client.get(f"/api/papers/{pid}/comments").json()
    assert [(c["id"], c["parent"]) for c in listed] == [(top["id"], None), (reply["id"], top["id"]),
                                                        (deeper["id"], top["id"])]
    other = _other_paper(conn, pid)
    wrong = client.post(f"/api/papers/{other}/comments", json={"body": "x", "parent": top["id"]}, headers=ada)
    assert wrong.status_code == 400 and "parent" in wrong.json()["error"]
    missing = client.post(f"/api/papers/{pid}/comments", json={"body": "x", "parent": 999999}, headers=ada)
    assert missing.status_code == 400
    page = Page(client.get(f"/papers/{pid}").text)
    thread = page.find("article", id=f"c{top['id']}")
    assert thread is not None and "reply" in thread.text and "deeper" in thread.text
    assert page.find("li", id=f"c{reply['id']}") is not None


def test_a_thread_whose_first_comment_is_deleted_or_hidden_takes_no_more_replies(client, conn, hub):
    """Issue 21, item 16: a reply to a shown reply landed under the deleted comment that
    began the thread."""
    pid = _first_paper(conn)
    ada, bob, cat = (token_for(conn, f"{n}@example.org") for n in ("ada", "bob", "cat"))
    cora = token_for(conn, "cora@example.org", "curator")
    for gone in ("deleted", "hidden"):
        top = client.post(f"/api/papers/{pid}/comments", json={"body": "top"}, headers=ada).json()
        reply = client.post(f"/api/papers/{pid}/comments", json={"body": "reply", "parent": top["id"]},
                            headers=bob).json()
        if gone == "deleted":
            assert client.delete(f"/api/comments/{top['id']}", headers=ada).status_code == 200
        else:
            assert client.post(f"/api/comments/{top['id']}/hide", headers=cora).status_code == 200
        before = conn.execute("SELECT count(*) AS n FROM comments").fetchone()["n"]
        for parent in (top["id"], reply["id"]):  # the comment itself, and a reply in its thread
            r = client.post(f"/api/papers/{pid}/comments", json={"body": "late", "parent": parent}, headers=cat)
            assert r.status_code == 400, (gone, parent, r.text)
            assert r.json()["error"].startswith("parent:") and "deleted or hidden" in r.json()["error"]
        csrf = sign_in(client, conn, "cat@example.org")
        form = client.post(f"/papers/{pid}/comments", data={"body": "late", "parent": str(reply["id"]), "csrf": csrf})
        assert form.status_code == 400 and "deleted or hidden" in form.text
        client.cookies.clear()
        conn.commit()
        assert conn.execute("SELECT count(*) AS n FROM comments").fetchone()["n"] == before


def test_edit_and_delete_your_own_only(client, conn, hub):
    pid = _first_paper(conn)
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    mine = client.post(f"/api/papers/{pid}/comments", json={"body": "first *draft*"}, headers=ada).json()
    assert client.patch(f"/api/comments/{mine['id']}", json={"body": "hacked"}, headers=bob).status_code == 403
    assert client.delete(f"/api/comments/{mine['id']}", headers=bob).status_code == 403
    assert client.patch("/api/comments/987654", json={"body": "x"}, headers=ada).status_code == 404
    assert client.delete("/api/comments/987654", headers=ada).status_code == 404
    assert client.patch(f"/api/comments/{mine['id']}", json={"body": "x"}).status_code == 401
    r = client.patch(f"/api/comments/{mine['id']}", json={"body": "second **take**"}, headers=ada)
    assert r.status_code == 200 and "<strong>take</strong>" in r.json()["html"] and r.json()["edited"]
    page = Page(client.get(f"/papers/{pid}").text).find("article", id=f"c{mine['id']}")
    assert "edited" in page.text and "second take" in page.text and "hacked" not in page.text
    assert client.get(f"/api/papers/{pid}").json()["communityComments"] == 1

    reply = client.post(f"/api/papers/{pid}/comments", json={"body": "an answer", "parent": mine["id"]},
                        headers=bob).json()
    assert client.delete(f"/api/comments/{mine['id']}", headers=ada).json() == {"id": mine["id"], "deleted": True}
    assert client.delete(f"/api/comments/{mine['id']}", headers=ada).status_code == 404  # gone already
    listed = client.get(f"/api/papers/{pid}/comments").json()
    assert listed[0]["id"] == mine["id"] and listed[0]["deleted"] and listed[0]["html"] == "" \
        and listed[0]["author"] is None
    assert listed[1]["id"] == reply["id"]
    text = client.get(f"/papers/{pid}").text
    assert "[deleted]" in text and "second take" not in text and "an answer" in text
    # without replies a deleted comment leaves the page entirely
    client.delete(f"/api/comments/{reply['id']}", headers=bob)
    assert client.get(f"/api/papers/{pid}/comments").json() == []
    assert "[deleted]" not in client.get(f"/papers/{pid}").text
    assert client.get(f"/api/papers/{pid}").json()["communityComments"] == 0


def test_limits_on_length_and_rate(db, conn, hub, monkeypatch):
    monkeypatch.setenv("PAPERBOY_COMMENTS_PER_HOUR", "3")
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)
    pid = _first_paper(conn)
    ada = token_for(conn, "ada@example.org")
    for body in ("", "   \n ", "x" * 10_001):
        r = client.post(f"/api/papers/{pid}/comments", json={"body": body}, headers=ada)
        assert r.status_code == 400 and r.json()["status"] == 400, body[:5]
    assert client.post(f"/api/papers/{pid}/comments", json={}, headers=ada).status_code == 400
    assert client.post(f"/api/papers/{pid}/comments", json={"body": "x" * 10_000}, headers=ada).status_code == 201
    assert client.post("/api/papers/no-such-paper/comments", json={"body": "x"}, headers=ada).status_code == 404
    for _ in range(2):
        assert client.post(f"/api/papers/{pid}/comments", json={"body": "ok"}, headers=ada).status_code == 201
    r = client.post(f"/api/papers/{pid}/comments", json={"body": "one too many"}, headers=ada)
    assert r.status_code == 429 and "3 comments an hour" in r.json()["error"]
    bob = token_for(conn, "bob@example.org")  # the limit is per member
    assert client.post(f"/api/papers/{pid}/comments", json={"body": "mine"}, headers=bob).status_code == 201
    mine = conn.execute("SELECT min(id) AS id FROM comments").fetchone()["id"]
    long_edit = client.patch(f"/api/comments/{mine}", json={"body": "y" * 10_001}, headers=ada)
    assert long_edit.status_code == 400
    for n in range(2):  # the one above counted too
        assert client.patch(f"/api/comments/{mine}", json={"body": f"edit {n}"}, headers=ada).status_code == 200
    r = client.patch(f"/api/comments/{mine}", json={"body": "again"}, headers=ada)
    assert r.status_code == 429 and "edits an hour" in r.json()["error"]


def test_no_one_and_forged_forms_are_refused(client, conn, hub):
    pid = _first_paper(conn)
    r = client.post(f"/api/papers/{pid}/comments", json={"body": "hi"})
    assert r.status_code == 401 and r.json() == {"error": r.json()["error"], "status": 401}
    assert client.post(f"/api/papers/{pid}/comments", json={"body": "hi"},
                       headers={"Authorization": "Bearer pb_not-a-token"}).status_code == 401
    form = client.post(f"/papers/{pid}/comments", data={"body": "hi"}, follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].startswith("/signin?next=")
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post(f"/api/papers/{pid}/comments", json={"body": "hi"}).status_code == 403
    assert client.post(f"/api/papers/{pid}/comments", json={"body": "hi"},
                       headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert client.post(f"/papers/{pid}/comments", data={"body": "hi"}).status_code == 403
    assert client.post(f"/papers/{pid}/comments", data={"body": "hi", "csrf": csrf[:-1] + ("1" if csrf.endswith("0") else "0")}).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM comments").fetchone()["n"] == 0
    ok = client.post(f"/papers/{pid}/comments", data={"body": "hi", "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303


def test_the_plain_forms_comment_reply_edit_and_delete(client, conn, hub):
    pid = _first_paper(conn)
    csrf = sign_in(client, conn, "ada@example.org")
    r = client.post(f"/papers/{pid}/comments", data={"body": "via *form*", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/papers/{pid}#c")
    cid = int(r.headers["location"].rsplit("#c", 1)[1])
    r = client.post(f"/papers/{pid}/comments", data={"body": "a reply", "parent": str(cid), "csrf": csrf},
                    follow_redirects=False)
    rid = int(r.headers["location"].rsplit("#c", 1)[1])
    assert conn.execute("SELECT parent_id FROM comments WHERE id = %s", (rid,)).fetchone()["parent_id"] == cid
    edit = client.get(f"/comments/{cid}/edit")
    assert edit.status_code == 200 and Page(edit.text).find("textarea").text == "via *form*"
    r = client.post(f"/comments/{cid}/edit", data={"body": "changed", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "changed" in client.get(f"/papers/{pid}").text
    r = client.post(f"/comments/{rid}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert [c["id"] for c in client.get(f"/api/papers/{pid}/comments").json()] == [cid]
    # someone else's comment: no edit page, no delete
    other = TestClient(client.app, raise_server_exceptions=False)
    csrf_b = sign_in(other, conn, "bob@example.org")
    assert other.get(f"/comments/{cid}/edit").status_code == 403
    assert other.post(f"/comments/{cid}/delete", data={"csrf": csrf_b}).status_code == 403


@pytest.mark.parametrize("cached", [False, True])
def test_each_member_sees_their_own_controls_on_the_shared_page(db, conn, hub, cached):
    app = create_app(db, cache_seconds=60 if cached else 0, rate_limit=0)
    ada_c, bob_c, anon = (TestClient(app, raise_server_exceptions=False) for _ in range(3))
    pid = _first_paper(conn)
    csrf = sign_in(ada_c, conn, "ada@example.org")
    sign_in(bob_c, conn, "bob@example.org")
    ada = add(conn, "ada@example.org")
    ada_c.post(f"/api/papers/{pid}/comments", json={"body": "mine"}, headers={"X-CSRF-Token": csrf})

    def controls(client) -> tuple[Page, tuple[bool, ...]]:
        """The page, and which of these it shows: my edit buttons, the comment form, the
        sign-in link, the curators' controls."""
        page = Page(client.get(f"/papers/{pid}").text)
        signin = next(e for e in page.elements if e.attrs.get("data-for") == "no-one")
        parts = (page.find("div", class_="own"), page.find("form", class_="comment-form"), signin,
                 page.find("section", id="curate"))
        return page, tuple("hidden" not in e.attrs for e in parts)

    page, shown = controls(ada_c)
    assert shown == (True, True, False, False)
    assert page.find("div", class_="own").attrs["data-own"] == str(ada.id)
    csrf_fields = [e.attrs.get("value") for e in page.find_all("input", name="csrf")]
    assert csrf_fields and all(v == csrf for v in csrf_fields)
    assert controls(bob_c)[1] == (False, True, False, False)
    assert controls(anon)[1] == (False, False, True, False)
