"""Curation: who may act (401 for no one, 403 for a member, CSRF for a cookie), what each
action does to the lists, merging, and the moderation log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.community.people import add, sign_in, token_for
from tests.helpers import Page, import_files, shared


def _day_papers(conn, day: str = "2024-11-07") -> list[str]:
    return [r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM listings WHERE day = %s ORDER BY paper_id", (date.fromisoformat(day),))]


def _comment(client, conn, pid: str, email: str = "ada@example.org", body: str = "a comment") -> int:
    r = client.post(f"/api/papers/{pid}/comments", json={"body": body}, headers=token_for(conn, email))
    assert r.status_code == 201
    return r.json()["id"]


# (path after /api or /, JSON body) of every curator action on a paper; {c} is a comment id
ACTIONS = [("papers/{p}/hide", None), ("papers/{p}/unhide", None), ("papers/{p}/pin", None),
           ("papers/{p}/unpin", None), ("papers/{p}/merge", {"into": "{q}"}),
           ("comments/{c}/hide", None), ("comments/{c}/unhide", None)]


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_every_curator_action_is_refused_to_no_one_and_to_members(client, other, conn, hub, action, body):
    p, q = _day_papers(conn)[:2]
    c = _comment(other, conn, p)
    path = action.format(p=p, c=c)
    data = {"into": q} if body else None
    before = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    # no one: 401, through the API and the form
    assert client.post(f"/api/{path}", json=data).status_code == 401
    assert client.post(f"/{path}", data=data or {}).status_code == 401
    # a member: 403 with a token, and with a session cookie even with the right CSRF token
    r = client.post(f"/api/{path}", json=data, headers=token_for(conn, "bob@example.org"))
    assert r.status_code == 403 and r.json()["status"] == 403
    csrf = sign_in(client, conn, "bob@example.org")
    assert client.post(f"/api/{path}", json=data, headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.post(f"/{path}", data={**(data or {}), "csrf": csrf}).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM moderation_log").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] == before
    assert not conn.execute("SELECT hidden FROM papers WHERE id = %s", (p,)).fetchone()["hidden"]
    assert not conn.execute("SELECT hidden FROM comments WHERE id = %s", (c,)).fetchone()["hidden"]
    # a curator with a cookie still needs the form token
    csrf = sign_in(other, conn, "cora@example.org", "curator")
    assert other.post(f"/api/{path}", json=data).status_code == 403
    assert other.post(f"/api/{path}", json=data, headers={"X-CSRF-Token": "x" * 40}).status_code == 403
    assert other.post(f"/{path}", data={**(data or {}), "csrf": ""}).status_code == 403
    assert conn.execute("SELECT count(*) AS n FROM moderation_log").fetchone()["n"] == 0
    # and then it works, by form (303 back) and by API
    ok = other.post(f"/{path}", data={**(data or {}), "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303, ok.text


def test_a_hidden_paper_leaves_every_list_but_its_page_answers(db, conn, hub, tmp_path):
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path), raise_server_exceptions=False)
    trending = client.get("/api/trending", params={"limit": 100}).json()
    pid = trending[0]["paper"]["id"]
    title = trending[0]["title"]
    day = conn.execute("SELECT max(day) AS d FROM listings WHERE paper_id = %s", (pid,)).fetchone()["d"].isoformat()
    client.app.state.searcher.index.sync(conn)

    def everywhere() -> dict[str, bool]:
        daily = [x["paper"]["id"] for x in client.get("/api/daily_papers", params={"date": day, "limit": 100}).json()]
        week = [x["paper"]["id"] for x in client.get("/api/daily_papers", params={"month": day[:7], "limit": 100,
                                                                                  "sort": "trending"}).json()]
        found = [x["paper"]["id"] for x in client.get("/api/papers/search", params={
            "q": f'"{title}"', "mode": "keyword"}).json()]
        return {
            "daily": pid in daily, "month-trending": pid in week,
            "trending": pid in [x["paper"]["id"] for x in client.get("/api/trending", params={"limit": 100}).json()],
            "search": pid in found,
            "feed page": f'href="/papers/{pid}"' in client.get("/papers", params={"date": day}).text,
            "atom": f"/papers/{pid}<" in client.get("/feeds/daily.atom").text
                    or f"/papers/{pid}\"" in client.get("/feeds/daily.atom").text,
            "trending feed": f"/papers/{pid}" in client.get("/feeds/trending.atom").text,
        }

    before = everywhere()
    assert all(before.values()), before
    r = client.post(f"/api/papers/{pid}/hide", headers=token_for(conn, "cora@example.org", "curator"))
    assert r.status_code == 200 and r.json() == {"id": pid, "hidden": True}
    after = everywhere()
    assert not any(after.values()), after
    page = client.get(f"/papers/{pid}")
    assert page.status_code == 200 and "Hidden by curators" in page.text
    assert client.get(f"/api/papers/{pid}").status_code == 200
    r = client.post(f"/api/papers/{pid}/unhide", headers=token_for(conn, "cora@example.org", "curator"))
    assert r.json() == {"id": pid, "hidden": False}
    assert everywhere() == before
    log = [(e["action"], e["target"], e["actor"]) for e in client.get(
        "/api/moderation", headers=token_for(conn, "cora@example.org")).json()]
    assert log == [("unhide-paper", pid, "cora"), ("hide-paper", pid, "cora")]


def test_pin_puts_a_paper_first_on_its_day(client, conn, hub):
    cora = token_for(conn, "cora@example.org", "curator")
    day = "2024-11-07"

    def order() -> list[str]:
        return [x["paper"]["id"] for x in client.get("/api/daily_papers", params={"date": day}).json()]

    last = order()[-1]
    r = client.post(f"/api/papers/{last}/pin", headers=cora)  # its latest Daily day by default
    latest = conn.execute("SELECT max(day) AS d FROM listings WHERE paper_id = %s", (last,)).fetchone()["d"]
    assert r.status_code == 200 and r.json() == {"id": last, "pinned": [latest.isoformat()]}
    r = client.post(f"/api/papers/{last}/pin", json={"day": day}, headers=cora)
    assert day in r.json()["pinned"]
    assert order()[0] == last
    assert Page(client.get("/papers", params={"date": day}).text).find("a", class_="title").attrs["href"] \
        == f"/papers/{last}"
    # a day it is not listed on: it joins that day's Daily list, first
    r = client.post(f"/api/papers/{last}/pin", json={"day": "2024-11-20"}, headers=cora)
    assert [x["paper"]["id"] for x in client.get("/api/daily_papers", params={"date": "2024-11-20"}).json()] == [last]
    assert client.post(f"/api/papers/{last}/pin", json={"day": "soon"}, headers=cora).status_code == 400
    assert client.post(f"/api/papers/{last}/pin", json=["x"], headers=cora).status_code == 400
    assert client.post("/api/papers/nope/pin", headers=cora).status_code == 404
    r = client.post(f"/api/papers/{last}/unpin", json={"day": "2024-11-20"}, headers=cora)
    assert "2024-11-20" not in r.json()["pinned"]
    assert client.get("/api/daily_papers", params={"date": "2024-11-20"}).json() == []
    r = client.post(f"/api/papers/{last}/unpin", headers=cora)  # from every day
    assert r.json()["pinned"] == [] and order()[0] != last
    actions = [e["action"] for e in client.get("/api/moderation", headers=cora).json()]
    pinned_days = {latest, date.fromisoformat(day), date(2024, 11, 20)}  # pinning twice logs once
    assert actions == ["unpin", "unpin"] + ["pin"] * len(pinned_days)


def test_a_curator_hides_a_comment(client, conn, hub):
    pid = _day_papers(conn)[0]
    cid = _comment(client, conn, pid, body="spam, spam, spam")
    cora = token_for(conn, "cora@example.org", "curator")
    assert client.get(f"/api/papers/{pid}").json()["communityComments"] == 1
    r = client.post(f"/api/comments/{cid}/hide", headers=cora)
    assert r.status_code == 200 and r.json()["hidden"] is True
    assert client.get(f"/api/papers/{pid}/comments").json() == []
    assert "spam, spam" not in client.get(f"/papers/{pid}").text
    assert client.get(f"/api/papers/{pid}").json()["communityComments"] == 0
    assert client.post("/api/comments/424242/hide", headers=cora).status_code == 404
    # curators find it on the moderation page, and show it again
    csrf = sign_in(client, conn, "cora@example.org", "curator")
    page = client.get("/moderation")
    assert page.status_code == 200 and "spam, spam" in page.text
    r = client.post(f"/comments/{cid}/unhide", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/papers/{pid}#comments"
    assert [c["id"] for c in client.get(f"/api/papers/{pid}/comments").json()] == [cid]


def test_merge_moves_everything_to_the_kept_paper_and_the_old_id_leads_there(client, conn, hub):
    keep, old = _day_papers(conn)[:2]
    ada, bob = add(conn, "ada@example.org"), add(conn, "bob@example.org")
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s), (%s, %s), (%s, %s)",
                 (keep, ada.id, old, ada.id, old, bob.id))
    conn.execute("INSERT INTO submissions (paper_id, member_id, day) VALUES (%s, %s, '2024-11-20')", (old, bob.id))
    conn.execute("INSERT INTO listings (paper_id, day, source) VALUES (%s, '2024-11-20', 'submission')", (old,))
    conn.execute("INSERT INTO new_listings (paper_id, day, source) VALUES (%s, '2024-11-21', 'arxiv-atom')", (old,))
    conn.commit()
    cid = _comment(client, conn, old, body="on the duplicate")
    old_days = {r["day"] for r in conn.execute("SELECT day FROM listings WHERE paper_id = %s", (old,))}
    cora = token_for(conn, "cora@example.org", "curator")

    assert client.post(f"/api/papers/{keep}/merge", json={"into": keep}, headers=cora).status_code == 400
    assert client.post(f"/api/papers/{keep}/merge", json={}, headers=cora).status_code == 400
    assert client.post(f"/api/papers/{keep}/merge", json={"into": "no-such"}, headers=cora).status_code == 404
    assert client.post("/api/papers/no-such/merge", json={"into": keep}, headers=cora).status_code == 404

    r = client.post(f"/api/papers/{old}/merge", json={"into": keep}, headers=cora)
    assert r.status_code == 200 and r.json() == {"id": keep, "merged": old}
    assert conn.execute("SELECT count(*) AS n FROM papers WHERE id = %s", (old,)).fetchone()["n"] == 0
    voters = {x["member_id"] for x in conn.execute("SELECT member_id FROM votes WHERE paper_id = %s", (keep,))}
    assert voters == {ada.id, bob.id}  # ada voted for both: one vote
    kept = client.get(f"/api/papers/{keep}").json()
    assert kept["communityUpvotes"] == 2 and kept["communityComments"] == 1
    assert [c["id"] for c in client.get(f"/api/papers/{keep}/comments").json()] == [cid]
    days = {r["day"] for r in conn.execute("SELECT day FROM listings WHERE paper_id = %s", (keep,))}
    assert old_days <= days and date(2024, 11, 20) in days
    assert conn.execute("SELECT paper_id FROM submissions WHERE member_id = %s", (bob.id,)).fetchone()["paper_id"] == keep
    assert conn.execute("SELECT paper_id FROM new_listings WHERE day = '2024-11-21'").fetchone()["paper_id"] == keep
    # the old address answers with the kept paper
    page = client.get(f"/papers/{old}", follow_redirects=False)
    assert page.status_code == 301 and page.headers["location"] == f"/papers/{keep}"
    assert client.get(f"/api/papers/{old}").json()["id"] == keep
    assert client.get(f"/api/papers/{old}/comments").status_code == 200
    # merged again: the alias follows
    third = _day_papers(conn, "2024-11-06")[-1]
    assert client.post(f"/api/papers/{keep}/merge", json={"into": third}, headers=cora).status_code == 200
    assert client.get(f"/papers/{old}", follow_redirects=False).headers["location"] == f"/papers/{third}"
    entry = client.get("/api/moderation", headers=cora).json()[-1]
    assert entry["action"] == "merge" and entry["target"] == old and entry["detail"]["into"] == keep
    assert entry["detail"]["votes"] == 2 and entry["detail"]["comments"] == 1


def test_a_pin_to_a_day_after_today_or_before_arxiv_is_a_clear_400_and_changes_nothing(client, conn, hub):
    """Issue 21, item 16: a pin to 9999-12-31 made that day the hub's latest Daily day,
    which emptied the front page and Trending."""
    cora = token_for(conn, "cora@example.org", "curator")
    pid = _day_papers(conn)[0]
    trending = [x["paper"]["id"] for x in client.get("/api/trending", params={"limit": 20}).json()]
    front = client.get("/api/daily_papers").json()
    later = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()  # 2: a midnight between cannot flake it
    for day in ("9999-12-31", later, "1991-08-13", "0001-01-01"):
        r = client.post(f"/api/papers/{pid}/pin", json={"day": day}, headers=cora)
        assert r.status_code == 400, (day, r.text)
        assert "day must be between 1991-08-14 (arXiv's first day) and today" in r.json()["error"]
        csrf = sign_in(client, conn, "cora@example.org", "curator")
        form = client.post(f"/papers/{pid}/pin", data={"day": day, "csrf": csrf}, follow_redirects=False)
        assert form.status_code == 400
    assert conn.execute("SELECT count(*) AS n FROM pins").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM moderation_log").fetchone()["n"] == 0
    assert [x["paper"]["id"] for x in client.get("/api/trending", params={"limit": 20}).json()] == trending
    assert client.get("/api/daily_papers").json() == front and front
    # today and arXiv's first day are fine
    today = datetime.now(UTC).date().isoformat()
    for day in (today, "1991-08-14"):
        assert client.post(f"/api/papers/{pid}/pin", json={"day": day}, headers=cora).status_code == 200


def test_importing_a_merged_paper_again_does_not_bring_it_back(client, conn, hub):
    keep, old = _day_papers(conn)[:2]
    cora = token_for(conn, "cora@example.org", "curator")
    assert client.post(f"/api/papers/{old}/merge", json={"into": keep}, headers=cora).status_code == 200
    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-07.json")])
    conn.commit()
    assert conn.execute("SELECT count(*) AS n FROM papers WHERE id = %s", (old,)).fetchone()["n"] == 0
    assert client.get(f"/papers/{old}", follow_redirects=False).status_code == 301


def test_the_moderation_log_is_for_curators_and_admins(client, other, conn, hub):
    pid = _day_papers(conn)[0]
    client.post(f"/api/papers/{pid}/hide", headers=token_for(conn, "cora@example.org", "curator"))
    assert client.get("/api/moderation").status_code == 401
    assert client.get("/moderation").status_code == 401
    assert client.get("/api/moderation", headers=token_for(conn, "bob@example.org")).status_code == 403
    sign_in(other, conn, "bob@example.org")
    assert other.get("/moderation").status_code == 403
    for email, role in (("cora@example.org", "curator"), ("root@example.org", "admin")):
        r = client.get("/api/moderation", headers=token_for(conn, email, role))
        assert r.status_code == 200 and r.headers["X-Total-Count"] == "1"
        [entry] = r.json()
        assert {k: entry[k] for k in ("actor", "action", "target")} == {"actor": "cora", "action": "hide-paper",
                                                                        "target": pid}
    sign_in(client, conn, "root@example.org", "admin")
    page = Page(client.get("/moderation").text)
    rows = page.find_all("tr")[1:]
    assert len(rows) == 1 and "hide-paper" in rows[0].text and "cora" in rows[0].text


def test_the_log_shows_members_as_they_are_named_now_and_deleted_ones_as_deleted(client, other, conn, hub):
    """Issue 21, item 16: the log kept a copy of each name: a rename showed the old name, and
    a deleted member's name stayed where it was matched by a name they no longer had."""
    pid = _day_papers(conn)[0]
    cid = _comment(client, conn, pid, email="bob@example.org")
    cora = sign_in(other, conn, "cora@example.org", "curator")
    assert other.post(f"/comments/{cid}/hide", data={"csrf": cora}, follow_redirects=False).status_code == 303
    root = token_for(conn, "root@example.org", "admin")
    carl = add(conn, "carl@example.org")
    csrf = sign_in(client, conn, "root@example.org", "admin")
    assert client.post(f"/admin/members/{carl.id}/role", data={"role": "curator", "csrf": csrf}).status_code == 200

    def log() -> list[dict]:
        return client.get("/api/moderation", headers=root).json()

    assert [(e["actor"], e["action"], e["target"]) for e in log()] == [
        ("root", "role", "carl"), ("cora", "hide-comment", str(cid))]
    assert log()[-1]["detail"] == {"paper": pid, "author": "bob"}
    # renames: the curator, the commenter and the member the admin acted on
    for who, email, new in ((other, "cora@example.org", "cora-renamed"), (other, "bob@example.org", "bobby"),
                            (other, "carl@example.org", "carlos")):
        form = sign_in(who, conn, email)
        assert who.post("/account/name", data={"name": new, "csrf": form}, follow_redirects=False).status_code \
            in (200, 303)
    entries = log()
    assert [(e["actor"], e["target"]) for e in entries] == [("root", "carlos"), ("cora-renamed", str(cid))]
    assert entries[-1]["detail"]["author"] == "bobby"
    page = client.get("/moderation").text
    assert "cora-renamed" in page and "carlos" in page and "bobby" in page
    assert not any(old in page for old in (">cora<", ">carl<", "author: bob;", "author: bob<"))
    # deletions: every one of them is "deleted member", their names nowhere
    for email in ("cora@example.org", "bob@example.org", "carl@example.org"):
        form = sign_in(other, conn, email)
        r = other.post("/account/delete", data={"confirm": email, "csrf": form})
        assert r.status_code == 200, r.text
    entries = log()
    assert [(e["actor"], e["target"]) for e in entries] == [("root", "deleted member"), ("deleted member", str(cid))]
    assert entries[-1]["detail"] == {"paper": pid, "author": "deleted member"}
    page = client.get("/moderation").text
    for name in ("cora-renamed", "bobby", "carlos"):
        assert name not in page and name not in str(entries)
    stored = str(conn.execute("SELECT * FROM moderation_log").fetchall())
    assert not any(n in stored for n in ("cora", "bob", "carl"))


def test_curator_controls_show_for_curators_only(client, other, conn, hub):
    pid = _day_papers(conn)[0]
    cid = _comment(client, conn, pid)
    sign_in(client, conn, "cora@example.org", "curator")
    sign_in(other, conn, "bob@example.org")
    for who, shown in ((client, True), (other, False)):
        page = Page(who.get(f"/papers/{pid}").text)
        assert ("hidden" not in page.find("section", id="curate").attrs) is shown
        hide = next(f for f in page.find_all("form") if f.attrs.get("action") == f"/comments/{cid}/hide")
        assert ("hidden" not in hide.attrs) is shown
    # the merge form works without JavaScript
    csrf = sign_in(client, conn, "cora@example.org", "curator")
    into = _day_papers(conn)[1]
    r = client.post(f"/papers/{pid}/merge", data={"into": into, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/papers/{into}#curate"
