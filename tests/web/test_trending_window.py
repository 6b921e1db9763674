"""One listing today must never empty Trending (issue: a real user's first hour, item 1).

The hub holds two weeks of real Hugging Face lists from November 2024; then one paper is
listed today (an import of a one-paper HF daily file dated today: any listing moves the hub's
latest day, as a member's submission does, see tests/community/test_submit.py). Before the
fix the window was "30 calendar days up to the latest listed day" and ages were calendar
days from it, so every 2024 paper fell out and Trending, its feed, its API and
``sort=trending`` showed that one paper with 0 votes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import feedparser

from paperboy import trending
from paperboy.papers.days import listed_days
from tests.helpers import import_files


def _list_today(conn, tmp_path) -> str:
    today = datetime.now(UTC).date().isoformat()
    paper = {"title": "A paper listed today with no votes yet", "url": "https://huggingface.co/papers/2412.99999",
             "authors": ["Ada Lovelace"], "abstract": "Listed today on a hub whose other lists are old.",
             "upvotes": 0}
    path = tmp_path / f"{today}.json"
    path.write_text(json.dumps({"date": today, "papers": [paper]}))
    import_files(conn, [path])
    conn.commit()
    return "2412.99999"


def _trending_ids(client, url: str = "/api/trending?limit=100") -> list[str]:
    """Every trending paper, following the Link headers page by page."""
    ids: list[str] = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        ids += [i["paper"]["id"] for i in r.json()]
        link = r.headers.get("link")
        url = link[link.index("/api/"):link.index(">")] if link else None
    return ids


def test_one_listing_today_leaves_trending_whole(client, hub, tmp_path):
    before = _trending_ids(client)
    assert len(before) > 100
    new = _list_today(hub, tmp_path)
    after = _trending_ids(client)
    # every paper that trended still does, and the new one joins them
    assert set(after) == set(before) | {new}
    # it has no votes: the old lists' best papers stay above it
    assert after.index(new) > 0 and after[0] == before[0]
    page = client.get("/trending")
    assert page.status_code == 200 and page.text.count('class="card"') == 30
    feed = feedparser.parse(client.get("/feeds/trending.atom").content)
    assert len(feed.entries) == 50
    # the HF route the `hf papers ls --sort trending` client calls: the Trending list
    assert _trending_ids(client, "/api/daily_papers?sort=trending&limit=100") == after


def test_age_counts_listed_days_not_the_gap(client, hub, tmp_path):
    """An old paper's score after today's listing: its age is the number of listed days
    after its own, up to today (the gap of two years counts as one day)."""
    _list_today(hub, tmp_path)
    days = sorted({r["day"] for r in hub.execute(
        "SELECT day FROM listings UNION SELECT day FROM new_listings")}, reverse=True)
    items = client.get("/api/trending", params={"limit": 100}).json()
    assert len(items) == 100
    for item in items[:20]:
        row = hub.execute("SELECT upvotes, upvote_growth, listed_on FROM papers WHERE id = %s",
                          (item["paper"]["id"],)).fetchone()
        age = sum(1 for d in days if d > row["listed_on"])
        assert age < 20  # never the calendar gap (about 750 days)
        assert round(item["trendingScore"], 6) == round(trending.score(row["upvotes"], row["upvote_growth"], age), 6)


def test_the_window_is_the_last_thirty_listed_days(hub):
    days = listed_days(hub, date(2024, 11, 10), trending.WINDOW_DAYS)
    assert days[0] == date(2024, 11, 10) and days == sorted(days, reverse=True)
    assert len(days) == 14  # the hub's two weeks: fewer than 30 listed days in all
    assert listed_days(hub, date(2024, 11, 10), n=3) == [date(2024, 11, d) for d in (10, 9, 8)]
    assert listed_days(hub, date(2024, 11, 10), 30, since=date(2024, 11, 9)) == [date(2024, 11, 10), date(2024, 11, 9)]
    assert listed_days(hub, date(2024, 10, 1), 30) == []
