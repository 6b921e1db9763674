"""The Read view, ``GET /papers/{id}/read`` (fulltext/render.py, highlight.py): the recorded real
page's text with its outline as a table of contents whose links land on headings, math as
LaTeX source, tables; hostile text and hostile ``?hl=`` escaped; a paper without a text gets a
page that says so; the JSON twin."""

from __future__ import annotations

import dataclasses
from datetime import date

from fastapi.testclient import TestClient
from lxml import html as lhtml

from paperboy import config
from paperboy.fulltext import store
from paperboy.fulltext.convert import Heading, convert
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.web.app import create_app
from tests.helpers import SHARED, Page

PAPER, HOSTILE, NONE = "2501.11120", "2601.00066", "2601.00077"

HOSTILE_MD = """## 1 <script>alert('h')</script> Intro

Text <img src=x onerror=alert(1)> and [a link](javascript:alert(1)) and <https://example.org/ok>.

Math $</code><script>alert('m')</script>$ stays text.

<iframe src="https://evil.example"></iframe>

| a | b |
|---|---|
| <b onclick="x()">c</b> | d |
"""


def _client(db, tmp_path) -> TestClient:
    cfg = dataclasses.replace(config.load(), fetch=dataclasses.replace(config.load().fetch, fulltext="library"))
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, cfg=cfg), raise_server_exceptions=False)


def _tree(text: str):
    return lhtml.fromstring(text)


def _body(text: str):
    [body] = _tree(text).xpath('//section[@class="fulltext-body"]')
    return body


def _setup(conn):
    store_batch(conn, [
        Paper(title="Tell me about yourself: LLMs are aware of their learned behaviors", source="hf-daily",
              arxiv_id=PAPER, version=1, authors=("Jan Betley",), summary="We study behavioral self-awareness.",
              listed_on=date(2025, 1, 21)),
        Paper(title="Hostile text", source="arxiv-atom", arxiv_id=HOSTILE, version=1),
        Paper(title="Not converted", source="arxiv-atom", arxiv_id=NONE, version=2)])
    converted = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
    store.save_text(conn, PAPER, 1, converted.markdown, converted.outline)
    store.save_text(conn, HOSTILE, 1, HOSTILE_MD, [Heading(2, "1 <script>alert('h')</script> Intro", "S1")])
    store.save_none(conn, NONE, 2, "arXiv has no HTML version of it (404)")
    conn.commit()
    return converted


def test_the_read_view_of_a_recorded_paper(db, conn, tmp_path):
    converted = _setup(conn)
    client = _client(db, tmp_path)

    paper = Page(client.get(f"/papers/{PAPER}").text)  # the paper page links to its Read view
    assert paper.find("a", class_="read-link", href=f"/papers/{PAPER}/read").text == "Read"

    r = client.get(f"/papers/{PAPER}/read")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page, tree = Page(r.text), _tree(r.text)
    links = [(a.get("href"), a.text_content()) for a in tree.xpath('//nav[@class="toc"]//a')]
    assert links[:3] == [("#S1", "1 Introduction"), ("#S2", "2 Out-of-context reasoning"),
                         ("#S3", "3 Awareness of behaviors")]
    assert ("#bib", "References") in links and ("#S3.SS1.SSS1", "3.1.1 Design") in links
    assert len(links) == len(converted.outline)
    ids = {e.attrs.get("id"): e for e in page.elements if e.tag in ("h2", "h3", "h4", "h5")}
    for href, title in links:  # every entry of the contents lands on its heading
        assert ids[href[1:]].text == title, href
    body = _body(r.text)
    maths = [c.text_content() for c in body.xpath('.//code[@class="math"]')]
    assert "$D=\\{d^{n}\\}_{n=1}^{N}$" in maths  # inline math as LaTeX source
    cells = [c.text_content() for c in body.xpath(".//table//td")]
    assert "Economic decisions (Section 3.1)" in cells and body.xpath(".//table//th")
    text = " ".join(body.text_content().split())
    assert "Table 1: Overview of experiments for evaluating behavioral self-awareness." in text
    assert "Figure 1: Models can describe a learned behavioral policy" in text
    assert len(body.xpath('.//h2[@id="bib"]/following-sibling::ol[1]/li')) >= 48  # the references
    assert [e.attrs.get("src") for e in page.find_all("script")] == [e.attrs.get("src") for e in
                                                                     Page(client.get("/").text).find_all("script")]
    for chrome in ("html2canvas", "bootstrap.bundle", "Report Issue", "<math"):
        assert chrome not in r.text
    assert page.find("link", rel="alternate", type="application/json").attrs["href"] == f"/api/papers/{PAPER}/fulltext"
    assert page.find("link", rel="alternate", type="text/markdown").attrs["href"] == f"/papers/{PAPER}.md"
    assert page.find("mark") is None

    twin = client.get(f"/api/papers/{PAPER}/fulltext").json()
    assert (twin["status"], twin["version"], twin["markdown"]) == ("text", 1, converted.markdown)
    assert twin["outline"][0] == {"level": 2, "title": "1 Introduction", "anchor": "S1"}

    # ?hl marks the terms in the text, not in math, and says how many
    r = client.get(f"/papers/{PAPER}/read", params={"hl": "behavioral self-awareness"})
    page = Page(r.text)
    marks = [m.text_content().lower() for m in _body(r.text).xpath(".//mark")]
    assert len(marks) > 20 and set(marks) <= {"behavioral", "self-awareness"}
    assert f"found {len(marks)} times" in page.find("p", id="hl-note").text
    assert "<mark>" not in "".join(e.text for e in page.find_all("code"))


def test_hostile_text_and_hostile_highlights_stay_text(db, conn, tmp_path):
    _setup(conn)
    client = _client(db, tmp_path)
    baseline = len(Page(client.get("/").text).find_all("script"))
    r = client.get(f"/papers/{HOSTILE}/read")
    page = Page(r.text)
    assert len(page.find_all("script")) == baseline
    for tag in ("img", "iframe", "b"):
        assert page.find(tag) is None, tag
    assert "onerror" not in r.text.replace("onerror=alert(1)&gt;", "") and "javascript:" not in r.text.replace(
        "(javascript:alert(1))", "")
    assert page.find("h2", id="S1").text == "1 <script>alert('h')</script> Intro"  # shown, not run
    assert page.find("a", href="https://example.org/ok") is not None
    assert "$</code><script>alert('m')</script>$" in [c.text for c in page.find_all("code", class_="math")]

    for hl in ['"><script>alert(1)</script>', "<img src=x onerror=alert(2)>", "' onmouseover='x", "intro</mark><b>"]:
        r = client.get(f"/papers/{HOSTILE}/read", params={"hl": hl})
        assert r.status_code == 200
        page = Page(r.text)
        assert len(page.find_all("script")) == baseline and page.find("img") is None and page.find("b") is None, hl
        assert all(set(m.attrs) == set() for m in page.find_all("mark")), hl
    r = client.get(f"/papers/{HOSTILE}/read", params={"hl": "script"})
    assert [m.text for m in _body(r.text).xpath(".//mark")] == ["script", "script"]  # in the heading, not in math


def test_a_paper_without_full_text_says_so(db, conn, tmp_path):
    _setup(conn)
    client = _client(db, tmp_path)
    assert Page(client.get(f"/papers/{NONE}").text).find("a", class_="read-link") is None
    r = client.get(f"/papers/{NONE}/read", params={"hl": "x y"})
    assert r.status_code == 200
    page = Page(r.text)
    assert page.find("h2").text == "No full text yet"
    assert "arXiv has no HTML version of it (404)" in page.find("p", class_="message").text
    form = page.find("form", class_="fulltext-ask")
    assert form.attrs["action"] == f"/papers/{NONE}/fulltext" and form.attrs["method"] == "post"
    assert [a.text for a in page.find_all("a", href=f"/papers/{NONE}")] == ["Abstract and discussion", "Read the abstract"]
    assert page.find("nav", class_="toc") is None
    assert client.get(f"/api/papers/{NONE}/fulltext").json() == {
        "id": NONE, "status": "none", "version": 2, "reason": "arXiv has no HTML version of it (404)",
        "truncated": False, "outline": [], "markdown": None}
    assert client.get("/papers/2601.99999/read").status_code == 404
    assert client.get("/api/papers/2601.99999/fulltext").status_code == 404
