"""The embedding job and the keyword index: resumable, rebuildable, and honest about fallback."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time

import numpy as np
import psycopg

from paperboy import embeddings
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Searcher
from paperboy.search.keyword import KeywordIndex, index_dir, rebuild
from tests.helpers import paperboy_cmd, run_cli, shared


def _jsonl(tmp_path, n: int):
    path = tmp_path / "some.jsonl"
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        path.write_text("".join(next(f) for _ in range(n)))
    return path


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names


def test_embed_job_resumes_after_kill(db_url, tmp_path):
    path = _jsonl(tmp_path, 120)
    env = {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home")}
    assert run_cli(["import", str(path)], env).returncode == 0
    proc = subprocess.Popen([*paperboy_cmd(), "embed", "--batch", "16"], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while count(db_url, "embeddings") < 32 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = count(db_url, "embeddings")
    assert 0 < done < 120, "the kill must land mid-job"
    assert done % 16 == 0, "a batch is committed whole or not at all"
    r = run_cli(["embed"], env)
    assert r.returncode == 0, r.stderr
    assert count(db_url, "embeddings") == 120
    assert f"embedded {120 - done} papers" in r.stdout
    # the vectors are the model's: recompute one and compare
    with psycopg.connect(db_url) as c:
        from pgvector.psycopg import register_vector

        register_vector(c)
        pid, title, summary, vec, model = c.execute(
            "SELECT p.id, p.title, p.summary, e.embedding, e.model FROM papers p"
            " JOIN embeddings e ON e.paper_id = p.id ORDER BY p.id LIMIT 1").fetchone()
    assert model == embeddings.MODEL_NAME
    expected = embeddings.encode([embeddings.paper_text(title, summary)])[0]
    assert float(np.dot(vec.to_numpy(), expected)) > 0.999
    assert "every paper is embedded" in run_cli(["embed"], env).stdout


def test_changed_text_or_model_is_embedded_again(conn, monkeypatch):
    store_batch(conn, [Paper(title="A study of sinks", source="arxiv-jsonl", arxiv_id="2401.00001",
                             version=1, summary="first abstract")])
    embeddings.embed_pending(conn)
    assert embeddings.pending_count(conn) == 0
    store_batch(conn, [Paper(title="A study of attention sinks", source="arxiv-atom", arxiv_id="2401.00001",
                             version=2, summary="second abstract")])
    assert embeddings.pending_count(conn) == 1  # the new version dropped the stale vector
    assert embeddings.embed_pending(conn).embedded == 1
    monkeypatch.setattr(embeddings, "MODEL_NAME", "some/other-model")
    assert embeddings.pending_count(conn) == 1


def test_keyword_index_syncs_incrementally_and_rebuilds(conn, tmp_path):
    daily = shared("hf-daily-papers-2024", "2024-11-08.json")
    from tests.helpers import import_files

    import_files(conn, [daily])
    index = KeywordIndex(index_dir(tmp_path, conn))
    n = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    assert index.behind(conn) == n
    assert index.sync(conn) == n and index.size == n
    assert index.sync(conn) == 0  # nothing changed
    # a title-only paper that later gets its arXiv id stays one document
    store_batch(conn, [Paper(title="Zyzzyva quantum widgets", source="hf-page", summary="s")])
    index.sync(conn)
    store_batch(conn, [Paper(title="Zyzzyva quantum widgets", source="arxiv-jsonl", arxiv_id="2402.99999")])
    assert index.sync(conn) == 1
    assert index.size == n + 1
    hits = index.search("zyzzyva")
    assert len(hits) == 1
    searcher = Searcher(tmp_path, conn, index)
    assert [r["id"] for r in searcher.search(conn, "zyzzyva", mode="keyword").items] == ["2402.99999"]
    fresh = rebuild(index.path)
    assert fresh.size == 0 and fresh.watermark == 0
    assert fresh.sync(conn) == n + 1


def test_search_before_embeddings_falls_back_and_says_so(conn, tmp_path):
    from tests.helpers import import_files

    import_files(conn, [shared("hf-daily-papers-2024", "2024-11-08.json")])
    searcher = Searcher(tmp_path, conn)
    searcher.index.sync(conn)
    r = searcher.search(conn, "language model agents")
    assert r.mode == "keyword" and r.items
    assert any("not ready" in n for n in r.notices)


def test_reindex_command(db_url, tmp_path):
    env = {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path)}
    assert run_cli(["import", str(shared("hf-daily-papers-2024", "2024-11-08.json"))], env).returncode == 0
    r = run_cli(["reindex"], env)
    assert r.returncode == 0 and "rebuilt" in r.stdout
    n = json.loads(shared("hf-daily-papers-2024", "2024-11-08.json").read_text())["papers"]
    s = run_cli(["search", n[0]["title"], "--mode", "keyword", "--json"], env)
    assert json.loads(s.stdout)[0]["title"] == " ".join(n[0]["title"].split())


def test_background_worker_indexes_and_embeds(db, conn, tmp_path):
    from paperboy.jobs import BackgroundJobs

    papers = [Paper(title=f"Paper number {i} on sparse attention", source="arxiv-jsonl",
                    arxiv_id=f"2403.0000{i}", summary="An abstract.") for i in range(5)]
    store_batch(conn, papers)
    conn.commit()
    index = KeywordIndex(index_dir(tmp_path, conn))
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, index), digests=False)
    version = conn.execute("SELECT version FROM data_version").fetchone()["version"]
    conn.commit()
    assert jobs.run_once() is True  # embedded a batch: there may be more
    assert index.size == 5 and embeddings.pending_count(conn) == 0
    assert conn.execute("SELECT version FROM data_version").fetchone()["version"] > version
    assert jobs.run_once() is False  # nothing left to do
    idle = BackgroundJobs(db, Searcher(tmp_path, conn, index), embed=False, digests=False)
    store_batch(conn, [Paper(title="One more", source="arxiv-jsonl", arxiv_id="2403.00009")])
    conn.commit()
    assert idle.run_once() is False and index.size == 6 and embeddings.pending_count(conn) == 1


def test_query_vectors_equal_the_models():
    texts = ["why do vision language models hallucinate objects", "StreamingLLM", "x " * 400]
    embeddings._query_vector.cache_clear()
    for t in texts:
        lean = embeddings.encode_query(t)
        full = embeddings.encode([" ".join(t.split())])[0]
        assert float(np.dot(lean, full)) > 0.9999


def test_embed_job_looks_for_work_only_when_a_paper_changed(db, conn, tmp_path, monkeypatch):
    """Finding papers without a vector reads every paper: after a round that found none, the
    job looks again only once a paper changed (or SWEEP_EVERY later), and then finds it."""
    from paperboy import jobs as jobs_module
    from paperboy.jobs import BackgroundJobs

    store_batch(conn, [Paper(title="Quiet paper on sparse attention", source="arxiv-jsonl",
                             arxiv_id="2403.00011", summary="An abstract.")])
    conn.commit()
    looks = []
    real = embeddings.embed_pending
    monkeypatch.setattr(embeddings, "embed_pending", lambda *a, **k: looks.append(1) or real(*a, **k))
    index = KeywordIndex(index_dir(tmp_path, conn))
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, index), digests=False)
    assert jobs.run_once() is True and len(looks) == 1  # embedded it
    assert jobs.run_once() is False and len(looks) == 2  # looked, found nothing
    assert jobs.run_once() is False and len(looks) == 2  # nothing changed: did not look
    store_batch(conn, [Paper(title="A new paper arrives", source="arxiv-jsonl", arxiv_id="2403.00012")])
    conn.commit()
    assert jobs.run_once() is True and len(looks) == 3 and embeddings.pending_count(conn) == 0
    assert jobs.run_once() is False and len(looks) == 4
    monkeypatch.setattr(jobs_module, "SWEEP_EVERY", 0.0)  # the periodic sweep
    assert jobs.run_once() is False and len(looks) == 5
