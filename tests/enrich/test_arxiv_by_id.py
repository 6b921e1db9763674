"""arXiv metadata by id, against real recorded arXiv answers (and, for the demo's papers, a
stand-in built in their shape: tests/enrich/standin.py says what is real and what is not)."""

from __future__ import annotations

import json
import re

from paperboy import enrich
from paperboy.enrich import state
from paperboy.library.export import export
from paperboy.papers import view
from paperboy.papers.store import store_batch
from paperboy.sources import arxiv_atom
from tests.enrich.standin import recorded_entries
from tests.fixtures.web import app, client  # noqa: F401 - the web app over the test's database
from tests.helpers import Page, import_demo, shared


def _recorded_papers():
    """The real recorded entries, parsed: what arXiv says about 106 papers."""
    body = "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:arxiv='http://arxiv.org/schemas/atom'>" + \
        "".join(recorded_entries(shared("arxiv-api-recorded").parent).values()) + "</feed>"
    return arxiv_atom.parse_page(body)[0].papers


def _as_hf_scrape(p):
    """How a Hugging Face Daily Papers scrape describes the paper: first author only, no date,
    no categories, no comment."""
    return p.with_(source="hf-daily", authors=p.authors[:1], authors_complete=False, categories=(),
                   published_at=None, updated_at=None, version=None, comment=None, withdrawn=False, extra={},
                   listed_on=p.published_at)


def test_real_recorded_answers_complete_scraped_papers(db, conn, cfg, arxiv):
    real = {p.arxiv_id: p for p in _recorded_papers()}
    assert len(real) > 100
    store_batch(conn, [_as_hf_scrape(p) for p in real.values()])
    conn.execute("UPDATE papers SET upvotes = 7, comment = 'a comment someone imported' WHERE id = '1707.08567'")
    conn.commit()

    outcome = enrich.run(db, cfg)

    assert outcome.done == {"arxiv": len(real)} and not outcome.errors
    lookups = [s for s in arxiv.log if s.params.get("id_list")]
    assert len(lookups) == 2 and all(len(s.params["id_list"].split(",")) <= 100 for s in lookups)
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM papers")}
    for aid, p in real.items():
        row = rows[aid]
        assert row["authors"] == list(p.authors) and row["authors_complete"], aid
        assert row["published_at"] == p.published_at and row["updated_at"] == p.updated_at
        assert row["version"] == p.version and row["categories"] == list(p.categories)
        assert row["extra"].get("doi") == p.extra.get("doi")
        assert row["extra"].get("journal_ref") == p.extra.get("journal_ref")
        assert row["field_sources"]["published_at"] == "arxiv"
    aew = rows["1707.08567"]
    assert len(aew["authors"]) == 34  # a scrape kept one of them
    # imported fields stay: the comment someone imported, the upvotes
    assert aew["comment"] == "a comment someone imported" and "comment" not in aew["field_sources"]
    assert aew["upvotes"] == 7
    assert state.backlog(conn)["arxiv"]["done"] == len(real)
    # a second run asks nothing: every paper is complete
    before = len(arxiv.log)
    assert enrich.run(db, cfg).papers == 0 and len(arxiv.log) == before


def test_demo_hub_gets_authors_and_dates_and_every_bibtex_entry_a_year(db, conn, cfg, client):  # noqa: F811
    import_demo(conn)
    hf_ids = [r["id"] for r in conn.execute("SELECT id FROM papers WHERE arxiv_id IS NOT NULL")]
    assert conn.execute("SELECT count(*) AS n FROM papers WHERE arxiv_id IS NOT NULL AND published_at IS NULL"
                        ).fetchone()["n"] > 300  # the scrapes carry no date

    enrich.run(db, cfg, sources=["arxiv"])

    rows = conn.execute("SELECT * FROM papers WHERE arxiv_id IS NOT NULL").fetchall()
    assert [r["id"] for r in rows if not (r["published_at"] and r["categories"])] == []
    # Every list arXiv's answer gave is now the paper's, marked complete. (21 demo papers were
    # scraped with no author at all: the stand-in, built from the scrape, has none for them.)
    assert [r["id"] for r in rows if r["authors"] and not r["authors_complete"]] == []
    # The API: publishedAt is the day arXiv gave, categories a list, primary first
    one = client.get(f"/api/papers/{hf_ids[0]}").json()
    assert one["publishedAtSource"] == "published" and one["categories"][0] == "cs.AI"
    # Every BibTeX entry has a year; every arXiv paper's has its month too
    entries, p = [], 0
    while True:
        r = client.get(f"/api/papers/search?format=bibtex&limit=120&p={p}")
        assert r.status_code == 200
        found = re.split(r"\n(?=@)", r.text.strip())
        if not r.text.strip():
            break
        entries += found
        p += 1
    assert len(entries) == len(hf_ids)  # the Daily lists' papers, through the API
    assert all(re.search(r"year = \{\d{4}\}", e) and re.search(r"month = \{\d+\}", e) for e in entries)
    # and every paper of the hub (the saved pages' too) as the export writes it: only papers
    # with neither an id nor any date (saved pages without dates, which no arXiv answer here
    # covers: the stand-in holds the Daily lists' papers only) have no year
    rows = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    every = export([view.of(r).hf_paper() for r in rows], "bibtex").body
    entries = re.split(r"\n(?=@)", every.strip())
    assert len(entries) == len(rows) > 500
    undated = {r["title"] for r in rows if not (r["arxiv_id"] or r["published_at"] or r["listed_on"])}
    yearless = [e for e in entries if not re.search(r"year = \{\d{4}\}", e)]
    assert len(yearless) == len(undated) and all("eprint = {" not in e for e in yearless)


def test_the_page_shows_dates_authors_categories_doi_and_journal(db, conn, cfg, client):  # noqa: F811
    real = {p.arxiv_id: p for p in _recorded_papers()}
    p = next(p for p in real.values() if p.extra.get("doi") and p.extra.get("journal_ref") and p.version > 1)
    store_batch(conn, [_as_hf_scrape(p)])
    conn.commit()
    enrich.run(db, cfg)
    html = client.get(f"/papers/{p.arxiv_id}").text
    meta = " ".join(Page(html).find("div", class_="meta").text.split())
    assert f"submitted to arXiv on {p.published_at:%b %-d, %Y} · v{p.version} on {p.updated_at:%b %-d, %Y}" in meta
    assert all(a.replace("'", "&#39;") in html for a in p.authors)
    assert p.extra["doi"] in html and p.extra["journal_ref"].replace("&", "&amp;") in html
    api = client.get(f"/api/papers/{p.arxiv_id}").json()
    assert api["doi"] == p.extra["doi"] and api["journalRef"] == p.extra["journal_ref"]
    assert api["categories"] == list(p.categories)
    bib = client.get(f"/api/papers/search?format=bibtex&q={p.arxiv_id}").text
    assert f"doi = {{{p.extra['doi']}}}" in bib and "journal = {" in bib
    assert json.dumps(api)  # plain JSON
