"""The JSON API in the shape of Hugging Face's, checked field by field against the database."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from tests.helpers import shared


def test_daily_papers_for_a_day_has_the_hf_shape(client, hub):
    r = client.get("/api/daily_papers", params={"date": "2024-11-08"})
    assert r.status_code == 200
    items = r.json()
    raw = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())["papers"]
    assert len(items) == len(raw)
    by_id = {e["url"].rsplit("/", 1)[-1]: e for e in raw}
    for item in items:
        assert set(item) >= {"paper", "publishedAt", "title", "summary", "numComments", "submittedBy"}
        paper = item["paper"]
        src = by_id[paper["id"]]
        assert paper["title"] == item["title"] == " ".join(src["title"].split())
        assert paper["summary"] == item["summary"] == " ".join(src["abstract"].split())
        assert isinstance(paper["authors"], list) and all(set(a) == {"name"} for a in paper["authors"])
        assert paper["upvotes"] >= src["upvotes"]
        assert item["publishedAt"].startswith("2024-11-0") and item["publishedAt"].endswith("T00:00:00.000Z")
        row = hub.execute("SELECT * FROM papers WHERE id = %s", (paper["id"],)).fetchone()
        assert [a["name"] for a in paper["authors"]] == row["authors"]
        assert paper["upvotes"] == (row["upvotes"] or 0)
        assert paper["githubRepo"] == row["github_repo"]
        assert paper["arxivId"] == row["arxiv_id"]
    upvotes = [i["paper"]["upvotes"] for i in items]
    assert upvotes == sorted(upvotes, reverse=True)


def test_no_date_means_the_latest_day(client, hub):
    latest = client.get("/api/daily_papers").json()
    assert {i["publishedAt"][:10] for i in latest} == {"2024-11-10"}


def test_week_paging_with_link_header_covers_every_paper_once(client, hub):
    expected = {r["paper_id"] for r in hub.execute(
        "SELECT DISTINCT paper_id FROM listings WHERE day BETWEEN '2024-11-04' AND '2024-11-10'")}
    seen: list[str] = []
    url = "/api/daily_papers?week=2024-W45&limit=25"
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        seen += [i["paper"]["id"] for i in r.json()]
        pages += 1
        link = r.headers.get("link")
        if link:
            assert link.endswith('>; rel="next"')
            target = urlparse(link[1:link.index(">")])
            q = parse_qs(target.query)
            assert q["p"] == [str(pages)] and q["limit"] == ["25"] and q["week"] == ["2024-W45"]
            url = f"{target.path}?{target.query}"
        else:
            url = None
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    assert pages == -(-len(expected) // 25)
    assert int(r.headers["x-total-count"]) == len(expected)


def test_month_sorted_by_date_and_trending(client, hub):
    items = client.get("/api/daily_papers", params={"month": "2024-11", "sort": "publishedAt", "limit": 100}).json()
    days = [i["publishedAt"] for i in items]
    assert days == sorted(days, reverse=True)
    trending = client.get("/api/daily_papers", params={"month": "2024-11", "sort": "trending", "limit": 5})
    assert trending.status_code == 200 and len(trending.json()) == 5


def test_single_paper_and_its_listing_days(client, hub):
    first = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())["papers"][0]
    pid = first["url"].rsplit("/", 1)[-1]
    r = client.get(f"/api/papers/{pid}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == pid
    assert body["title"] == " ".join(first["title"].split())
    days = [d["day"].isoformat() for d in hub.execute(
        "SELECT DISTINCT day FROM listings WHERE paper_id = %s ORDER BY day", (pid,))]
    assert body["listedOn"] == days and "2024-11-08" in days


def test_errors_are_json_with_message_and_status(client, hub):
    r = client.get("/api/papers/9999.99999")
    assert r.status_code == 404 and r.json()["status"] == 404 and "9999.99999" in r.json()["error"]
    for params, word in [({"date": "2024-13-01"}, "YYYY-MM-DD"), ({"week": "2024-45"}, "2024-W45"),
                         ({"month": "Nov 2024"}, "YYYY-MM"), ({"date": "x", "week": "y"}, "one of")]:
        r = client.get("/api/daily_papers", params=params)
        assert r.status_code == 400, params
        assert word in r.json()["error"]
    r = client.get("/api/daily_papers", params={"limit": 100000})
    assert r.status_code == 400 and "limit" in r.json()["error"]
    r = client.get("/api/daily_papers", params={"limit": 0})
    assert r.status_code == 400
    r = client.get("/api/daily_papers", params={"p": 50000, "week": "2024-W45"})
    assert r.status_code == 200 and r.json() == [] and "link" not in r.headers
    r = client.get("/api/daily_papers", params={"sort": "random"})
    assert r.status_code == 400


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/daily_papers" in spec["paths"] and "/api/papers/{paper_id}" in spec["paths"]
