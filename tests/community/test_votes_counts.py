"""Community votes beside the imported counts: apart from them, added to them where a count is
shown, and counted by trending with their real times."""

from __future__ import annotations

import json
from datetime import date, timedelta

from paperboy import trending
from tests.community.people import token_for
from tests.helpers import Page, import_files, shared

REF = date(2024, 11, 10)  # the hub's latest listed day: trending's reference day


def _members(conn, n: int) -> list[int]:
    ids = [r["id"] for r in conn.execute(
        "INSERT INTO members (email, name) SELECT 'v' || i || '@example.org', 'v' || i"
        " FROM generate_series(1, %s) i RETURNING id", (n,)).fetchall()]
    conn.commit()
    return ids


def _vote(conn, pid: str, members: list[int], created=None) -> None:
    """Votes as the API casts them (the triggers keep the paper's count), at ``created``."""
    conn.execute("INSERT INTO votes (paper_id, member_id, created) SELECT %s, m, coalesce(%s, now())"
                 " FROM unnest(%s::bigint[]) m", (pid, created, members))
    conn.commit()


def test_a_reimport_of_hugging_face_data_keeps_community_votes(client, conn, hub, tmp_path):
    day = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())
    entry = day["papers"][0]
    pid = entry["url"].rsplit("/", 1)[1]
    for email in ("ada@example.org", "bob@example.org"):
        assert client.post(f"/api/papers/{pid}/upvote", headers=token_for(conn, email)).status_code == 200
    before = client.get(f"/api/papers/{pid}").json()
    assert before["communityUpvotes"] == 2 and before["upvotes"] == before["hfUpvotes"] + 2
    # Hugging Face's count moves on; the day is imported again
    entry["upvotes"] += 40
    path = tmp_path / "2024-11-08.json"
    path.write_text(json.dumps(day))
    import_files(conn, [path])
    conn.commit()
    row = conn.execute("SELECT upvotes, community_upvotes FROM papers WHERE id = %s", (pid,)).fetchone()
    conn.commit()
    assert (row["upvotes"], row["community_upvotes"]) == (entry["upvotes"], 2)
    after = client.get(f"/api/papers/{pid}").json()
    assert (after["hfUpvotes"], after["communityUpvotes"], after["upvotes"]) == (
        entry["upvotes"], 2, entry["upvotes"] + 2)
    item = next(i for i in client.get("/api/daily_papers?date=2024-11-08").json() if i["paper"]["id"] == pid)
    assert item["paper"]["upvotes"] == entry["upvotes"] + 2


def _rank(items: list[dict], pid: str) -> int | None:
    return next((k for k, i in enumerate(items) if i["paper"]["id"] == pid), None)


def test_fresh_community_votes_lift_a_paper_on_trending_and_old_ones_count_without_growth(client, conn, hub):
    # a paper of a week before the reference day, far from the top
    row = conn.execute("SELECT id, title, upvotes, upvote_growth, listed_on FROM papers"
                       " WHERE listed_on = '2024-11-04' ORDER BY upvotes, id LIMIT 1").fetchone()
    conn.commit()
    pid, age = row["id"], (REF - row["listed_on"]).days
    assert _rank(client.get("/api/trending?limit=100").json(), pid) is None
    members = _members(conn, 150)
    _vote(conn, pid, members)  # cast now: all count as growth

    items = client.get("/api/trending").json()
    assert _rank(items, pid) == 0
    expected = trending.score(row["upvotes"] + 150, row["upvote_growth"] + 150, age)
    assert abs(items[0]["trendingScore"] - expected) < 1e-6
    assert items[0]["paper"]["upvotes"] == row["upvotes"] + 150
    cards = Page(client.get("/trending").text).find_all("a", class_="title")
    assert cards[0].text == " ".join(row["title"].split())

    # the same votes cast long before the reference day: upvotes, but no growth
    conn.execute("UPDATE votes SET created = %s WHERE paper_id = %s", (REF - timedelta(days=10), pid))
    conn.commit()
    items = client.get("/api/trending?limit=100").json()
    k = _rank(items, pid)
    assert k is not None and k > 0
    expected = trending.score(row["upvotes"] + 150, row["upvote_growth"], age)
    assert abs(items[k]["trendingScore"] - expected) < 1e-6
    assert items[k]["paper"]["upvotes"] == row["upvotes"] + 150

    # votes from the day before the reference day on count as growth; older ones do not
    conn.execute("UPDATE votes SET created = %s WHERE paper_id = %s AND member_id = ANY(%s)",
                 (REF - timedelta(days=1), pid, members[:50]))
    conn.commit()
    items = client.get("/api/trending?limit=100").json()
    k = _rank(items, pid)
    expected = trending.score(row["upvotes"] + 150, row["upvote_growth"] + 50, age)
    assert abs(items[k]["trendingScore"] - expected) < 1e-6


def test_lists_sort_by_imported_and_community_upvotes_together(client, conn, hub):
    items = client.get("/api/daily_papers?date=2024-11-08").json()
    last = items[-1]["paper"]
    _vote(conn, last["id"], _members(conn, items[0]["paper"]["upvotes"] + 1))
    items = client.get("/api/daily_papers?date=2024-11-08").json()
    assert items[0]["paper"]["id"] == last["id"]
    ids = [b.attrs["data-vote"] for b in Page(client.get("/papers?date=2024-11-08").text).find_all(
        "button", class_="vote-btn")]
    assert ids[0] == last["id"]
