"""Index builds without downtime (issue 27): a migration marked ``-- paperboy: concurrently``
runs outside a transaction, so searches keep reading the old index and writers keep writing
while the index is built; a killed or failed build runs again whole; serve builds it in the
background while it answers."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
from psycopg.rows import dict_row

from paperboy.db import Database
from paperboy.db import migrate as migrations
from paperboy.db.errors import DatabaseError
from paperboy.ops import health
from paperboy.search import semantic

N = 3000
# Between two searches or two writes of the load: the load is steady traffic (some 150 calls a
# second), not four loops taking every core from the build they are meant to run beside.
PACE = 0.02
REBUILD = (9901, "9901_rebuild_vectors.sql", """-- paperboy: concurrently
-- the vector index searches walk (0033's) rebuilt with another graph: new one built beside,
-- then swapped in
DROP INDEX CONCURRENTLY IF EXISTS embeddings_hnsw_new;
CREATE INDEX CONCURRENTLY IF NOT EXISTS embeddings_hnsw_new ON embeddings
    USING hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) WITH (m = 16, ef_construction = 200);
DROP INDEX CONCURRENTLY IF EXISTS embeddings_hnsw_half;
ALTER INDEX IF EXISTS embeddings_hnsw_new RENAME TO embeddings_hnsw_half;
""")


def _vectors(url: str, n: int = N) -> np.ndarray:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with psycopg.connect(url) as c, c.cursor() as cur:
        with cur.copy("COPY papers (id, title, title_key, summary) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((f"v{i}", f"paper {i}", f"paper {i}", "x"))
        with cur.copy("COPY embeddings (paper_id, model, text_hash, embedding) FROM STDIN") as copy:
            for i, v in enumerate(vectors):
                copy.write_row((f"v{i}", "test", "h", "[" + ",".join(f"{x:.6f}" for x in v) + "]"))
    return vectors


def test_statements_of_a_concurrent_migration_split_at_line_ends():
    _, _, sql = REBUILD
    assert migrations.concurrent(sql) and not migrations.concurrent("CREATE TABLE t (a int);")
    got = migrations.statements(sql)
    assert len(got) == 4 and got[1].startswith("CREATE INDEX CONCURRENTLY")
    assert "WITH (m = 16" in got[1] and not any(s.endswith(";") for s in got)


def test_the_shipped_concurrent_migrations_only_build_indexes():
    found = [(name, sql) for _, name, sql in migrations.available() if migrations.concurrent(sql)]
    assert found, "0028 builds the change_xid index concurrently"
    for name, sql in found:
        for statement in migrations.statements(sql):
            assert statement.split()[0].upper() in {"CREATE", "DROP", "ALTER", "REINDEX"}, name
            assert "INDEX" in statement.upper(), (name, statement)


def test_rebuilding_the_vector_index_under_searches_and_writes_makes_no_error(db_url):
    vectors = _vectors(db_url)
    files = [*migrations.available(), REBUILD]
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()
    db = Database(db_url, max_size=4).open()

    def search(seed: int) -> None:
        rng = np.random.default_rng(seed)
        while not stop.is_set():
            try:
                with db.connection() as c:
                    i = int(rng.integers(N))
                    got = semantic.nearest(c, vectors[i], k=10)
                assert len(got) == 10
                answered[0] += 1
            except BaseException as e:  # noqa: BLE001 - every error is the test's finding
                errors.append(e)
                return
            stop.wait(PACE)

    def write() -> None:
        i = 0
        while not stop.is_set():
            try:
                with psycopg.connect(db_url, autocommit=True) as c:
                    c.execute("UPDATE embeddings SET created = now() WHERE paper_id = %s", (f"v{i % N}",))
                i += 1
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
                return
            stop.wait(PACE)

    threads = [threading.Thread(target=search, args=(s,)) for s in range(3)] + [threading.Thread(target=write)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        before = answered[0]
        assert migrations.migrate(db_url, files=files) == ["9901_rebuild_vectors.sql"]
        during = answered[0] - before
    finally:
        stop.set()
        for t in threads:
            t.join()
        db.close()
    assert errors == []
    assert during > 0, "searches were answered while the index was rebuilt"
    with psycopg.connect(db_url, row_factory=dict_row) as c:
        index = c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'embeddings_hnsw_half'").fetchone()
        assert "ef_construction='200'" in index["indexdef"].replace(" ", "")
        invalid = c.execute("SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid").fetchone()["n"]
        assert invalid == 0
        assert migrations.building(c, files) == []


def test_a_failed_build_leaves_nothing_invalid_behind_and_runs_again_whole(db_url):
    unique = (9902, "9902_unique_titles.sql", "-- paperboy: concurrently\n"
              "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS papers_title_unique ON papers (title);\n")
    files = [*migrations.available(), unique]
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("INSERT INTO papers (id, title, title_key, summary) VALUES"
                  " ('a', 'Same', 'same', 'x'), ('b', 'Same', 'same', 'x')")
    try:
        migrations.migrate(db_url, files=files)
        raise AssertionError("a unique index over duplicates must fail")
    except DatabaseError as e:
        assert "9902_unique_titles.sql failed" in str(e) and "runs again" in str(e)
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as c:
        # PostgreSQL keeps the failed index, invalid; the schema is current all the same
        assert c.execute("SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid").fetchone()["n"] == 1
        assert migrations.current(c, files) and migrations.building(c, files) == ["9902_unique_titles.sql"]
        c.execute("UPDATE papers SET title = 'Other' WHERE id = 'b'")
    assert migrations.migrate(db_url, files=files) == ["9902_unique_titles.sql"]
    with psycopg.connect(db_url, row_factory=dict_row) as c:
        assert c.execute("SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid").fetchone()["n"] == 0
        assert c.execute("SELECT to_regclass('papers_title_unique') IS NOT NULL AS ok").fetchone()["ok"]


def test_serve_answers_first_and_builds_in_the_background(db_url, monkeypatch):
    """What serve does (cli/serving.py): migrate(later=True) returns without building, healthz
    says ok and names the build, and migrate_later builds it on a thread."""
    _vectors(db_url, 500)  # any build will do
    files = [*migrations.available(), REBUILD]
    monkeypatch.setattr(migrations, "available", lambda: files)
    assert migrations.migrate(db_url, later=True) == []
    db = Database(db_url, max_size=2).open()
    try:
        ok, report = health.check(db)
        assert ok and report["migrations"]["building"] == ["9901_rebuild_vectors.sql"]
        thread = migrations.migrate_later(db_url)
        assert thread is not None
        thread.join(120)
        assert not thread.is_alive()
        ok, report = health.check(db)
        assert ok and report["migrations"]["building"] == [] and report["migrations"]["current"]
        assert migrations.migrate_later(db_url) is None  # nothing left to build
    finally:
        db.close()
