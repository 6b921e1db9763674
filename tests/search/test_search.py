"""Search over a real, embedded hub: each query form, filters, sorting, highlights, similar papers."""

from __future__ import annotations

import json
from datetime import date

import feedparser
import pytest

from paperboy.search import Filters
from tests.helpers import run_cli, shared

COSMIC = "CosmicMan: A Text-to-Image Foundation Model for Humans"
YOLOE = "YOLOE: Real-Time Seeing Anything"


def titles(result) -> list[str]:
    return [r["title"] for r in result.items]


def test_keyword_finds_a_half_remembered_title(searcher, sconn):
    r = searcher.search(sconn, "CosmicMan", mode="keyword")
    assert titles(r)[0] == COSMIC
    assert r.mode == "keyword"


def test_semantic_finds_an_idea_without_its_words(searcher, sconn):
    from paperboy.search.highlight import spans

    text = "lifelike pictures depicting persons, given captions"
    paper = sconn.execute("SELECT title, summary FROM papers WHERE title = %s", (COSMIC,)).fetchone()
    shared_words = spans(paper["title"] + " " + paper["summary"], text.replace(",", "").split())
    assert shared_words == [], "the query must share no (stemmed) word with the paper"
    r = searcher.search(sconn, text, mode="semantic")
    assert COSMIC in titles(r)[:3]
    assert COSMIC not in titles(searcher.search(sconn, text, mode="keyword"))


def test_hybrid_ranks_the_paper_for_both_kinds_of_query(searcher, sconn):
    for text in ("CosmicMan", "text-to-image model specialised for humans"):
        assert COSMIC in titles(searcher.search(sconn, text))[:3], text


def test_phrase_must_appear_as_written(searcher, sconn):
    r = searcher.search(sconn, '"open prompt mechanisms"')
    assert titles(r) and all("open prompt mechanisms" in (x["title"] + x["summary"]).lower() for x in r.items)
    assert YOLOE in titles(r)


def test_exclusion_removes_matches_from_both_legs(searcher, sconn):
    base = searcher.search(sconn, "object detection", limit=50)
    assert any("yolo" in (x["title"] + x["summary"]).lower() for x in base.items)
    r = searcher.search(sconn, "object detection -YOLO", limit=50)
    assert r.items
    assert not any("yolo" in (x["title"] + x["summary"]).lower() for x in r.items)


def test_or_and_author_search(searcher, sconn):
    row = sconn.execute("SELECT id, authors FROM papers WHERE array_length(authors, 1) >= 3"
                        " AND 'arxiv-jsonl' = ANY(sources) ORDER BY id LIMIT 1").fetchone()
    name = row["authors"][1]
    r = searcher.search(sconn, f'author:"{name}"', limit=50)
    assert row["id"] in [x["id"] for x in r.items]
    assert all(name in x["authors"] for x in r.items)
    both = searcher.search(sconn, "CosmicMan OR YOLOE", mode="keyword")
    assert {COSMIC, YOLOE} <= set(titles(both)[:2])


def test_exact_arxiv_id_lookup(searcher, sconn):
    pid = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())["papers"][3]["url"].rsplit("/", 1)[-1]
    for text in (pid, f"arXiv:{pid}v2", f"https://arxiv.org/abs/{pid}"):
        r = searcher.search(sconn, text)
        assert r.mode == "id" and [x["id"] for x in r.items] == [pid]


def test_filters_date_code_category(searcher, sconn):
    r = searcher.search(sconn, "model", filters=Filters(has_code=True), limit=50)
    assert titles(r) == [YOLOE]
    cat = searcher.search(sconn, "learning", filters=Filters(category="cs.CV"), limit=50)
    assert cat.items and all("cs.CV" in x["categories"] for x in cat.items)
    day = date(2024, 11, 8)
    r = searcher.search(sconn, "language models", filters=Filters(since=day, until=day), limit=50)
    assert r.items and all((x["listed_on"] or x["published_at"]) == day for x in r.items)
    none = searcher.search(sconn, "language models", filters=Filters(until=date(1990, 1, 1)))
    assert none.items == []


def test_sort_by_date_and_upvotes(searcher, sconn):
    by_votes = searcher.search(sconn, "language", sort="upvotes", limit=30)
    votes = [x["upvotes"] or 0 for x in by_votes.items]
    assert votes == sorted(votes, reverse=True) and len(votes) > 5
    by_date = searcher.search(sconn, "language", sort="date", limit=30)
    days = [x["listed_on"] or x["published_at"] for x in by_date.items if x["listed_on"] or x["published_at"]]
    assert days == sorted(days, reverse=True)


def test_highlights_in_results(searcher, sconn):
    r = searcher.search(sconn, "hallucination", mode="keyword")
    assert r.items
    top = r.items[0]
    assert "<mark>" in str(top["highlighted_summary"]) or "<mark>" in str(top["highlighted_title"])


@pytest.mark.parametrize("text", ["", "   ", "the of and", "'; DROP TABLE papers; --", '"unbalanced',
                                  "🤖🚀", r"$\mathcal{O}(n^2)$ attention", "x" * 10_000, "-", "OR"])
def test_bad_input_gives_results_or_a_message(searcher, sconn, text):
    r = searcher.search(sconn, text)
    assert r.items or r.notices or not text.strip() or text in ("-", "OR")
    assert sconn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"] > 200  # nothing dropped


def test_similar_papers_exclude_itself_and_duplicates(searcher, sconn):
    from paperboy.search import similar

    row = sconn.execute("SELECT id FROM papers WHERE title = %s", (COSMIC,)).fetchone()
    near = similar(sconn, row["id"], limit=5)
    assert len(near) == 5
    assert row["id"] not in [x["id"] for x in near]
    sims = [x["similarity"] for x in near]
    assert sims == sorted(sims, reverse=True) and all(0 < s < 1 for s in sims)


def test_api_search_shape_limits_and_highlights(sclient):
    r = sclient.get("/api/papers/search", params={"q": "hallucination", "limit": 5})
    assert r.status_code == 200
    items = r.json()
    assert 0 < len(items) <= 5
    for it in items:
        assert {"paper", "title", "summary", "highlightedTitle", "highlightedSummary"} <= set(it)
        assert it["paper"]["title"] == it["title"]
    assert any("<mark>" in it["highlightedSummary"] for it in items)
    assert r.headers["x-search-mode"] == "hybrid"
    for params in ({"q": "x" * 251}, {"q": ""}, {"q": "a", "limit": 121}, {"q": "a", "limit": 0},
                   {"q": "a", "sort": "random"}, {"q": "a", "since": "yesterday"}):
        bad = sclient.get("/api/papers/search", params=params)
        assert bad.status_code == 400 and "error" in bad.json(), params
    assert sclient.get("/api/papers/search", params={"q": "x" * 250}).status_code == 200


def test_api_similar_and_paper_page(sclient, sconn):
    pid = sconn.execute("SELECT id FROM papers WHERE title = %s", (YOLOE,)).fetchone()["id"]
    r = sclient.get(f"/api/papers/{pid}/similar", params={"limit": 4})
    assert r.status_code == 200 and len(r.json()) == 4
    assert pid not in [x["paper"]["id"] for x in r.json()]
    page = sclient.get(f"/papers/{pid}")
    assert page.status_code == 200
    first = r.json()[0]["paper"]
    assert f'href="/papers/{first["id"]}"' in page.text.split('id="similar"')[1]
    assert sclient.get("/api/papers/0000.00000/similar").status_code == 404


def test_search_page_and_feed(sclient):
    page = sclient.get("/search", params={"q": "CosmicMan"})
    assert page.status_code == 200 and "<mark>CosmicMan</mark>" in page.text
    assert sclient.get("/search", params={"q": "x" * 10_000}).status_code == 200
    empty = sclient.get("/search")
    assert empty.status_code == 200 and "quoted phrases" in empty.text
    feed = feedparser.parse(sclient.get("/feeds/search.atom", params={"q": "object detection"}).content)
    assert not feed.bozo and feed.entries
    assert sclient.get("/feeds/search.atom", params={"q": ""}).status_code == 400


def test_cli_search(search_db, search_home):
    env = {"DATABASE_URL": search_db.url, "PAPERBOY_HOME": str(search_home)}
    r = run_cli(["search", "CosmicMan", "--limit", "3"], env)
    assert r.returncode == 0, r.stderr
    assert "CosmicMan" in r.stdout.splitlines()[0]
    js = run_cli(["search", "object detection", "--json", "--code"], env)
    assert [x["title"] for x in json.loads(js.stdout)] == [YOLOE]
    bad = run_cli(["search", "x", "--sort", "random"], env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_semantic_mode_answers_phrase_and_field_queries(searcher, sconn):
    for text in ('"object detection"', "title:detection", "object detection -YOLO"):
        r = searcher.search(sconn, text, mode="semantic")
        assert r.items, text
    assert not any("yolo" in (x["title"] + x["summary"]).lower()
                   for x in searcher.search(sconn, "object detection -YOLO", mode="semantic", limit=50).items)


def test_deep_pages_are_empty_not_errors(searcher, sconn, sclient):
    r = searcher.search(sconn, "language models", offset=1000, limit=20)
    assert r.items == []
    api = sclient.get("/api/papers/search", params={"q": "language models", "p": 100, "limit": 120})
    assert api.status_code == 200 and api.json() == []
    page = sclient.get("/search", params={"q": "language models", "page": 40})
    assert page.status_code == 200
