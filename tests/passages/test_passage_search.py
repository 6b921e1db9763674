"""Search by passage over a real database, the recorded real page and both indexes: a phrase
only in a paper's body is found with `fulltext=1` or `in:text` (API and page), the result
names the section and links to it in the Read view, and the abstract-level search without
them does not see it. Library search: only the member's own papers (upvoted, saved, imported),
never another member's with the same phrase; no one gets 401 (API) or the sign-in page."""

from __future__ import annotations

from datetime import date

from paperboy.fulltext import store
from paperboy.fulltext.convert import Heading, convert
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.passages.split import split
from tests.community.people import add, sign_in, token_for
from tests.helpers import SHARED, Page
from tests.web.test_html_valid import parse_errors

PAPER = "2501.11120"
PHRASE = "reversal training"


def _fill(conn) -> dict[str, str]:
    """The recorded paper (its abstract here says nothing of the phrase), a paper whose abstract
    has the phrase, and two papers whose (short, made-up) texts have it."""
    store_batch(conn, [
        Paper(title="Tell me about yourself: LLMs are aware of their learned behaviors", source="hf-daily",
              arxiv_id=PAPER, version=1, summary="We study behavioral self-awareness.", listed_on=date(2025, 1, 21)),
        Paper(title="Abstract only", source="arxiv", arxiv_id="2502.00001", version=1,
              summary="We propose reversal training for language models.", published_at=date(2025, 2, 1)),
        Paper(title="Someone else's paper", source="arxiv", arxiv_id="2502.00002", version=1,
              summary="Unrelated words here.", published_at=date(2025, 2, 2)),
        Paper(title="Nobody's paper", source="arxiv", arxiv_id="2502.00003", version=1,
              summary="Other unrelated words.", published_at=date(2025, 2, 3)),
    ])
    converted = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
    store.save_text(conn, PAPER, 1, converted.markdown, converted.outline)
    for pid in ("2502.00002", "2502.00003"):
        store.save_text(conn, pid, 1, "## 1 Intro\n\nThey also tried reversal training, with care.\n",
                        [Heading(2, "1 Intro", "S1")])
    conn.commit()
    return {h.anchor: h.title for h in converted.outline}


def doc_has_link(html: str, href: str) -> bool:
    return Page(html).find("a", href=href) is not None


def _sync(app, conn) -> None:
    searcher = app.state.searcher
    searcher.index.sync(conn, wait=True)
    assert searcher.passages.sync(conn, wait=True) == 3
    assert searcher.passages.size > 250


def test_a_phrase_only_in_the_body_is_found_with_its_section(app, client, conn):
    anchors = _fill(conn)
    _sync(app, conn)
    body = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
    where = {p.anchor for p in split(body.markdown, body.outline) if PHRASE in p.text.lower()}

    plain = client.get("/api/papers/search", params={"q": f'"{PHRASE}"'})
    assert plain.status_code == 200
    assert [h["paper"]["id"] for h in plain.json()] == ["2502.00001"]  # the abstract-level search, unchanged
    assert "passage" not in plain.json()[0]

    for params in ({"q": f'"{PHRASE}"', "fulltext": "1"}, {"q": f'"{PHRASE}" in:text'}):
        r = client.get("/api/papers/search", params=params)
        assert r.status_code == 200, r.text
        hits = {h["paper"]["id"]: h for h in r.json()}
        assert set(hits) == {PAPER, "2502.00001", "2502.00002", "2502.00003"}
        p = hits[PAPER]["passage"]
        assert p["anchor"] in where and p["section"] == anchors[p["anchor"]]
        assert p["url"] == f"/papers/{PAPER}/read#{p['anchor']}"
        assert p["highlight_url"].startswith(f"/papers/{PAPER}/read?hl=reversal")  # the Read view marks the words
        assert f"#{p['anchor']}:~:text=" in p["highlight_url"] and "reversal%20training" in p["highlight_url"]
        assert PHRASE in p["snippet"].lower() and p["label"].startswith(("§", p["section"]))
        assert hits["2502.00001"]["passage"] is None  # found by its abstract
        assert hits["2502.00002"]["passage"]["url"] == "/papers/2502.00002/read#S1"

    page = client.get("/search", params={"q": f'"{PHRASE}"', "fulltext": "1"})
    assert page.status_code == 200
    doc = Page(page.text)
    assert "checked" in doc.find("input", type="checkbox", name="fulltext").attrs
    assert len(doc.find_all("p", class_="passage")) == 3  # the three found in their text
    link = doc.find("a", href=hits[PAPER]["passage"]["highlight_url"])  # the section, the match marked
    assert link is not None and link.text == hits[PAPER]["passage"]["label"]
    assert "<mark>reversal</mark> <mark>training</mark>" in page.text
    assert not parse_errors(page.text)
    assert 'fulltext=1' in doc.find("link", rel="alternate", type="application/json").attrs["href"]
    off = client.get("/search", params={"q": f'"{PHRASE}"'})
    assert 'class="passage"' not in off.text and f"/papers/{PAPER}/read" not in off.text


def test_library_search_is_the_members_own_papers_only(app, client, other, conn):
    _fill(conn)
    _sync(app, conn)
    ada = add(conn, "ada@example.org")
    bob = add(conn, "bob@example.org")
    conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (PAPER, ada.id))
    conn.execute("INSERT INTO library_entries (member_id, paper_id, title, title_key) VALUES (%s, %s, 'x', 'x')",
                 (ada.id, "2502.00001"))
    coll = conn.execute("INSERT INTO collections (member_id, name) VALUES (%s, 'Mine') RETURNING id",
                        (bob.id,)).fetchone()["id"]
    conn.execute("INSERT INTO collection_papers (collection_id, paper_id) VALUES (%s, %s)", (coll, "2502.00002"))
    conn.commit()

    r = client.get("/api/library/search", params={"q": PHRASE}, headers=token_for(conn, "ada@example.org"))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    found = {h["paper"]["id"]: h for h in r.json()}
    assert set(found) == {PAPER, "2502.00001"}  # not bob's 2502.00002, not nobody's 2502.00003
    assert found[PAPER]["passage"]["url"].startswith(f"/papers/{PAPER}/read#")
    assert found["2502.00001"]["passage"] is None
    theirs = client.get("/api/library/search", params={"q": PHRASE}, headers=token_for(conn, "bob@example.org"))
    assert [h["paper"]["id"] for h in theirs.json()] == ["2502.00002"]
    assert client.get("/api/library/search", params={"q": "anything"},
                      headers=token_for(conn, "eve@example.org")).json() == []

    assert other.get("/api/library/search", params={"q": PHRASE}).status_code == 401
    anon = other.get("/account/library/search", params={"q": PHRASE}, follow_redirects=False)
    assert anon.status_code == 303 and anon.headers["location"].startswith("/signin?next=/account/library/search")

    sign_in(client, conn, "ada@example.org")
    account = Page(client.get("/account").text)
    form = account.find("form", action="/account/library/search")
    assert form is not None and form.attrs["method"] == "get"
    page = client.get("/account/library/search", params={"q": PHRASE})
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert f'href="/papers/{PAPER}"' in page.text and 'href="/papers/2502.00001"' in page.text
    assert "2502.00002" not in page.text and "2502.00003" not in page.text
    assert doc_has_link(page.text, found[PAPER]["passage"]["highlight_url"])
    assert not parse_errors(page.text)
