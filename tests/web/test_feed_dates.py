"""Feeds keep their promises about days (issue: a real user's first hour, item 10): the daily
feed carries the papers of the last three days that have a Daily list (it took three calendar
days, so after a pause it held one day); an undated paper is dated by when the hub got it,
not 2000-01-01; the search page announces its own feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import feedparser

from tests.community.people import token_for
from tests.helpers import Page, import_files


def _ids(feed) -> set[str]:
    return {e.link.split("/papers/", 1)[1] for e in feed.entries}


def test_the_daily_feed_holds_the_last_three_listed_days(client, hub, tmp_path):
    # a list a month after the hub's two weeks: the calendar's last three days hold only it
    day = {"date": "2024-12-20", "papers": [{"title": "A paper after a pause", "authors": ["Ada Lovelace"],
                                             "url": "https://huggingface.co/papers/2412.00001",
                                             "abstract": "After a month without lists.", "upvotes": 3}]}
    path = tmp_path / "2024-12-20.json"
    path.write_text(json.dumps(day))
    import_files(hub, [path])
    hub.commit()
    feed = feedparser.parse(client.get("/feeds/daily.atom").content)
    expected = {r["paper_id"] for r in hub.execute(
        "SELECT DISTINCT paper_id FROM listings WHERE day IN ('2024-12-20', '2024-11-10', '2024-11-09')")}
    assert len(expected) > 10 and _ids(feed) == expected


def test_an_undated_paper_is_dated_by_its_arrival_in_a_feed(client, conn):
    conn.execute("INSERT INTO papers (id, title, title_key, summary) VALUES"
                 " ('t-0123456789ab', 'A saved page without dates', 'a saved page without dates', 'An abstract.')")
    conn.commit()
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Open", "public": True}, headers=ada).json()["id"]
    assert client.put(f"/api/collections/{cid}/papers/t-0123456789ab", headers=ada).status_code == 200
    feed = feedparser.parse(client.get(f"/collections/{cid}/feed.atom").content)
    assert not feed.bozo, feed.bozo_exception
    [entry] = feed.entries
    assert "published" not in entry  # no publication date is claimed
    arrived = conn.execute("SELECT created FROM papers WHERE id = 't-0123456789ab'").fetchone()["created"]
    updated = datetime(*entry.updated_parsed[:6], tzinfo=UTC)
    assert abs((updated - arrived).total_seconds()) < 2 and updated.year > 2000
    assert feed.feed.updated_parsed[0] > 2000


def test_the_search_page_announces_its_feed(client, hub):
    page = Page(client.get("/search", params={"q": "video generation"}).text)
    links = [e.attrs for e in page.find_all("link", rel="alternate", type="application/atom+xml")]
    assert any(a["href"] == "/feeds/search.atom?q=video%20generation" for a in links), links
    assert client.get("/feeds/search.atom", params={"q": "video generation"}).status_code == 200
