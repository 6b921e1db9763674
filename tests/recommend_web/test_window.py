"""For you in the demo's situation (issue 21, item 3): the default period ends at the hub's
latest listed day, not at the newest *published* day of a saved page's papers; a pick says
"because" only when it is really close to one of the member's papers; the rest of the page is
trending papers, labelled so. Before, a member of five video upvotes saw two unrelated papers
of a 2025 saved page, each "because you upvoted" a video paper."""

from __future__ import annotations

from datetime import date

from paperboy import embeddings
from paperboy.community import members
from tests.community.people import sign_in
from tests.helpers import Page, import_files, shared
from tests.recommend_web.conftest import VIDEO, upvote_all
from tests.recommend_web.test_page import _picks

API = "/api/recommendations"
OPENCODER = "2411.04905"            # listed 2024-11-08: code LLMs, nothing to do with video
RELATED = {"2411.05003", "2411.04928"}  # listed 2024-11-08: ReCapture, DimensionX (video, 4D scenes)


def _member(client, conn) -> None:
    sign_in(client, conn, "ada@example.org")
    upvote_all(conn, members.by_email(conn, "ada@example.org").id, VIDEO[:5])


def test_the_default_period_ends_at_the_latest_listed_day_not_at_a_saved_page_s_dates(client, conn):
    # a saved HF page: papers without ids, published in 2025, listed on no day of this hub
    import_files(conn, [shared("hf-papers-pages", "001_5a43e5ec4ca234e4.txt")], date(2025, 10, 17))
    conn.commit()
    embeddings.embed_pending(conn)
    conn.commit()
    newest = conn.execute("SELECT max(published_at) AS d FROM papers").fetchone()["d"]
    latest = conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"]
    assert newest.year == 2025 and latest == date(2024, 11, 10)
    _member(client, conn)
    items = client.get(API).json()
    picked = [i for i in items if not i.get("trending")]
    assert len(picked) >= 3 and all(i["because"] for i in picked)
    days = {r["id"]: r["listed_on"] for r in conn.execute(
        "SELECT id, listed_on FROM papers WHERE id = ANY(%s)", ([i["id"] for i in picked],))}
    assert all(d is not None and date(2024, 10, 28) <= d <= latest for d in days.values()), days
    # the page says which days it picked from
    summary = Page(client.get("/for-you").text).find("summary").text
    assert "2024-10-28 – 2024-11-10" in summary


def test_an_unrelated_paper_is_no_pick_but_a_trending_paper_saying_so(client, conn):
    _member(client, conn)
    items = {i["id"]: i for i in client.get(f"{API}?since=2024-11-08&until=2024-11-08&limit=30").json()}
    assert items[OPENCODER].get("trending") is True and items[OPENCODER]["because"] == []
    page = client.get("/for-you?since=2024-11-08&until=2024-11-08&limit=30").text
    card = next(p for p in _picks(page) if p.find("section", class_="pick").attrs["data-paper"] == OPENCODER)
    assert card.find("p", class_="because") is None
    assert card.find("p", class_="trending-pad").text.startswith("Trending")


def test_a_related_paper_is_a_pick_saying_why(client, conn):
    _member(client, conn)
    items = client.get(f"{API}?since=2024-11-08&until=2024-11-08&limit=30").json()
    picked = [i for i in items if not i.get("trending")]
    assert RELATED <= {i["id"] for i in picked}
    assert items[:len(picked)] == picked  # the picks come before the trending papers
    for i in picked:
        assert i["because"] and {b["id"] for b in i["because"]} <= set(VIDEO[:5])
    page = client.get("/for-you?since=2024-11-08&until=2024-11-08&limit=30").text
    for card in _picks(page):
        if card.find("section", class_="pick").attrs["data-paper"] in RELATED:
            assert card.find("p", class_="because").text.startswith("Because you upvoted ")
            assert card.find("p", class_="trending-pad") is None
