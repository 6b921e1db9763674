"""Importing libraries into the database: matching by arXiv id (eprint, links, arXiv DOIs,
aliases of merged papers), else by title; library-only entries; duplicates within a file and
against the library; the summary; limits; listing and removing entries; their vectors."""

from __future__ import annotations

import numpy as np
import pytest

from paperboy import embeddings
from paperboy.library import embed, importer
from paperboy.library.entry import LibraryError
from tests.community.people import add
from tests.library.conftest import DATA

ATTENTION, BERT, BROWN, MALDACENA, VIT, LORA = (
    "1706.03762", "1810.04805", "2005.14165", "hep-th/9711200", "2010.11929", "2106.09685")
MULLER = "Über die Möglichkeit von Zerfall & Übergang"


def _import(conn, member, name: str, **kw):
    summary = importer.import_library(conn, member.id, (DATA / name).read_text(), name, **kw)
    conn.commit()
    return summary


def test_bibtex_import_matches_by_id_and_title_and_keeps_the_rest(conn, known):
    ada = add(conn, "ada@example.org")
    s = _import(conn, ada, "zotero.bib")
    assert s.format == "bibtex"
    assert dict(s.matched) == {
        ATTENTION: "Attention Is All You Need",  # arXiv link and DOI
        BERT: "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",  # eprint
        BROWN: "Language Models are Few-Shot Learners",  # by title only
        MALDACENA: "The Large N Limit of Superconformal Field Theories and Supergravity",  # old-style eprint
        known[MULLER]: MULLER,  # by a LaTeX-escaped title; the paper has no arXiv id
        VIT: "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",  # PDF link
        LORA: "LoRA: Low-Rank Adaptation of Large Language Models",  # an alias left by a merge
    }
    assert known[MULLER].startswith("t-")
    assert s.library_only == ["The TeXbook", "Die gegenwärtige Situation in der Quantenmechanik",
                              "A Preprint Nobody Here Has Seen"]
    assert s.duplicates == 2  # a second Attention (same arXiv id), a second TeXbook (same title)
    assert [(r.where, r.reason) for r in s.rejected] == [
        ("entry 13 (broken_2020, line 118)", "malformed entry"), ("entry 14 (notitle_2020)", "no title")]
    rows = conn.execute("SELECT paper_id, title, arxiv_id, embedding FROM library_entries"
                        " WHERE member_id = %s ORDER BY id", (ada.id,)).fetchall()
    assert len(rows) == 10
    only = [r for r in rows if r["paper_id"] is None]
    assert [r["title"] for r in only] == s.library_only and all(r["embedding"] is None for r in only)
    assert next(r for r in only if r["arxiv_id"])["arxiv_id"] == "2401.00001"  # unknown here: kept
    log = conn.execute("SELECT filename, format, matched, library_only, duplicates, rejected"
                       " FROM library_imports WHERE member_id = %s", (ada.id,)).fetchall()
    assert log == [{"filename": "zotero.bib", "format": "bibtex", "matched": 7, "library_only": 3,
                    "duplicates": 2, "rejected": 2}]
    assert s.as_json() == {
        "format": "bibtex", "matched": 7,
        "matchedPapers": [{"id": i, "title": t} for i, t in s.matched],
        "libraryOnly": s.library_only, "duplicates": 2,
        "rejected": [{"where": "entry 13 (broken_2020, line 118)", "reason": "malformed entry"},
                     {"where": "entry 14 (notitle_2020)", "reason": "no title"}],
    }


def test_importing_again_adds_nothing_and_other_formats_dedupe_against_the_library(conn, known):
    ada = add(conn, "ada@example.org")
    _import(conn, ada, "zotero.bib")
    again = _import(conn, ada, "zotero.bib")
    assert again.matched == [] and again.library_only == [] and again.duplicates == 12
    csl = _import(conn, ada, "zotero.json")
    # only the In vivo paper is new: the rest is there already, by arXiv id, paper or title
    assert csl.matched == [] and csl.library_only == ["In vivo imaging of neural activity"]
    assert csl.duplicates == 6 and len(csl.rejected) == 2
    assert importer.library(conn, ada.id).total == 11


def test_csl_json_and_ris_imports(conn, known):
    bob, cy = add(conn, "bob@example.org"), add(conn, "cy@example.org")
    csl = _import(conn, bob, "zotero.json")
    assert {i for i, _ in csl.matched} == {ATTENTION, BERT, BROWN, known[MULLER]}
    assert csl.library_only == ["The TeXbook", "In vivo imaging of neural activity"]
    assert csl.duplicates == 1  # the second copy of Attention (its PDF link)
    r = _import(conn, cy, "library.ris")
    assert r.format == "ris"
    assert [i for i, _ in r.matched] == [ATTENTION, MALDACENA, VIT, BROWN]
    assert r.library_only == ["Die gegenwärtige Situation in der Quantenmechanik"]
    assert r.duplicates == 1  # ATTENTION IS ALL YOU NEED, by its DOI
    assert [x.where for x in r.rejected] == ["entry 6 (line 51)", "entry 7 (line 56)"]
    assert importer.library(conn, bob.id).total == 6  # one member's library is theirs alone


def test_a_title_shared_by_two_papers_prefers_the_arxiv_one(conn, known):
    ada = add(conn, "ada@example.org")
    text = "@misc{x, title = {Attention is all you need!}}"  # no id: by title
    s = importer.import_library(conn, ada.id, text, "x.bib")
    assert s.matched == [(ATTENTION, "Attention Is All You Need")]


def test_the_format_named_wins_and_unreadable_files_say_why(conn, known):
    ada = add(conn, "ada@example.org")
    text = (DATA / "zotero.bib").read_text()
    assert importer.import_library(conn, ada.id, text, "refs.txt", "bibtex").format == "bibtex"
    conn.commit()
    with pytest.raises(LibraryError, match="cannot tell the file's format"):
        importer.import_library(conn, ada.id, "my reading list", "list.txt")
    with pytest.raises(LibraryError, match="unknown library format 'endnote'"):
        importer.import_library(conn, ada.id, text, "refs.bib", "endnote")
    with pytest.raises(LibraryError, match=r"Nothing to import.*entry 1 \(x\): no title"):
        importer.import_library(conn, ada.id, "@misc{x, author = {A}}", "x.bib")
    with pytest.raises(LibraryError, match="Nothing to import: no readable csl-json entries"):
        importer.import_library(conn, ada.id, "[]", "empty.json")
    with pytest.raises(LibraryError, match="too large"):
        importer.read_text(b"@misc{" + b"x" * importer.MAX_BYTES + b"}")
    with pytest.raises(LibraryError, match="not a text file"):
        importer.read_text(b"PK\x03\x04\x00\x00binary")
    assert importer.read_text("Müller".encode("latin-1")) == "Müller"  # an old Latin-1 .bib
    assert importer.read_text("\ufeffMüller".encode()) == "Müller"


def test_the_entry_limit(conn, known, monkeypatch):
    ada = add(conn, "ada@example.org")
    monkeypatch.setattr(importer, "MAX_ENTRIES", 5)
    with pytest.raises(LibraryError, match="12 entries: at most 5 per import"):
        importer.import_library(conn, ada.id, (DATA / "zotero.bib").read_text(), "zotero.bib")
    conn.rollback()
    assert importer.library(conn, ada.id).total == 0
    monkeypatch.setattr(importer, "MAX_ENTRIES", 10_000)
    monkeypatch.setattr(importer, "MAX_LIBRARY", 3)
    with pytest.raises(LibraryError, match="would hold 5 entries: at most 3"):
        importer.import_library(conn, ada.id, (DATA / "library.ris").read_text(), "library.ris")


def test_listing_and_removing(conn, known):
    ada, bob = add(conn, "ada@example.org"), add(conn, "bob@example.org")
    _import(conn, ada, "zotero.bib")
    page = importer.library(conn, ada.id, 0, 4)
    assert (page.total, page.matched, page.library_only) == (10, 7, 3)
    assert len(page.entries) == 4 and page.entries[0]["title"] == "A Preprint Nobody Here Has Seen"  # newest first
    assert page.as_json()["entries"][0]["paperId"] is None and page.as_json()["libraryOnly"] == 3
    assert len(importer.library(conn, ada.id, 8, 4).entries) == 2
    entry = page.entries[0]["id"]
    assert not importer.remove_entry(conn, bob.id, entry)  # not bob's
    assert importer.remove_entry(conn, ada.id, entry)
    assert not importer.remove_entry(conn, ada.id, entry)
    assert importer.library(conn, ada.id).total == 9
    papers = importer.library_papers(conn, ada.id)
    assert [p["id"] for p in papers][:2] == [ATTENTION, BERT] and len(papers) == 7
    assert importer.clear(conn, ada.id) == 9 and importer.library(conn, ada.id).total == 0


def test_library_only_entries_get_vectors(conn, known):
    ada = add(conn, "ada@example.org")
    _import(conn, ada, "zotero.bib")
    assert embed.pending_count(conn) == 3 and embed.pending_count(conn, ada.id) == 3
    assert embed.embed_pending(conn, batch=2) == 3
    assert embed.pending_count(conn) == 0 and embed.embed_pending(conn) == 0
    rows = conn.execute("SELECT paper_id, title, abstract, embedding FROM library_entries"
                        " WHERE member_id = %s", (ada.id,)).fetchall()
    only = [r for r in rows if r["paper_id"] is None]
    assert len(only) == 3 and all(r["embedding"] is None for r in rows if r["paper_id"])  # papers have their own
    schrodinger = next(r for r in only if r["abstract"])
    want = embeddings.encode([embeddings.paper_text(schrodinger["title"], schrodinger["abstract"])])[0]
    assert np.allclose(schrodinger["embedding"].to_numpy(), want, atol=1e-4)  # title + abstract, as papers
