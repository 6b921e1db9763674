"""A paper's date when no source gave one (issue 21, item 4): Hugging Face's daily lists carry
no publication date, so `publishedAt` was null, APA printed "(n.d.)" and cards showed no date.
Now the month of the arXiv id stands in (2410.13720 -> 2024-10), bounded by the first listing
day, and `publishedAtSource` and the pages say which date it is."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from huggingface_hub.hf_api import PaperInfo

from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app
from tests.helpers import Page, import_demo


@pytest.fixture
def client(db, conn, tmp_path):
    import_demo(conn)
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path)
    app.state.searcher.index.sync(conn)
    return TestClient(app, raise_server_exceptions=False)


def test_the_api_gives_the_arxiv_month_and_says_so(client):
    movie = client.get("/api/papers/2410.13720").json()  # from an HF daily list: no date given
    assert (movie["publishedAt"], movie["publishedAtSource"]) == ("2024-10-01T00:00:00.000Z", "arxiv-id")
    # huggingface_hub's paper_info() builds its PaperInfo from this answer
    assert PaperInfo(**movie).published_at == datetime(2024, 10, 1, tzinfo=UTC)
    listed = client.get("/api/daily_papers", params={"date": "2024-10-18", "limit": 100}).json()
    sources = [i["paper"]["publishedAtSource"] for i in listed]
    assert listed and all(i["paper"]["publishedAt"] for i in listed)
    # one of them is also on a saved listing page, which gave its date
    assert sources.count("arxiv-id") == len(listed) - 1 and sources.count("published") == 1
    # a saved listing page's date is the paper's own: kept, as "published"
    cosmic = client.get("/api/papers/t-8c7b35278272").json()
    assert (cosmic["publishedAt"], cosmic["publishedAtSource"]) == ("2024-04-01T00:00:00.000Z", "published")
    nothing = client.get("/api/papers/t-80966be838e8").json()  # no id, no date, never listed
    assert (nothing["publishedAt"], nothing["publishedAtSource"]) == (None, None)


def test_a_paper_listed_before_its_id_month_is_dated_by_the_listing(client, conn):
    """The listing day bounds the date: published then or before (a month starting after it
    cannot be right)."""
    store_batch(conn, [Paper(title="Early bird", source="hf-daily", arxiv_id="2411.00001",
                             listed_on=date(2024, 10, 31))])
    conn.commit()
    early = client.get("/api/papers/2411.00001").json()
    assert (early["publishedAt"], early["publishedAtSource"]) == ("2024-10-31T00:00:00.000Z", "listed")
    page = Page(client.get("/papers/2411.00001").text)
    when = page.find("div", class_="meta").text
    assert "listed Oct 31, 2024" in when


def test_cards_and_pages_show_the_month_as_a_month(client):
    found = Page(client.get("/search", params={"q": "Movie Gen Cast Media Foundation", "mode": "keyword"}).text)
    card = next(c for c in found.find_all("article", class_="card") if "Movie Gen" in c.text)
    times = found.find_all("time", datetime="2024-10")
    assert "Oct 2024" in card.text and times and times[0].text == "Oct 2024"
    assert "the month of its arXiv id" in times[0].attrs["title"]
    page = Page(client.get("/papers/2410.13720").text)
    assert "published Oct 2024" in page.find("div", class_="meta").text
    cosmic = Page(client.get("/papers/t-8c7b35278272").text)
    assert "published Apr 1, 2024" in cosmic.find("div", class_="meta").text
