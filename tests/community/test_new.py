"""New, the arXiv firehose, apart from Daily, the lists people chose: /new and /api/new_papers."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from paperboy import config, fetch
from paperboy.web.app import create_app
from tests.community.people import sign_in
from tests.fetch.conftest import replay  # noqa: F401 - the local arXiv
from tests.helpers import Page

DAY = date(2025, 3, 18)  # a Tuesday


def _fetch_arxiv(db, replay) -> set[str]:  # noqa: F811
    """`fetch arxiv` of cs.CL through the replay: its 60 recorded papers."""
    base = config.load()
    cfg = dataclasses.replace(base, fetch=dataclasses.replace(
        base.fetch, categories=("cs.CL",), arxiv_url=f"{replay.url}/api/query", arxiv_delay=0.05,
        timeout=1.0, retries=2))
    outcome = fetch.run_arxiv(db, cfg, ["cs.CL"], since=date(2000, 1, 1), page_size=10)
    assert outcome.ok, outcome.error
    with db.connection() as c:
        return {r["id"] for r in c.execute("SELECT id FROM papers")}


def test_fetched_arxiv_papers_are_on_new_and_not_on_daily(db, conn, client, replay):  # noqa: F811
    fetched = _fetch_arxiv(db, replay)
    assert len(fetched) == 60
    # Daily is empty: its API says so, and the home page points to New.
    assert client.get("/api/daily_papers").json() == []
    for week in ("2025-W04", "2024-W50"):
        assert client.get("/api/daily_papers", params={"week": week}).json() == []
    home = Page(client.get("/").text)
    assert "Nothing on the Daily list yet" in home.find("main").text
    assert home.find("a", href="/new") is not None
    assert client.get("/feeds/daily.atom").text.count("<entry>") == 0
    # New has every one of them, each on the day it was submitted to arXiv.
    days = [r["day"] for r in conn.execute("SELECT DISTINCT day FROM new_listings ORDER BY day")]
    seen: set[str] = set()
    for d in days:
        items = client.get("/api/new_papers", params={"date": d.isoformat(), "limit": 100}).json()
        assert items and all(i["publishedAt"] == f"{d.isoformat()}T00:00:00.000Z" for i in items)
        seen |= {i["paper"]["id"] for i in items}
    assert seen == fetched
    latest = client.get("/api/new_papers").json()
    assert {i["paper"]["id"] for i in latest} == {r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM new_listings WHERE day = %s", (days[-1],))}
    page = Page(client.get("/new").text)
    titles = {a.text for a in page.find_all("a", class_="title")}
    assert titles == {i["title"] for i in latest}
    assert page.find("a", href="/new", **{"aria-current": "page"}) is not None  # the nav says where
    # and a paper's page does not pretend it was on a Daily list
    one = next(iter(fetched))
    assert client.get(f"/api/papers/{one}").json()["listedOn"] == []


@pytest.fixture
def firehose(conn):
    """35 papers on New on DAY (cs.CL, three also cs.LG, one cs.CV), two the day before,
    one a week later; and one paper on Daily."""
    rows = []
    for i in range(35):
        cats = ["cs.CV"] if i == 34 else ["cs.CL", "cs.LG"] if i < 3 else ["cs.CL"]
        title = "Transformers for <b>tiny</b> *data*" if i == 0 else f"Paper number {i}"
        rows.append((f"2503.{i:05d}", title, cats, i, DAY))
    rows += [("2503.10001", "Yesterday one", ["cs.CL"], 0, DAY - timedelta(days=1)),
             ("2503.10002", "Yesterday two", ["cs.AI"], 0, DAY - timedelta(days=1)),
             ("2503.20001", "Next week", ["cs.CL"], 0, DAY + timedelta(days=7))]
    for pid, title, cats, up, d in rows:
        conn.execute("INSERT INTO papers (id, arxiv_id, title, title_key, summary, authors, categories,"
                     " upvotes, published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (pid, pid, title, title.lower(), f"About sparse attention {pid}.",
                      ["Ada Lovelace"] if up == 7 else ["Someone"], cats, up, d))
        conn.execute("INSERT INTO new_listings VALUES (%s, %s, 'arxiv-atom')", (pid, d))
    conn.execute("INSERT INTO papers (id, title, title_key, summary) VALUES ('t-daily', 'Chosen', 'chosen', 's')")
    conn.execute("INSERT INTO listings VALUES ('t-daily', %s, 'hf-api')", (DAY,))
    conn.commit()
    return conn


def _ids(client, **params) -> list[str]:
    return [i["paper"]["id"] for i in client.get("/api/new_papers", params=params).json()]


def test_new_by_day_week_and_month_sorted_and_paged(client, firehose):
    r = client.get("/api/new_papers", params={"date": DAY.isoformat(), "limit": 30})
    assert r.headers["X-Total-Count"] == "35" and 'rel="next"' in r.headers["Link"]
    by_votes = [i["paper"]["id"] for i in r.json()]
    assert by_votes[:3] == ["2503.00034", "2503.00033", "2503.00032"]
    assert _ids(client, date=DAY.isoformat(), p=1, limit=30) == [f"2503.{i:05d}" for i in range(4, -1, -1)]
    assert len(_ids(client, week="2025-W12", limit=100)) == 37  # Mon 17 … Sun 23 March
    assert len(_ids(client, month="2025-03", limit=100)) == 38
    assert _ids(client) == ["2503.20001"]  # no period: New's latest day
    assert _ids(client, date=DAY.isoformat(), sort="publishedAt", limit=1) == ["2503.00034"]
    assert len(_ids(client, date=DAY.isoformat(), sort="trending", limit=100)) == 35
    # Daily is untouched by New, and New by Daily
    assert [i["paper"]["id"] for i in client.get("/api/daily_papers").json()] == ["t-daily"]
    assert "t-daily" not in _ids(client, month="2025-03", limit=100)
    # the page: 30 cards, a pager, previous and next days of New, links to week and month
    page = Page(client.get("/new", params={"date": DAY.isoformat()}).text)
    assert len(page.find_all("article", class_="card")) == 30
    assert page.find("a", rel="next", href=f"/new?date={DAY.isoformat()}&page=2") is not None
    assert page.find("a", rel="prev", href=f"/new?date={(DAY - timedelta(days=1)).isoformat()}") is not None
    assert page.find("a", rel="next", href=f"/new?date={(DAY + timedelta(days=7)).isoformat()}") is not None
    assert page.find("a", href="/new?week=2025-W12") is not None and page.find("a", href="/new?month=2025-03")
    second = Page(client.get("/new", params={"date": DAY.isoformat(), "page": 2}).text)
    assert len(second.find_all("article", class_="card")) == 5
    assert client.get("/new", params={"sort": "sideways"}).status_code == 400
    assert client.get("/new", params={"date": "2025-13-01"}).status_code == 400
    assert client.get("/api/new_papers", params={"limit": 101}).json()["status"] == 400


def test_new_by_category(client, firehose):
    assert len(_ids(client, date=DAY.isoformat(), category="cs.LG")) == 3
    assert _ids(client, date=DAY.isoformat(), category="cs.CV") == ["2503.00034"]
    assert _ids(client, date=DAY.isoformat(), category="math.AP") == []
    page = Page(client.get("/new", params={"date": DAY.isoformat(), "sort": "publishedAt"}).text)
    assert page.find("nav", **{"aria-label": "Categories"}) is not None
    links = {a.attrs["href"]: a.text for a in page.find_all("a", class_="tag")}
    # the categories present that day, with their counts; a link keeps the day and the sort
    assert links[f"/new?date={DAY.isoformat()}&sort=publishedAt&category=cs.CL"] == "cs.CL 34"
    assert links[f"/new?date={DAY.isoformat()}&sort=publishedAt&category=cs.LG"] == "cs.LG 3"
    assert links[f"/new?date={DAY.isoformat()}&sort=publishedAt&category=cs.CV"] == "cs.CV 1"
    assert not any("cs.AI" in h for h in links)  # only on the day before
    narrowed = Page(client.get("/new", params={"date": DAY.isoformat(), "category": "cs.LG"}).text)
    assert len(narrowed.find_all("article", class_="card")) == 3
    # moving to the previous day keeps the category
    assert narrowed.find("a", rel="prev", href=f"/new?date={(DAY - timedelta(days=1)).isoformat()}&category=cs.LG")
    for bad in ("cs CL", "<script>", "x" * 60):
        r = client.get("/api/new_papers", params={"category": bad})
        assert r.status_code == 400 and "category" in r.json()["error"]


def test_new_is_searchable_within_the_period(client, firehose):
    d = DAY.isoformat()
    assert _ids(client, date=d, q="transformers tiny") == ["2503.00000"]
    assert _ids(client, date=d, q='"tiny data"') == ["2503.00000"]
    assert _ids(client, date=d, q="Lovelace") == ["2503.00007"]  # authors too
    assert _ids(client, date=d, q="2503.00012") == ["2503.00012"]  # an id
    assert len(_ids(client, date=d, q="sparse attention", limit=100)) == 35
    assert len(_ids(client, date=d, q="sparse -tiny", limit=100)) == 34
    assert _ids(client, date=d, q="sparse", category="cs.CV") == ["2503.00034"]
    assert sorted(_ids(client, week="2025-W12", q="yesterday", limit=100)) == ["2503.10001", "2503.10002"]
    assert _ids(client, date=d, q="yesterday") == []  # only within the period
    page = Page(client.get("/new", params={"date": d, "q": "transformers"}).text)
    assert len(page.find_all("article", class_="card")) == 1
    assert page.find("a", class_="title").text == "Transformers for <b>tiny</b> *data*"  # escaped, as text
    form = page.find("form", class_="within")
    assert form is not None and page.find("input", id="new-q").attrs["value"] == "transformers"
    assert page.find("input", type="hidden", name="date").attrs["value"] == d
    assert client.get("/api/new_papers", params={"q": "x" * 300}).status_code == 400


def test_new_is_in_the_shared_cache_and_personal_for_a_member(db, firehose):
    client = TestClient(create_app(db, cache_seconds=60, rate_limit=0), raise_server_exceptions=False)
    first = client.get("/new", params={"date": DAY.isoformat()})
    again = client.get("/new", params={"date": DAY.isoformat(), "utm_source": "x"})
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert client.get("/api/new_papers").headers["x-cache"] == "miss"
    assert client.get("/api/new_papers").headers["x-cache"] == "hit"
    token = sign_in(client, firehose, "ada@example.org")
    mine = client.get("/new", params={"date": DAY.isoformat()})
    assert mine.headers["x-cache"] == "hit" and mine.headers["cache-control"] == "private, no-store"
    fields = Page(mine.text).find_all("input", name="csrf")
    assert fields and {f.attrs["value"] for f in fields} == {token}


def test_an_instance_with_nothing_on_new_says_how_to_fill_it(client):
    page = Page(client.get("/new").text)
    assert "Nothing on New yet" in page.find("main").text and "PAPERBOY_ARXIV_CATEGORIES" in page.find("main").text
    assert client.get("/api/new_papers").json() == []
    assert "No papers yet" in Page(client.get("/").text).find("main").text
