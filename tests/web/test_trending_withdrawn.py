"""A withdrawn paper never trends, wherever a trending order is shown (trending.py makes them
all), yet stays in the day's list sorted by upvotes or date."""

from __future__ import annotations

import pytest


def _all_pages(client, url: str) -> list[dict]:
    """Every item of a paged API answer, following its Link headers."""
    items: list[dict] = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        items += r.json()
        link = r.headers.get("link")
        url = link[link.index("/api/"):link.index(">")] if link else None
    return items


@pytest.fixture
def withdrawn(hub):
    """The top paper of the latest day, withdrawn, with by far the most upvotes of the hub."""
    row = hub.execute(
        "SELECT p.id, l.day FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = (SELECT max(day) FROM listings) ORDER BY p.upvotes DESC NULLS LAST, p.id LIMIT 1"
    ).fetchone()
    hub.execute("UPDATE papers SET withdrawn = true, upvotes = 1000000,"
                " comment = 'This paper has been withdrawn by the authors' WHERE id = %s", (row["id"],))
    hub.commit()
    return row


def test_a_withdrawn_paper_with_the_most_upvotes_never_trends(client, hub, withdrawn):
    pid, day = withdrawn["id"], withdrawn["day"]
    for period in ({"date": day.isoformat()}, {"week": f"{day:%G-W%V}"}, {"month": f"{day:%Y-%m}"}):
        query = "&".join(f"{k}={v}" for k, v in period.items())
        by_upvotes = _all_pages(client, f"/api/daily_papers?{query}&sort=upvotes&limit=100")
        assert by_upvotes[0]["paper"]["id"] == pid and by_upvotes[0]["paper"]["withdrawn"] is True
        r = client.get(f"/api/daily_papers?{query}&sort=trending&limit=100")
        by_trending = _all_pages(client, f"/api/daily_papers?{query}&sort=trending&limit=100")
        assert pid not in {i["paper"]["id"] for i in by_trending}, period
        # everything else of the period is still there, and the count says so
        assert {i["paper"]["id"] for i in by_trending} == {i["paper"]["id"] for i in by_upvotes} - {pid}
        assert int(r.headers["x-total-count"]) == len(by_upvotes) - 1
    # with no period: the latest day, which is the withdrawn paper's
    assert pid not in {i["paper"]["id"] for i in client.get("/api/daily_papers?sort=trending&limit=100").json()}
    assert client.get("/api/daily_papers?limit=1").json()[0]["paper"]["id"] == pid

    trending = _all_pages(client, "/api/trending?limit=100")
    assert trending and pid not in {i["paper"]["id"] for i in trending}
    for page in range(1, -(-len(trending) // 30) + 1):  # the page shows 30 a page
        html = client.get(f"/trending?page={page}").text
        assert 'class="card"' in html and f'href="/papers/{pid}"' not in html
