"""Follows are For you signals for a member with a fitted model too: the followed author's
papers of the period come first, "because you follow" them, then the model's picks."""

from __future__ import annotations

from paperboy.community import members
from paperboy.follows import store
from tests.community.people import token_for
from tests.recommend_web.conftest import VIDEO, upvote_all

API = "/api/recommendations"


def test_a_fitted_member_gets_the_followed_authors_papers_first(client, conn):
    headers = token_for(conn, "ada@example.org")
    ada = members.by_email(conn, "ada@example.org")
    upvote_all(conn, ada.id, VIDEO)
    before = client.get(f"{API}?since=2024-11-04&until=2024-11-08&limit=10", headers=headers).json()
    # an author of that week, far from video generation: not among the model's first picks
    paper = conn.execute(
        "SELECT id, authors[1] AS name FROM papers WHERE listed_on BETWEEN '2024-11-04' AND '2024-11-08'"
        " AND cardinality(authors) > 0 AND id <> ALL(%s) AND id <> ALL(%s) ORDER BY id LIMIT 1",
        (VIDEO, [i["id"] for i in before])).fetchone()
    followed = store.follow_author(conn, ada.id, paper["name"])
    conn.commit()
    r = client.get(f"{API}?since=2024-11-04&until=2024-11-08&limit=10", headers=headers)
    assert r.headers["x-paperboy-cold-start"] == "0"
    items = r.json()
    mine = [i for i in items if any(b["kind"] == "follow" for b in i["because"])]
    assert mine and items[:len(mine)] == mine and paper["id"] in {i["id"] for i in mine}
    assert all(i["because"] == [{"id": None, "title": followed.label, "kind": "follow", "url": followed.href}]
               for i in mine)
    # then the model's own picks, explained by the member's upvotes, as before
    rest = [i for i in items[len(mine):] if not i["trending"]]
    assert rest and all(b["kind"] == "upvoted" for i in rest for b in i["because"])
    assert len({i["id"] for i in items}) == len(items)
