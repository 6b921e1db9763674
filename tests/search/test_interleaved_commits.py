"""Two writers whose commits interleave (issue 27): a transaction that takes its change number
before another and commits after it, and after a reader has read the other's, is still read:
by the keyword index's sync and by the embed job's "anything new?" look (db/changes.py).

The writers are plain SQL on two connections, as any writer may be: they take no lock."""

from __future__ import annotations

import threading
import time

import psycopg

from paperboy import embeddings
from paperboy.jobs import BackgroundJobs
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Searcher
from paperboy.search.keyword import KeywordIndex, index_dir

BARRIER = 0x4C415445  # "LATE": an advisory lock the test holds to stop the late writer midway


class Late:
    """A writer that takes its change number before another writer and commits after it.

    Its one statement inserts two papers; between them it waits on an advisory lock the test
    holds. The first paper has its change number by then, and the statement's triggers have not
    run yet (AFTER ROW triggers run at its end), so it holds no lock another writer waits for:
    as a long import statement does. ``release`` lets the statement end and leaves the
    transaction open; ``commit`` commits it."""

    def __init__(self, db_url: str, title: str) -> None:
        self.hold = psycopg.connect(db_url, autocommit=True)
        self.hold.execute("SELECT pg_advisory_lock(%s)", (BARRIER,))
        self.conn = psycopg.connect(db_url)
        self.seq: int | None = None
        self.thread = threading.Thread(target=self._write, args=(title,))
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.hold.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                                    " AND NOT granted AND objid = %s)", (BARRIER,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the late writer never reached its second row"
            time.sleep(0.02)

    def _write(self, title: str) -> None:
        self.seq = self.conn.execute(
            "INSERT INTO papers (id, title, title_key, summary)"
            " SELECT v.id, v.title, lower(v.title), 'x'"
            " FROM (VALUES (1, 't-late', %s), (2, 't-late-2', 'A second late paper')) AS v(n, id, title)"
            " WHERE v.n = 1 OR pg_advisory_lock_shared(%s)::text = ''"
            " RETURNING change_seq", (title, BARRIER)).fetchone()[0]

    def release(self) -> None:
        self.hold.execute("SELECT pg_advisory_unlock(%s)", (BARRIER,))
        self.thread.join(30)
        assert not self.thread.is_alive()

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.hold.close()
        self.conn.close()


def _insert(db_url: str, pid: str, title: str) -> int:
    with psycopg.connect(db_url, autocommit=True) as c:
        return c.execute("INSERT INTO papers (id, title, title_key, summary) VALUES (%s, %s, %s, 'x')"
                         " RETURNING change_seq", (pid, title, title.lower())).fetchone()[0]


def _hits(index: KeywordIndex, words: str) -> int:
    return len(index.search(words))


def test_the_keyword_index_reads_a_transaction_that_commits_after_a_later_one(db_url, conn, tmp_path):
    store_batch(conn, [Paper(title="An old paper on graphs", source="arxiv-jsonl", arxiv_id="2401.00001")])
    conn.commit()
    index = KeywordIndex(index_dir(tmp_path, conn))
    assert index.sync(conn) == 1
    late = Late(db_url, "Zanzibar tokenisers commit late")
    try:
        early_seq = _insert(db_url, "t-early", "Quokka retrieval commits early")  # committed
        index.sync(conn)
        assert _hits(index, "quokka") == 1 and _hits(index, "zanzibar") == 0
        late.release()
        assert late.seq is not None and late.seq < early_seq  # the late one took its number first
        # the late writer also changes a paper that was indexed long ago
        late.conn.execute("UPDATE papers SET title = 'An old paper on zanzibar graphs' WHERE arxiv_id = '2401.00001'")
        late.commit()
    finally:
        late.close()
    assert index.behind(conn) == 3  # its two papers and the old one
    assert index.sync(conn) == 3
    assert _hits(index, "zanzibar") == 2 and index.behind(conn) == 0
    assert index.sync(conn) == 0  # read once: the next sync has nothing to do


def test_a_crash_mid_sync_keeps_the_open_transactions_of_the_mark_before(db_url, conn, tmp_path):
    index = KeywordIndex(index_dir(tmp_path, conn))
    index.sync(conn)
    late = Late(db_url, "Wombat parsing commits late")
    try:
        _insert(db_url, "t-early", "Echidna parsing commits early")
        index.sync(conn)
        mark = index.mark
        assert mark.open, "the late writer was open at the sync's snapshot"
        late.release()
        late.commit()
    finally:
        late.close()
    # a sync that crashed after a batch wrote its mark with the open transactions of the
    # mark before it; the next one still reads what those committed
    index.sync(conn)
    assert _hits(index, "wombat") == 1


def test_the_embed_job_wakes_for_a_transaction_that_commits_late(db, db_url, conn, tmp_path):
    index = KeywordIndex(index_dir(tmp_path, conn))
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, index), digests=False)
    late = Late(db_url, "Numbat embeddings commit late")
    try:
        _insert(db_url, "t-early", "Bilby embeddings commit early")
        assert jobs.run_once() is True  # embedded the early one
        assert jobs.run_once() is False  # looked, found nothing more: quiet
        assert jobs.run_once() is False and embeddings.pending_count(conn) == 0
        conn.commit()
        late.release()
        late.commit()
    finally:
        late.close()
    # the late papers' numbers: the first is below the newest one the quiet look saw; both are
    # found at once, not at the next sweep ten minutes later
    assert embeddings.pending_count(conn) == 2
    conn.commit()
    while jobs.run_once():
        pass
    assert embeddings.pending_count(conn) == 0
    assert _hits(index, "numbat") == 1
