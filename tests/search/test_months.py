"""Search results gain a small chart of matches per month for the query (issue 25): the counts
are every keyword match, not only the page's, by the day each paper has in the index."""

from __future__ import annotations

import re
from collections import Counter

from paperboy.search import query as q
from paperboy.search.chart import monthly_svg


def _by_month(sconn, searcher, words: str) -> Counter:
    """The same counts the slow way: every match's paper, its day from the database."""
    seqs = [seq for seq, _ in searcher.index.search(q.parse(words).keyword, k=100_000)]
    rows = sconn.execute("SELECT coalesce(listed_on, published_at) AS day FROM papers WHERE seq = ANY(%s)",
                         (seqs,)).fetchall()
    return Counter(r["day"].strftime("%Y-%m") for r in rows if r["day"])


def test_matches_per_month_are_every_keyword_match_by_its_month(sconn, searcher):
    for words in ("model", "language models", "diffusion"):
        result = searcher.search(sconn, words, mode="keyword", limit=5, months=True)
        got = {m["month"]: m["n"] for m in result.months}
        assert got == dict(_by_month(sconn, searcher, words)), words
        assert sum(got.values()) > len(result.items)  # every match (with a day), not the page's five
        assert [m["month"] for m in result.months] == sorted(got)
    assert len(searcher.search(sconn, "model", months=True).months) >= 2  # the corpus spans months
    assert searcher.search(sconn, "model").months == []  # asked only by the page


def test_the_search_page_draws_the_months_as_an_accessible_svg(sclient, sconn, searcher):
    page = sclient.get("/search", params={"q": "model"})
    assert page.status_code == 200
    svg = re.search(r'<svg class="months"[^>]*aria-label="([^"]+)"[^>]*>(.*?)</svg>', page.text, re.S)
    assert svg, "the page has the chart"
    assert svg.group(1).startswith("Papers matching model per month")
    months = searcher.search(sconn, "model", months=True).months
    bars = re.findall(r"<title>(\w{3} \d{4}): (\d+) papers</title>", svg.group(2))
    assert sum(int(n) for _, n in bars) == sum(m["n"] for m in months)
    assert "<script" not in svg.group(0)


def test_the_chart_fills_empty_months_and_escapes_the_query():
    svg = str(monthly_svg([{"month": "2024-11", "n": 3}, {"month": "2025-02", "n": 1}], '<b>"x"</b>'))
    assert svg.count("<rect") == 4  # Nov, Dec, Jan, Feb: the empty months are gaps
    assert "Dec 2024: 0 papers" in svg and "<b>" not in svg and "&lt;b&gt;" in svg
    assert str(monthly_svg([{"month": "2024-11", "n": 3}], "x")) == ""  # one bar says nothing
