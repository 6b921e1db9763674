"""HTML pages: feed by day/week/month with prev/next, trending, paper page, errors, escaping."""

from __future__ import annotations

import json
from datetime import date

import feedparser

from paperboy import trending
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.helpers import Page, shared


def titles_in(html: str) -> list[str]:
    """The titles of the paper cards on a page, in order, as a browser shows them."""
    return [a.text for a in Page(html).find_all("a", class_="title")
            if (a.attrs.get("href") or "").startswith("/papers/")]


def test_empty_hub_says_how_to_fill_it(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "No papers yet" in r.text and "paperboy import" in r.text


def test_home_is_the_latest_day_sorted_by_upvotes(client, hub):
    r = client.get("/")
    assert r.status_code == 200
    assert "Sunday, November 10, 2024" in r.text
    rows = hub.execute(
        "SELECT p.title FROM papers p JOIN listings l ON l.paper_id = p.id WHERE l.day = '2024-11-10'"
        " ORDER BY p.upvotes DESC NULLS LAST, p.id").fetchall()
    shown = titles_in(r.text)
    assert len(shown) == min(30, len(rows))
    import html as h
    assert [h.unescape(t) for t in shown] == [x["title"] for x in rows][:30]


def test_previous_links_skip_days_without_papers(client, hub):
    # 2024-11-04 is the first day after the weekend; nothing is stored for 2024-10-27 and before
    r = client.get("/papers", params={"date": "2024-10-28"})
    assert 'rel="prev"' not in r.text.split("<main")[1].split("</nav>")[0]
    assert 'href="/papers?date=2024-10-29"' in r.text
    hub.execute("DELETE FROM listings WHERE day = '2024-11-02'")  # make a hole
    hub.commit()
    r = client.get("/papers", params={"date": "2024-11-03"})
    assert 'href="/papers?date=2024-11-01"' in r.text  # skips the emptied day
    r = client.get("/papers", params={"date": "2024-11-01"})
    assert 'href="/papers?date=2024-11-03"' in r.text


def test_week_and_month_pages_paginate(client, hub):
    r = client.get("/papers", params={"week": "2024-W45"})
    assert r.status_code == 200 and "Week 45, 2024" in r.text
    total = hub.execute("SELECT count(DISTINCT paper_id) AS n FROM listings"
                        " WHERE day BETWEEN '2024-11-04' AND '2024-11-10'").fetchone()["n"]
    assert f"{total} papers" in r.text
    pages = -(-total // 30)
    assert f"Page 1 of {pages}" in r.text
    last = client.get("/papers", params={"week": "2024-W45", "page": pages})
    assert len(titles_in(last.text)) == total - 30 * (pages - 1)
    month = client.get("/papers", params={"month": "2024-11", "sort": "publishedAt"})
    assert month.status_code == 200 and "November 2024" in month.text
    beyond = client.get("/papers", params={"week": "2024-W45", "page": 999})
    assert beyond.status_code == 200 and "No papers listed" in beyond.text


def test_paper_page_shows_everything_and_escapes(client, hub):
    first = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())["papers"][0]
    pid = first["url"].rsplit("/", 1)[-1]
    r = client.get(f"/papers/{pid}")
    assert r.status_code == 200
    row = hub.execute("SELECT * FROM papers WHERE id = %s", (pid,)).fetchone()
    import html as h
    text = h.unescape(r.text)
    assert row["title"] in text and row["summary"] in text
    # every name, in order, each a link to its author's page
    assert Page(r.text).find("p", class_="authors").text == ", ".join(row["authors"])
    assert [a.text for a in Page(r.text).find_all("a", class_="author")] == row["authors"]
    assert f"https://arxiv.org/abs/{pid}" in r.text
    assert "Similar papers" in r.text and "Fri, Nov 8, 2024" in r.text

    store_batch(hub, [Paper(title="<script>alert(1)</script> $x<y$", source="hf-page",
                            summary="a <b>bold</b> claim & more", listed_on=date(2024, 11, 10),
                            upvotes=100_000)])
    hub.commit()
    evil = hub.execute("SELECT id FROM papers WHERE title LIKE '<script>%'").fetchone()["id"]
    for url in ("/", f"/papers/{evil}"):
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; $x&lt;y$" in page
        assert "a &lt;b&gt;bold&lt;/b&gt; claim &amp; more" in page


def test_old_style_ids_have_pages(client, conn):
    store_batch(conn, [Paper(title="An old paper", source="arxiv-atom", arxiv_id="astro-ph/0601001")])
    conn.commit()
    r = client.get("/papers/astro-ph/0601001")
    assert r.status_code == 200 and "An old paper" in r.text


def test_bad_requests_get_pages_not_tracebacks(client, hub):
    r = client.get("/papers/0000.00000")
    assert r.status_code == 404 and "Not found" in r.text and "0000.00000" in r.text
    r = client.get("/papers", params={"date": "2024-02-30"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text
    r = client.get("/papers", params={"week": "2024-W99"})
    assert r.status_code == 400 and "2024-W45" in r.text
    r = client.get("/papers", params={"page": "abc"})
    assert r.status_code == 400
    r = client.get("/nowhere")
    assert r.status_code == 404 and "<html" in r.text


def test_trending_page_orders_by_the_documented_score(client, hub):
    r = client.get("/trending")
    assert r.status_code == 200
    assert trending.ONE_LINE.split(" = ")[0] in r.text
    ref = date(2024, 11, 10)
    rows = hub.execute("SELECT title, upvotes, upvote_growth, listed_on FROM papers"
                       " WHERE listed_on BETWEEN '2024-10-12' AND '2024-11-10'").fetchall()
    scored = sorted(rows, key=lambda x: -trending.score(x["upvotes"], x["upvote_growth"], (ref - x["listed_on"]).days))
    import html as h
    shown = [h.unescape(t) for t in titles_in(r.text)]
    # ties aside, the page follows the Python formula
    expected_scores = [trending.score(x["upvotes"], x["upvote_growth"], (ref - x["listed_on"]).days) for x in scored[:30]]
    by_title = {x["title"]: x for x in rows}
    shown_scores = [trending.score(by_title[t]["upvotes"], by_title[t]["upvote_growth"],
                                   (ref - by_title[t]["listed_on"]).days) for t in shown]
    assert shown_scores == sorted(shown_scores, reverse=True)
    assert [round(s, 9) for s in shown_scores] == [round(s, 9) for s in expected_scores]
    # growth counts: the refreshed papers of Nov 7 grew by 1, 2, 3…
    refreshed = len(json.loads(shared("hf-daily-papers-2024", "2024-11-07.json").read_text())["papers"][:10])
    grown = sorted(x["upvote_growth"] for x in rows if x["upvote_growth"])
    assert grown == list(range(1, refreshed + 1))


def test_score_formula():
    assert trending.score(10, 0, 0) > trending.score(10, 0, 1) > trending.score(10, 0, 7)
    assert trending.score(10, 5, 3) > trending.score(10, 0, 3)
    assert trending.score(0, 0, 0) == 1 / 2 ** 1.5
    assert round(trending.score(17, 0, 1) / trending.score(9, 0, 0), 2) == round(18 / 10 / 1.5 ** 1.5, 2)


def test_atom_feeds_parse_and_match_the_database(client, hub):
    for name in ("daily", "trending"):
        r = client.get(f"/feeds/{name}.atom")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
        feed = feedparser.parse(r.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == "atom10"
        assert feed.entries
        for e in feed.entries:
            pid = e.link.split("/papers/", 1)[1]
            row = hub.execute("SELECT title, summary, authors FROM papers WHERE id = %s", (pid,)).fetchone()
            assert row is not None
            assert e.title == row["title"]
            assert e.summary == row["summary"]
            assert [a.name for a in e.authors] == row["authors"][:20] or (not row["authors"])
    daily = feedparser.parse(client.get("/feeds/daily.atom").content)
    ids = {e.link.split("/papers/", 1)[1] for e in daily.entries}
    expected = {r["paper_id"] for r in hub.execute(
        "SELECT DISTINCT paper_id FROM listings WHERE day BETWEEN '2024-11-08' AND '2024-11-10'")}
    assert ids == expected
    home = client.get("/").text
    assert 'rel="alternate" type="application/atom+xml"' in home and "/feeds/daily.atom" in home


def test_static_assets_are_cached(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]


def test_head_requests_get_headers_without_body(client, hub):
    for url in ("/", "/feeds/daily.atom", "/api/daily_papers"):
        r = client.head(url)
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-length"] == str(len(client.get(url).content))


def test_a_withdrawn_paper_is_marked_and_never_trends(client, hub):
    top = titles_in(client.get("/trending").text)[0]
    import html as h

    row = hub.execute("SELECT id FROM papers WHERE title = %s", (h.unescape(top),)).fetchone()
    hub.execute("UPDATE papers SET withdrawn = true, comment = 'This paper has been withdrawn by the authors'"
                " WHERE id = %s", (row["id"],))
    hub.commit()
    assert top not in titles_in(client.get("/trending").text)
    page = client.get(f"/papers/{row['id']}").text
    assert "Withdrawn." in page and "This paper has been withdrawn by the authors" in page
    assert client.get(f"/api/papers/{row['id']}").json()["withdrawn"] is True
    day = hub.execute("SELECT min(day) AS d FROM listings WHERE paper_id = %s", (row["id"],)).fetchone()["d"]
    listed = client.get("/papers", params={"date": day.isoformat()}).text
    assert 'class="tag withdrawn"' in listed


def test_bad_values_are_named_in_plain_words(client, hub):
    """Not pydantic's "Input should be a valid integer, unable to parse string as an integer"."""
    for url, said in (("/papers?page=abc", "page must be a whole number, not 'abc'"),
                      ("/api/daily_papers?limit=500", "limit must be at most 100"),
                      ("/api/daily_papers?limit=0", "limit must be at least 1"),
                      ("/api/daily_papers?sort=random", "sort must be one of upvotes, publishedAt or trending"),
                      ("/api/trending?p=x", "p must be a whole number, not 'x'")):
        r = client.get(url)
        assert r.status_code == 400, url
        text = r.json()["error"] if url.startswith("/api/") else Page(r.text).find("main").text
        assert said in text and "Input should" not in text, (url, text)


def test_a_paper_page_names_its_sources_in_words(client, hub):
    pid = hub.execute("SELECT paper_id FROM listings LIMIT 1").fetchone()["paper_id"]
    main = Page(client.get(f"/papers/{pid}").text).find("main").text
    assert "Hugging Face Daily Papers" in main and "hf-daily" not in main


def test_there_is_a_favicon(client):
    page = Page(client.get("/trending").text)
    icon = page.find("link", rel="icon")
    assert icon is not None
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert client.get(icon.attrs["href"]).content == r.content


def test_one_search_landmark_on_the_search_page(client, hub):
    """The page's own form is the search there (the header's box was a second one)."""
    for path in ("/search", "/search?q=video"):
        forms = [f for f in Page(client.get(path).text).find_all("form") if f.attrs.get("role") == "search"]
        assert len(forms) == 1, path
    assert len([f for f in Page(client.get("/trending").text).find_all("form")
                if f.attrs.get("role") == "search"]) == 1
