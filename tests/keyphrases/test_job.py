"""The keyphrase job: fills the papers that lack them from their stored vectors, writes the
same on a second run (and nothing when nothing changed), continues where a killed run
stopped, remakes a list when the method's version or the abstract changes; and serve's
background round does it after embedding."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import time

import psycopg

from paperboy import embeddings, keyphrases
from paperboy.keyphrases import store as kstore
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from paperboy.search import Searcher
from paperboy.search.keyword import KeywordIndex, index_dir
from tests.helpers import import_files, paperboy_cmd, run_cli, shared


def _jsonl(tmp_path, n: int):
    path = tmp_path / "some.jsonl"
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        path.write_text("".join(next(f) for _ in range(n)))
    return path


def _lists(conn) -> dict[str, tuple]:
    return {r["paper_id"]: (r["phrases"], r["method"], r["version"], r["created"])
            for r in conn.execute("SELECT * FROM keyphrases")}


def test_the_job_fills_missing_keyphrases_once(conn, tmp_path):
    import_files(conn, [_jsonl(tmp_path, 12)])
    conn.commit()
    embeddings.embed_pending(conn, limit=8)  # 4 papers have no vector yet: encoded by the job
    assert kstore.pending_count(conn) == 12
    first = kstore.compute_pending(conn, batch=5, limit=7)
    assert first.computed == 7 and kstore.pending_count(conn) == 5
    rest = kstore.compute_pending(conn, batch=5)
    assert rest.computed == 5 and kstore.pending_count(conn) == 0
    lists = _lists(conn)
    assert len(lists) == 12
    assert all(1 <= len(ph) <= 10 and m == keyphrases.METHOD and v == keyphrases.VERSION
               for ph, m, v, _ in lists.values())
    # idempotent: a second run finds nothing and writes nothing
    assert kstore.compute_pending(conn).computed == 0
    assert _lists(conn) == lists
    # an edited abstract: the store drops the vector, the embedding job remakes it, then the
    # keyphrases follow (and not before: the old list stays shown meanwhile)
    pid = sorted(lists)[0]
    conn.execute("UPDATE papers SET summary = 'We study graph neural networks for molecule"
                 " property prediction with contrastive pretraining.' WHERE id = %s", (pid,))
    conn.execute("DELETE FROM embeddings WHERE paper_id = %s", (pid,))
    conn.commit()
    assert kstore.pending_count(conn) == 0
    embeddings.embed_pending(conn)
    assert kstore.pending_count(conn) == 1
    assert kstore.compute_pending(conn).computed == 1
    assert _lists(conn)[pid][0] != lists[pid][0]
    assert any("graph neural networks" in p.casefold() or "molecule" in p.casefold() for p in _lists(conn)[pid][0])


def test_a_new_method_version_remakes_every_list(conn, tmp_path, monkeypatch):
    import_files(conn, [_jsonl(tmp_path, 3)])
    conn.commit()
    assert kstore.compute_pending(conn).computed == 3
    monkeypatch.setattr(keyphrases, "VERSION", keyphrases.VERSION + 1)
    assert kstore.pending_count(conn) == 3
    assert kstore.compute_pending(conn).computed == 3
    assert {v for _, _, v, _ in _lists(conn).values()} == {keyphrases.VERSION}


def test_read_many_gives_ours_theirs_or_either(conn, tmp_path):
    import_files(conn, [shared("hf-api-recorded", "daily_papers.2026-07-14.json"), _jsonl(tmp_path, 3)])
    conn.commit()
    kstore.compute_pending(conn)
    ours = dict(kstore.read_many(conn))
    theirs = dict(kstore.read_many(conn, source="hf"))
    either = dict(kstore.read_many(conn, source="any"))
    total = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    assert len(ours) == total == len(either) and 0 < len(theirs) < total
    for pid, kws in theirs.items():
        assert either[pid] == kws
        stored = conn.execute("SELECT extra->'ai_keywords' AS k FROM papers WHERE id = %s", (pid,)).fetchone()["k"]
        assert kws == stored
    some = sorted(ours)[:2]
    assert dict(kstore.read_many(conn, some, chunk=1)) == {i: ours[i] for i in some}
    assert list(kstore.read_many(conn, ["no-such-paper"])) == []


def test_serves_background_round_computes_them_after_embedding(db, conn, tmp_path):
    from paperboy.jobs import BackgroundJobs

    store_batch(conn, [Paper(title=f"Sparse attention for long documents, part {i}", source="arxiv-jsonl",
                             arxiv_id=f"2403.0000{i}", summary="We propose block-sparse attention kernels"
                             " that scale transformers to long documents.") for i in range(3)])
    conn.commit()
    index = KeywordIndex(index_dir(tmp_path, conn))
    jobs = BackgroundJobs(db, Searcher(tmp_path, conn, index), digests=False, fetch=False)
    assert jobs.run_once() is True
    assert kstore.pending_count(conn) == 0 and len(_lists(conn)) == 3
    assert jobs.run_once() is False  # nothing left
    idle = BackgroundJobs(db, Searcher(tmp_path, conn, index), embed=False, digests=False, fetch=False)
    store_batch(conn, [Paper(title="One more", source="arxiv-jsonl", arxiv_id="2403.00009", summary="Diffusion models.")])
    conn.commit()
    assert idle.run_once() is False and kstore.pending_count(conn) == 1  # --no-embed: neither


def test_a_killed_cli_run_resumes(db_url, tmp_path):
    PAPERS = kstore.BATCH + 13  # one batch committed, the kill lands in the second
    path = _jsonl(tmp_path, PAPERS)
    env = {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home")}
    assert run_cli(["import", str(path)], env).returncode == 0

    def count() -> int:
        with psycopg.connect(db_url) as c:
            return c.execute("SELECT count(*) FROM keyphrases").fetchone()[0]

    proc = subprocess.Popen([*paperboy_cmd(), "keyphrases"], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while count() < kstore.BATCH and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = count()
    assert 0 < done < PAPERS, "the kill must land mid-job"
    assert done % kstore.BATCH == 0, "a batch is committed whole or not at all"
    r = run_cli(["keyphrases"], env)
    assert r.returncode == 0, r.stderr
    assert count() == PAPERS
    assert f"computed the keyphrases of {PAPERS - done} papers" in r.stdout
    again = run_cli(["keyphrases", "--limit", "5"], env)
    assert again.returncode == 0 and "every paper has its keyphrases" in again.stdout
