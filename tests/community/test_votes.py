"""Upvotes: the API (cookie + CSRF, Bearer token), the plain form, the limits and errors, and
the member's own votes marked on shared cached pages."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for
from tests.helpers import Page


def _top_paper(hub) -> dict:
    """The latest day's most upvoted paper (it has Hugging Face upvotes)."""
    return hub.execute(
        "SELECT p.id, p.upvotes FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = (SELECT max(day) FROM listings) ORDER BY p.upvotes DESC, p.id LIMIT 1"
    ).fetchone()


def _community(hub, pid: str) -> tuple[int, int, int]:
    """(papers.upvotes, papers.community_upvotes, vote rows) of one paper."""
    row = hub.execute("SELECT upvotes, community_upvotes, (SELECT count(*) FROM votes WHERE paper_id = %s) AS n"
                      " FROM papers WHERE id = %s", (pid, pid)).fetchone()
    hub.commit()
    return row["upvotes"], row["community_upvotes"], row["n"]


def test_upvote_and_take_it_back_by_cookie_with_csrf(client, conn, hub):
    paper = _top_paper(hub)
    pid, hf = paper["id"], paper["upvotes"]
    csrf = sign_in(client, conn, "ada@example.org")
    h = {"X-CSRF-Token": csrf}
    r = client.post(f"/api/papers/{pid}/upvote", headers=h)
    assert r.status_code == 200 and r.json() == {"upvotes": hf + 1, "communityUpvotes": 1, "upvoted": True}
    # once per member: again changes nothing
    assert client.post(f"/api/papers/{pid}/upvote", headers=h).json() == {
        "upvotes": hf + 1, "communityUpvotes": 1, "upvoted": True}
    assert _community(hub, pid) == (hf, 1, 1)  # Hugging Face's count is never written
    api = client.get(f"/api/papers/{pid}").json()
    assert (api["upvotes"], api["communityUpvotes"], api["hfUpvotes"]) == (hf + 1, 1, hf)
    r = client.delete(f"/api/papers/{pid}/upvote", headers=h)
    assert r.json() == {"upvotes": hf, "communityUpvotes": 0, "upvoted": False}
    assert client.delete(f"/api/papers/{pid}/upvote", headers=h).json()["communityUpvotes"] == 0
    assert _community(hub, pid) == (hf, 0, 0)


def test_a_bearer_token_votes_without_a_csrf_token(client, conn, hub):
    pid = _top_paper(hub)["id"]
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    assert client.post(f"/api/papers/{pid}/upvote", headers=ada).json()["communityUpvotes"] == 1
    r = client.post(f"/api/papers/{pid}/upvote", headers=bob)
    assert r.json()["communityUpvotes"] == 2 and r.json()["upvoted"] is True
    assert client.delete(f"/api/papers/{pid}/upvote", headers=ada).json()["communityUpvotes"] == 1
    assert _community(hub, pid)[1:] == (1, 1)


def test_no_one_gets_401_and_a_bad_or_missing_csrf_token_403(client, conn, hub):
    pid = _top_paper(hub)["id"]
    for method in ("POST", "DELETE"):
        r = client.request(method, f"/api/papers/{pid}/upvote")
        assert r.status_code == 401 and r.json()["status"] == 401 and "Sign in" in r.json()["error"]
    r = client.post(f"/api/papers/{pid}/upvote", headers={"Authorization": "Bearer pb_revoked_or_made_up"})
    assert r.status_code == 401
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post(f"/api/papers/{pid}/upvote").status_code == 403
    r = client.post(f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": csrf[:-1] + "x"})
    assert r.status_code == 403 and r.json()["status"] == 403
    assert client.delete(f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": ""}).status_code == 403
    assert _community(hub, pid)[1:] == (0, 0)


def test_an_unknown_paper_is_404(client, conn, hub):
    h = token_for(conn, "ada@example.org")
    for pid in ("2411.99999", "no/such/paper", "x" * 300):
        r = client.post(f"/api/papers/{pid}/upvote", headers=h)
        assert r.status_code == 404 and r.json()["status"] == 404, pid
    assert client.delete("/api/papers/2411.99999/upvote", headers=h).status_code == 404


def test_votes_per_minute_are_limited_per_member(db, conn, hub):
    cfg = config.load()
    cfg = dataclasses.replace(cfg, community=dataclasses.replace(cfg.community, votes_per_minute=3))
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0, cfg=cfg), raise_server_exceptions=False)
    pid = _top_paper(hub)["id"]
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    for method in ("POST", "DELETE", "POST"):
        assert client.request(method, f"/api/papers/{pid}/upvote", headers=ada).status_code == 200
    r = client.delete(f"/api/papers/{pid}/upvote", headers=ada)
    assert r.status_code == 429 and "at most 3 a minute" in r.json()["error"]
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert _community(hub, pid)[1:] == (1, 1)  # the refused call changed nothing
    assert client.post(f"/api/papers/{pid}/upvote", headers=bob).status_code == 200  # others vote on


def test_the_plain_form_toggles_and_comes_back(client, conn, hub):
    pid = _top_paper(hub)["id"]
    day = hub.execute("SELECT max(day) AS d FROM listings").fetchone()["d"].isoformat()
    back = f"/papers?date={day}&sort=upvotes#p1"
    # no one: sent to sign in, and back here afterwards
    r = client.post(f"/papers/{pid}/upvote", data={"next": back}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=/papers%3Fdate%3D")
    csrf = sign_in(client, conn, "ada@example.org")
    assert client.post(f"/papers/{pid}/upvote", data={"next": back}).status_code == 403  # no token
    r = client.post(f"/papers/{pid}/upvote", data={"csrf": csrf, "next": back}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == back
    assert _community(hub, pid)[1:] == (1, 1)
    # the page it comes back to shows the vote pressed (the member's own state)
    button = Page(client.get(back).text).find("button", class_="vote-btn", **{"data-vote": pid})
    assert button.attrs["aria-pressed"] == "true" and "voted" in button.attrs["class"]
    # again: the vote is taken back; a next that leaves the site falls back to the paper page
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        r = client.post(f"/papers/{pid}/upvote", data={"csrf": csrf, "next": evil}, follow_redirects=False)
        assert r.headers["location"] == f"/papers/{pid}", evil
    assert _community(hub, pid)[1:] == (1, 1)  # four toggles: back where it was
    client.post(f"/papers/{pid}/upvote", data={"csrf": csrf})
    assert _community(hub, pid)[1:] == (0, 0)
    assert client.post("/papers/2411.99999/upvote", data={"csrf": csrf}).status_code == 404


def test_the_paper_page_shows_each_count_and_a_vote_button(client, conn, hub):
    paper = _top_paper(hub)
    pid, hf = paper["id"], paper["upvotes"]
    client.post(f"/api/papers/{pid}/upvote", headers=token_for(conn, "ada@example.org"))
    page = Page(client.get(f"/papers/{pid}").text)
    assert f"upvotes: {hf} on Hugging Face · 1 here" in page.find("span", class_="vote-split").text
    form = page.find("form", class_="vote")
    assert form.attrs["action"] == f"/papers/{pid}/upvote" and form.attrs["method"] == "post"
    button = page.find("button", class_="vote-btn")
    assert button.text == f"▲ {hf + 1} upvotes: upvote" and button.attrs["aria-pressed"] == "false"  # no one signed in


def test_every_card_has_a_vote_button_with_the_total(client, conn, hub):
    paper = _top_paper(hub)
    client.post(f"/api/papers/{paper['id']}/upvote", headers=token_for(conn, "ada@example.org"))
    page = Page(client.get("/").text)
    cards = page.find_all("article", class_="card")
    buttons = page.find_all("button", class_="vote-btn")
    assert len(buttons) == len(cards) > 0
    assert buttons[0].attrs["data-vote"] == paper["id"] and buttons[0].text == f"▲ {paper['upvotes'] + 1} upvotes: upvote"
    nexts = [i.attrs["value"] for i in page.find_all("input", name="next")]
    assert nexts[:2] == ["/#p1", "/#p2"]


@pytest.fixture
def cached(db):
    """The app as served: the response cache on."""
    app = create_app(db, cache_seconds=60, rate_limit=0)
    return TestClient(app, raise_server_exceptions=False), TestClient(app, raise_server_exceptions=False)


def _pressed(html: str) -> set[str]:
    return {b.attrs["data-vote"] for b in Page(html).find_all("button", class_="vote-btn")
            if b.attrs["aria-pressed"] == "true"}


def test_a_cached_feed_marks_the_members_votes_and_no_one_elses(cached, conn, hub):
    member, anonymous = cached
    ids = [b.attrs["data-vote"] for b in Page(member.get("/").text).find_all("button", class_="vote-btn")]
    csrf = sign_in(member, conn, "ada@example.org")
    h = {"X-CSRF-Token": csrf}
    for pid in ids[2:4]:
        assert member.post(f"/api/papers/{pid}/upvote", headers=h).status_code == 200
    r = member.get("/")
    assert _pressed(r.text) == set(ids[2:4])
    assert r.headers["cache-control"] == "private, no-store"
    assert f'<meta name="csrf-token" content="{csrf}">' in r.text and f'name="csrf" value="{csrf}"' in r.text
    # the same stored page for someone else: nothing pressed, no token, no name
    r = anonymous.get("/")
    assert r.headers["x-cache"] == "hit"
    assert _pressed(r.text) == set() and csrf not in r.text and ">ada</a>" not in r.text
    assert '<meta name="csrf-token" content="">' in r.text
    # the member's next vote shows on their next page at once (the count may lag the cache)
    member.post(f"/api/papers/{ids[0]}/upvote", headers=h)
    member.delete(f"/api/papers/{ids[2]}/upvote", headers=h)
    assert _pressed(member.get("/").text) == {ids[0], ids[3]}
    # another member sees their own votes only
    bob = token_for(conn, "bob@example.org")
    assert _pressed(anonymous.get("/", headers=bob).text) == set()
    anonymous.post(f"/api/papers/{ids[1]}/upvote", headers=bob)
    assert _pressed(anonymous.get("/", headers=bob).text) == {ids[1]}
    assert _pressed(anonymous.get("/").text) == set()
    # and on the paper page
    assert _pressed(member.get(f"/papers/{ids[0]}").text) == {ids[0]}
    assert _pressed(member.get(f"/papers/{ids[1]}").text) == set()


def test_without_the_response_cache_pages_mark_the_members_votes_too(client, conn, hub):
    pid = _top_paper(hub)["id"]
    csrf = sign_in(client, conn, "ada@example.org")
    client.post(f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": csrf})
    assert _pressed(client.get("/").text) == {pid}
    assert _pressed(client.get(f"/papers/{pid}").text) == {pid}
    client.delete(f"/api/papers/{pid}/upvote", headers={"X-CSRF-Token": csrf})
    assert _pressed(client.get("/").text) == set()


def test_a_personal_page_is_the_shared_page_with_only_the_personal_parts_changed(cached, conn, hub):
    member, anonymous = cached
    csrf = sign_in(member, conn, "ada@example.org")
    for pid in hub.execute("SELECT paper_id FROM listings ORDER BY day DESC, paper_id LIMIT 40"):
        member.post(f"/api/papers/{pid['paper_id']}/upvote", headers={"X-CSRF-Token": csrf})
    # /trending: the member's request renders and stores it; / : someone else's did
    for first, path in ((member, "/trending"), (anonymous, "/"), (member, "/papers?date=2024-11-08")):
        first.get(path)
        mine, shared = member.get(path).text, anonymous.get(path).text
        assert 'aria-pressed="true"' in mine and csrf in mine and csrf not in shared
        start, end = mine.index("<!--slot:account-->"), mine.index("<!--/slot:account-->")
        corner = shared[shared.index("<!--slot:account-->"):shared.index("<!--/slot:account-->")]
        back = (mine[:start] + corner + mine[end:]).replace(csrf, "").replace(
            'aria-pressed="true" class="vote-btn voted"', 'aria-pressed="false" class="vote-btn"')
        assert back == shared, path
