"""serve's background job embeds library-only entries after the papers' own vectors."""

from __future__ import annotations

from paperboy.jobs import BackgroundJobs
from paperboy.library import embed, importer
from paperboy.search import Searcher
from paperboy.search.keyword import KeywordIndex, index_dir
from tests.community.people import add
from tests.library.conftest import DATA


def test_the_background_job_embeds_library_only_entries(db, conn, known, tmp_path):
    ada = add(conn, "ada@example.org")
    importer.import_library(conn, ada.id, (DATA / "zotero.bib").read_text(), "zotero.bib")
    conn.commit()
    assert embed.pending_count(conn) == 3
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, KeywordIndex(index_dir(tmp_path, conn))), digests=False,
                          fetch=False)
    conn.commit()
    assert jobs.run_once() is True  # papers and library-only entries embedded
    assert embed.pending_count(conn) == 0
    assert jobs.run_once() is False  # nothing left
    # a library-only entry imported later is embedded by the next round
    importer.import_library(conn, ada.id, "@misc{new, title = {A Later Library-Only Entry}}", "new.bib")
    conn.commit()
    assert embed.pending_count(conn) == 1 and jobs.run_once() is True and embed.pending_count(conn) == 0


def test_a_library_only_entry_is_matched_when_its_paper_arrives(db, conn, known, tmp_path):
    from paperboy.library import matching
    from paperboy.papers.record import Paper
    from paperboy.papers.store import store_batch

    ada = add(conn, "ada@example.org")
    importer.import_library(conn, ada.id, "@misc{later, title = {A Paper Fetched Later},"
                            " eprint = {2501.00001}, archivePrefix = {arXiv}}", "later.bib")
    conn.commit()
    assert matching.rematch(conn) == 0  # not here yet
    store_batch(conn, [Paper(title="A paper fetched later", source="arxiv-atom", arxiv_id="2501.00001",
                             summary="It arrived after the library.")])
    conn.commit()
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, KeywordIndex(index_dir(tmp_path, conn))), digests=False,
                          fetch=False)
    while jobs.run_once():  # embeds the new paper, then matches the entry to it
        pass
    row = conn.execute("SELECT paper_id, embedding FROM library_entries WHERE member_id = %s",
                       (ada.id,)).fetchone()
    assert row["paper_id"] == "2501.00001" and row["embedding"] is None
