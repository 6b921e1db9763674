"""Issue 10, the web side: what a hostile stored paper or a hostile request can do to pages,
the API and the feeds. Papers are written with SQL, past every parser and record check, as
an older version could have stored them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from paperboy.papers.limits import DATE_RANGE
from tests.web.hostile import DAY, PageParts, add_paper, harmless

JS_URLS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def xss(conn):
    """Three papers whose every stored link is a javascript: URL (one also has an arXiv id)."""
    ids = []
    for i, url in enumerate(JS_URLS):
        pid = f"t-xss{i}"
        add_paper(conn, pid, title=f"Hostile links {i}", arxiv_id="2411.00001" if i == 0 else None,
                  upvotes=10 - i, github_repo=url, project_page=url, pdf_url=url)
        ids.append(pid)
    return ids


def test_stored_javascript_urls_never_reach_an_href(client, xss):
    pages = ["/", f"/papers?date={DAY}", f"/papers?week={DAY:%G-W%V}", "/trending",
             *(f"/papers/{pid}" for pid in xss)]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        parts = PageParts(r.text)
        assert [u for u in parts.urls if not harmless(u)] == [], url
        assert not any("alert(1)" in u for u in parts.urls), url
    # the one with an arXiv id still gets arXiv's own PDF link
    assert "https://arxiv.org/pdf/2411.00001" in PageParts(client.get(f"/papers/{xss[0]}").text).urls


def test_the_api_hands_out_no_javascript_urls(client, xss):
    papers = [client.get(f"/api/papers/{pid}").json() for pid in xss]
    papers += [i["paper"] for i in client.get("/api/daily_papers", params={"date": str(DAY)}).json()]
    papers += [i["paper"] for i in client.get("/api/trending").json()]
    assert len(papers) == 3 * len(xss)
    for p in papers:
        assert (p["githubRepo"], p["projectPage"]) == (None, None)
        assert p["pdfUrl"] in (None, "https://arxiv.org/pdf/2411.00001")


PERIODS = [{"date": "9999-12-31"}, {"date": "0001-01-01"}, {"date": "2100-01-01"}, {"date": "1899-12-31"},
           {"month": "9999-12"}, {"month": "0001-01"}, {"week": "9999-W52"}, {"week": "0001-W01"},
           {"week": "1899-W52"}]


@pytest.mark.parametrize("params", PERIODS, ids=lambda p: "=".join(*p.items()))
def test_periods_out_of_range_are_a_400_naming_the_range(client, xss, params):
    page = client.get("/papers", params=params)
    assert page.status_code == 400 and DATE_RANGE in page.text
    api = client.get("/api/daily_papers", params=params)
    assert api.status_code == 400 and DATE_RANGE in api.json()["error"]


@pytest.mark.parametrize("edge", [{"date": "1900-01-01"}, {"date": "2099-12-31"}, {"month": "2099-12"},
                                  {"week": "1900-W01"}, {"week": "2099-W53"}])
def test_periods_at_the_edges_of_the_range_still_work(client, xss, edge):
    assert client.get("/papers", params=edge).status_code == 200
    assert client.get("/api/daily_papers", params=edge).json() == []


@pytest.mark.parametrize("bound", [{"since": "0001-01-01"}, {"until": "9999-12-31"},
                                   {"since": "1899-12-31"}, {"until": "2100-01-01"}])
def test_search_dates_out_of_range_are_a_400_naming_the_range(client, bound):
    params = {"q": "model", "mode": "keyword", **bound}
    page = client.get("/search", params=params)
    assert page.status_code == 400 and DATE_RANGE in page.text
    api = client.get("/api/papers/search", params=params)
    assert api.status_code == 400 and DATE_RANGE in api.json()["error"]
    assert client.get("/feeds/search.atom", params=params).status_code == 200  # it takes no dates


def test_a_control_character_in_a_search_feed_query_is_left_out(client, xss):
    r = client.get("/feeds/search.atom", params={"q": "model\x01", "mode": "keyword"})
    assert r.status_code == 200
    feed = ET.fromstring(r.content)
    assert feed.find(f"{ATOM}title").text == "paperboy · search: model"


def test_control_characters_in_stored_papers_do_not_break_the_feeds(client, conn):
    add_paper(conn, "t-ctrl", title="Deep\x01 Learning\x1f of \x0bthings", summary="Abs\x02tract\x7f",
              authors=("Ada\x03 Lovelace", "\x04"), upvotes=50)
    for name in ("daily", "trending"):
        r = client.get(f"/feeds/{name}.atom")
        assert r.status_code == 200, name
        feed = ET.fromstring(r.content)  # a real XML parser: one bad character fails it whole
        entry = next(e for e in feed.iter(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith("/t-ctrl"))
        assert entry.find(f"{ATOM}title").text == "Deep Learning of things"
        assert entry.find(f"{ATOM}summary").text == "Abstract"
        assert [a.find(f"{ATOM}name").text for a in entry.iter(f"{ATOM}author")] == ["Ada Lovelace"]


def test_lists_carry_a_shortened_abstract_the_paper_page_the_whole(client, conn):
    huge = " ".join(f"word{i}" for i in range(150_000))  # about 1 MB
    add_paper(conn, "t-huge", title="A very long abstract", summary=huge)
    listed = client.get("/papers", params={"date": str(DAY)})
    assert listed.status_code == 200 and len(listed.content) < 50_000
    start = listed.text.index('<p class="abstract clamp">') + len('<p class="abstract clamp">')
    shown = listed.text[start:listed.text.index("</p>", start)]
    assert len(shown) <= 1_001 and shown.endswith("…")
    assert huge.startswith(shown[:-1] + " ")  # cut at a word, not inside one
    assert len(client.get("/trending").content) < 50_000
    assert huge in client.get("/papers/t-huge").text
