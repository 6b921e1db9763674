"""For you's shared vectors (recommend/shared.py): one file a node, written atomically, mapped
read-only by every worker, rebuilt from PostgreSQL when missing or unreadable."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from tests.community.people import add
from tests.recommend import topics

from paperboy import recommend
from paperboy.community import votes
from paperboy.recommend import corpus as corpus_mod
from paperboy.recommend import picks as picks_mod
from paperboy.recommend import shared

ROOT = Path(__file__).resolve().parents[2]

# A worker: maps the node's file (written by the test beforehand), computes the member's
# picks, says it is ready, and once told to (both workers alive, both mappings touched)
# reports its picks, a digest of the vectors and its own memory map of the file.
WORKER = r"""
import hashlib, json, sys
from pathlib import Path
import numpy as np
from paperboy.db import Database
from paperboy import recommend
from paperboy.recommend.corpus import CACHE
from datetime import date
url, home, member = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
CACHE.share(home)
db = Database(url, max_size=1).open()
with db.connection() as conn:
    corpus = CACHE.get(conn)
    picks = recommend.recommend(conn, member, limit=10, since=date(1900, 1, 1)).items
    base = corpus.base
    digest = hashlib.sha256()
    for a in (base.q, base.scale, base.days, base.ids, base.mean):
        digest.update(np.ascontiguousarray(a).tobytes())
    touched = int(np.asarray(base.q, dtype=np.int64).sum())  # every page of the vectors read
print("ready", flush=True)
sys.stdin.readline()
maps, inside, path = {}, False, str(base.path)
for line in open("/proc/self/smaps"):
    head = line.split()
    if "-" in head[0] and len(head) >= 5:
        inside = line.rstrip().endswith(path)
    elif inside and line.split(":")[0] in ("Rss", "Shared_Clean", "Private_Clean", "Private_Dirty", "Shared_Dirty"):
        key = line.split(":")[0]
        maps[key] = maps.get(key, 0) + int(head[1])
print(json.dumps({"picks": [[p.paper_id, p.score] for p in picks], "digest": digest.hexdigest(),
                  "memmap": [type(base.q).__name__, getattr(base.q, "mode", None)],
                  "path": path, "generation": base.generation, "smaps": maps, "touched": touched,
                  "q_bytes": int(base.q.nbytes)}), flush=True)
"""


def _member(tconn) -> int:
    m = add(tconn, "ada@example.org")
    for pid in topics.neighbours(0, 5):
        votes.upvote(tconn, pid, m.id)
    recommend.refresh_stale(tconn)
    return m.id


def test_two_workers_map_one_file_and_read_identical_vectors_and_picks(tdb, tconn, tmp_path, monkeypatch):
    member = _member(tconn)
    cache = corpus_mod.Cache()
    cache.share(tmp_path)
    written = cache.get(tconn)  # this process builds the node's file from PostgreSQL
    assert isinstance(written.base.q, np.memmap) and written.base.path is not None
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "HF_HUB_OFFLINE": "1"}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, tdb.url, str(tmp_path), str(member)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
               for _ in range(2)]
    try:
        for w in workers:
            assert w.stdout.readline().strip() == "ready"
        reports = []
        for w in workers:  # both alive, both mapped: now each reads its memory map
            w.stdin.write("report\n")
            w.stdin.flush()
            reports.append(json.loads(w.stdout.readline()))
    finally:
        for w in workers:
            w.stdin.close()
            w.wait(timeout=60)
    a, b = reports
    assert a["picks"] == b["picks"] and len(a["picks"]) == 10
    assert a["digest"] == b["digest"] and a["touched"] == b["touched"]
    assert a["path"] == b["path"] == str(written.base.path) and a["generation"] == b["generation"] == 1
    assert a["memmap"] == b["memmap"] == ["memmap", "r"]  # mapped read-only, not read into memory
    q_kb = a["q_bytes"] // 1024
    for r in reports:  # the file's pages: the page cache's, shared by both, none copied
        assert r["smaps"]["Private_Dirty"] == 0 and r["smaps"].get("Shared_Dirty", 0) == 0
        assert r["smaps"]["Shared_Clean"] >= 0.9 * q_kb, r["smaps"]
    # and they are the picks this process computes over the same file
    monkeypatch.setattr(picks_mod, "CACHE", cache)
    here = recommend.recommend(tconn, member, limit=10, since=date(1900, 1, 1)).items
    assert [[p.paper_id, p.score] for p in here] == a["picks"]


def test_a_newer_generation_is_mapped_and_a_torn_write_is_never_read(tconn, tmp_path, monkeypatch, caplog):
    cache = corpus_mod.Cache()
    cache.share(tmp_path)
    with caplog.at_level(logging.INFO, logger="paperboy.recommend.corpus"):
        first = cache.get(tconn)
    assert "no shared vector file" in caplog.text and "building it from PostgreSQL" in caplog.text
    folder = first.base.path.parent
    assert first.base.generation == 1
    # another process publishes generation 2 (say, folding its tail in): this one maps it
    second_path = shared.write(folder, corpus_mod.merged(first))
    assert not first.base.path.exists()  # the older generation is removed (still mapped here)
    again = cache.get(tconn)
    assert again.base.generation == 2 and again.base.path == second_path
    assert again.size == first.size and np.array_equal(again.vectors([0, 5]), first.vectors([0, 5]))

    # a write that dies half-way leaves no file under a generation's name: readers keep 2
    def dies(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", dies)
    with pytest.raises(OSError):
        shared.write(folder, corpus_mod.merged(again))
    monkeypatch.undo()
    assert [g for g, _ in shared.generations(folder)] == [2]
    assert cache.get(tconn).base.generation == 2

    # a file torn anyway (a copy cut short, a full disk without rename) is refused, logged,
    # and rebuilt from PostgreSQL as the next generation
    torn = folder / "corpus-00000003.pbv"
    torn.write_bytes(second_path.read_bytes()[: second_path.stat().st_size // 2])
    with pytest.raises(shared.Unreadable):
        shared.read(torn)
    caplog.clear()
    fresh = corpus_mod.Cache()
    fresh.share(tmp_path)
    with caplog.at_level(logging.INFO, logger="paperboy.recommend.corpus"):
        rebuilt = fresh.get(tconn)
    assert "corpus-00000003.pbv is unreadable" in caplog.text and "rebuilding it from PostgreSQL" in caplog.text
    assert rebuilt.base.generation == 4 and rebuilt.size == first.size
    assert [g for g, _ in shared.generations(folder)] == [4]
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]  # the dead write's leftovers
    assert np.array_equal(rebuilt.vectors(np.arange(rebuilt.size)), first.vectors(np.arange(first.size)))


def test_new_vectors_join_a_tail_and_a_deletion_rebuilds_the_file(tconn, tmp_path, monkeypatch):
    cache = corpus_mod.Cache()
    cache.share(tmp_path)
    first = cache.get(tconn)
    pid = first.id_at(3)
    vec = tconn.execute("SELECT embedding FROM embeddings WHERE paper_id = %s", (pid,)).fetchone()["embedding"]
    tconn.execute("DELETE FROM embeddings WHERE paper_id = %s", (pid,))
    tconn.commit()
    smaller = cache.get(tconn)  # a deletion: the node's file is rebuilt from PostgreSQL
    assert smaller.base.generation == 2 and pid not in smaller and smaller.size == first.size - 1
    tconn.execute("INSERT INTO embeddings (paper_id, model, text_hash, embedding) VALUES (%s, 'm', 'h', %s)",
                  (pid, vec))
    tconn.commit()
    after = cache.get(tconn)  # an addition: in this process's tail, over the same mapped file
    assert after.base is smaller.base and after.tail_ids == [pid] and after.size == first.size
    assert abs(float(after.vector(pid) @ first.vector(pid)) - 1) < 1e-3
    # the tail folds into a new generation once it outgrows REWRITE_AT (here: at once)
    monkeypatch.setattr(corpus_mod, "REWRITE_AT", 1)
    monkeypatch.setattr(corpus_mod, "REWRITE_SHARE", 0.0)
    tconn.execute("UPDATE embeddings SET embedding = %s, created = now() WHERE paper_id = %s",
                  (vec, first.id_at(0)))
    tconn.commit()
    folded = cache.get(tconn)  # two rows in the tail now: past 1
    assert folded.base.generation == 3 and not folded.tail_ids and folded.size == first.size
    assert abs(float(folded.vector(first.id_at(0)) @ first.vector(pid)) - 1) < 1e-2
