"""Measure For you's speed at the size of the arXiv CS file (74,728 papers).

Run by hand:  .venv/bin/python bench/recommend_speed.py [--keep DIR] [--members 10000]

1. The papers are imported through the normal importer and given their vectors from the
   precomputed file beside them (the same model; computing 75k on this CPU takes an hour).
2. **Picks for one member** (model precomputed): `recommend()` as `/api/recommendations`
   calls it, 300 times each for members of 5, 20 and 100 likes; the default period
   (PAPERBOY_FOR_YOU_DAYS=14 days up to the newest day) and all time (since=1900-01-01).
   The first call, which loads the corpus into memory, is timed apart. All time is timed
   again with recommend/prefilter.py switched off (every row scored), and the two lists of
   picks are compared.
3. **A model refresh** (`refresh_member`: read the signals, fit, store) for members of 5,
   20, 100 and 500 likes, and one with two interests.
4. **10,000 members** (likes drawn from one or two interests, 5-40 each): the time to
   refit all their models (`refresh_stale`, what the job does after signals change), then,
   after a day's new papers, the time to compute every member's picks of that day
   (`recommend(since=day, until=day)`, what the digests do; models need no refit for new
   papers: a model describes the member, not the corpus).

A throwaway embedded PostgreSQL runs in a temporary directory; ``--keep DIR`` keeps it, so a
second run skips the import.

``--corpus HOME --size N`` measures only part 2 on an existing search corpus instead
(bench/search_corpus.py: database "bench" in HOME, real papers and their copies, N of them):
the shared vector file is built in a temporary folder (its first build is timed, then a second
process's mapping of it), the members' likes are a random paper and its nearest neighbours
found by a scan of that file (no float32 copy of a million vectors in this process), and
the members are deleted at the end. It prints the load average with each figure and the
process's peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database  # noqa: E402
from paperboy import embeddings, recommend  # noqa: E402
from paperboy.db import embedded  # noqa: E402
from paperboy.db.vectors import ensure_vector  # noqa: E402
from paperboy.papers.importer import parse_file, store_result  # noqa: E402
from paperboy.recommend import prefilter  # noqa: E402

PREFILTER_FROM = prefilter.FROM

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"


def setup(url: str) -> None:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        if conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"]:
            return
        t = time.perf_counter()
        fmt, result = parse_file(JSONL, "auto", date(2026, 7, 2))
        store_result(conn, str(JSONL), fmt, result)
        print(f"imported {len(result.papers):,} papers in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        with gzip.open(JSONL, "rt", encoding="utf-8") as f:
            ids = [json.loads(line)["id"] for line in f]
        vecs = np.load(VECTORS).astype(np.float32)
        ensure_vector(conn)
        rows = {r["id"]: r for r in conn.execute("SELECT id, title, summary FROM papers").fetchall()}
        with conn.cursor() as cur:
            batch = []
            for i, v in zip(ids, vecs, strict=True):
                r = rows.get(i)
                if r is not None:
                    batch.append((i, embeddings.MODEL_NAME, embeddings.text_hash(r["title"], r["summary"]), v))
                if len(batch) == 2000:
                    cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding)"
                                    " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", batch)
                    batch = []
            if batch:
                cur.executemany("INSERT INTO embeddings (paper_id, model, text_hash, embedding)"
                                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", batch)
        conn.commit()
        print(f"stored their vectors in {time.perf_counter() - t:.0f} s", flush=True)


def ms(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"p50 {1000 * statistics.median(xs):.1f} ms, p95 {1000 * p95:.1f} ms, max {1000 * xs[-1]:.1f} ms"


class Members:
    def __init__(self, conn: psycopg.Connection, seed: int = 0) -> None:
        self.conn = conn
        self.rng = np.random.default_rng(seed)
        self.ids = np.array([r["paper_id"] for r in conn.execute(
            "SELECT paper_id FROM embeddings ORDER BY paper_id").fetchall()], dtype=object)
        corpus = recommend.corpus.CACHE.get(conn)
        self.xc = corpus.vectors(corpus.rows(self.ids))
        self.n = 0

    def interest(self, k: int) -> list[str]:
        seed = int(self.rng.integers(len(self.ids)))
        near = np.argpartition(-(self.xc @ self.xc[seed]), 150)[:150]
        return list(self.ids[self.rng.choice(near, k, replace=False)])

    def likes(self, k: int) -> list[str]:
        """k likes of one interest, or of several of 100 each past 150."""
        if k <= 150:
            return self.interest(k)
        out: list[str] = []
        while len(out) < k:
            out += self.interest(min(100, k - len(out)))
        return out

    def add(self, likes: list[str]) -> int:
        self.n += 1
        mid = self.conn.execute(
            "INSERT INTO members (email, name) VALUES (%s, %s) RETURNING id",
            (f"m{self.n}-{time.time_ns()}@bench.example", f"m{self.n}x{time.time_ns() % 10**9}")).fetchone()["id"]
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(p, mid) for p in likes])
        self.conn.commit()
        return mid


def memory() -> str:
    """Peak and current resident memory, the current split into private (anon) and file pages
    (the mapped vector file is the node's page cache, shared by its workers)."""
    st = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    mb = {k: int(st[k].split()[0]) / 1024 for k in ("VmHWM", "VmRSS", "RssAnon", "RssFile")}
    return (f"peak RSS {mb['VmHWM']:.0f} MB; now {mb['VmRSS']:.0f} MB"
            f" (anon {mb['RssAnon']:.0f}, file {mb['RssFile']:.0f})")


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def blas() -> str:
    """The BLAS and its threads (under load, a multithreaded BLAS waits for its threads:
    OPENBLAS_NUM_THREADS=1 measures the single-threaded case)."""
    from threadpoolctl import threadpool_info  # scikit-learn's dependency

    return ", ".join(f"{i.get('internal_api')} {i.get('num_threads')} threads"
                     for i in threadpool_info() if i.get("user_api") == "blas") or "no BLAS found"


class CorpusMembers(Members):
    """Members of a large corpus: a seed's neighbours by a scan of the corpus' int8 rows, a
    chunk at a time (Members holds every vector as float32: 1.5 GB at 1M papers)."""

    def __init__(self, conn: psycopg.Connection, seed: int = 0) -> None:
        self.conn = conn
        self.rng = np.random.default_rng(seed)
        self.corpus = recommend.corpus.CACHE.get(conn)
        self.n = 0

    def interest(self, k: int) -> list[str]:
        c = self.corpus
        total = len(c.base) + len(c.tail_ids)
        seed = c.vectors([int(self.rng.integers(total))])[0]
        best_rows, best = np.zeros(0, np.int64), np.zeros(0, np.float32)
        a = 0
        while a < total:  # a chunk lies in the base or in the tail (unscaled_range)
            z = min(a + 65_536, len(c.base) if a < len(c.base) else total)
            x, scale = c.unscaled_range(a, z)
            sims = x @ seed if scale is None else (x @ seed) * scale
            rows = np.concatenate([best_rows, np.arange(a, z)])
            sims = np.concatenate([best, sims])
            top = np.argpartition(-sims, 150)[:150]
            best_rows, best = rows[top], sims[top]
            a = z
        near = [c.id_at(int(r)) for r in best_rows]
        return [near[i] for i in self.rng.choice(len(near), k, replace=False)]


def picks(conn: psycopg.Connection, people: Members, requests: int, budget: float | None = None) -> None:
    """Part 2: picks for members of 5, 20 and 100 likes, the default period and all time;
    with a ``budget`` (seconds), a line stops early past it (30 requests at least)."""
    print(f"## Picks for one member ({requests} requests each, the first call timed apart"
          + (f"; fewer when past {budget:.0f} s" if budget else "") + ")")
    for k in (5, 20, 100):
        mid = people.add(people.interest(k))
        recommend.refresh_member(conn, mid)
        whole = {"since": date(1900, 1, 1)}
        for label, kw in (("last 14 days", {}), ("all time", whole), ("all time, every row scored", whole)):
            # the last line switches recommend/prefilter.py off: the picks before it, compared
            prefilter.FROM = 10**12 if label.endswith("scored") else PREFILTER_FROM
            t = time.perf_counter()
            got = recommend.recommend(conn, mid, limit=20, days=14, **kw)
            first = time.perf_counter() - t
            lo = recommend.corpus.day_number(got.since) if got.since else -(10**6)
            hi = recommend.corpus.day_number(got.until) if got.until else 10**6
            scored = sum(e - s for s, e in recommend.corpus.CACHE.get(conn).window(lo, hi))
            times: list[float] = []
            start = time.perf_counter()
            for _ in range(requests):
                t = time.perf_counter()
                recommend.recommend(conn, mid, limit=20, days=14, **kw)
                times.append(time.perf_counter() - t)
                if budget and len(times) >= 30 and t - start > budget:
                    break
            real = sum(not p.trending for p in got.items)
            if label == "all time":
                prefiltered = [(p.paper_id, p.score) for p in got.items]
            elif label.endswith("scored"):
                same = [(p.paper_id, p.score) for p in got.items] == prefiltered
                print(f"  the prefiltered all-time picks are {'the same as' if same else 'NOT the same as'}"
                      " those of scoring every row (ids and scores)")
            calls = f", {len(times)} requests" if len(times) < requests else ""
            print(f"- {k} likes, {label} ({scored:,} papers, {real} picks{calls}): first {1000 * first:.1f} ms;"
                  f" {ms(times)}  ({load()})", flush=True)


def on_corpus(home: Path, size: int, requests: int, budget: float) -> None:
    """Part 2 on an existing search corpus (see the module's docstring)."""
    import search_corpus

    marker = home / "bench-corpus.json"
    state = json.loads(marker.read_text()) if marker.exists() else {}
    if state.get("size", 0) < size or "keyword index" not in state.get("seconds", {}):
        sys.exit(f"{home} holds no finished corpus of {size:,} papers (bench/search_corpus.py builds it)")
    url = search_corpus.build(home, size)  # built: starts (or joins) its server, builds nothing
    files = Path(tempfile.mkdtemp(prefix="pb-recspeed-foryou-"))
    try:
        with psycopg.connect(url, row_factory=dict_row) as conn:
            n = conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"]
            day = conn.execute("SELECT max(listed_on) AS d FROM papers").fetchone()["d"]
            print(f"\ncorpus {home}: {n:,} papers with vectors, newest day {day}; {blas()}  ({load()})")
            recommend.corpus.CACHE.share(files)
            t = time.perf_counter()
            recommend.corpus.CACHE.get(conn)
            print(f"first load of the corpus (building the shared file in {files}):"
                  f" {time.perf_counter() - t:.2f} s  ({load()})")
            recommend.corpus.CACHE.forget()
            t = time.perf_counter()
            people = CorpusMembers(conn)
            print(f"a second process's load (mapping that file): {time.perf_counter() - t:.2f} s;"
                  f" {memory()}\n", flush=True)
            try:
                recommend.refresh_member(conn, people.add(people.interest(12)))  # warm: imports, caches
                picks(conn, people, requests, budget)
            finally:
                conn.rollback()
                gone = conn.execute("DELETE FROM members WHERE email LIKE %s", ("m%@bench.example",)).rowcount
                conn.commit()
                print(f"\n{memory()}; removed the {gone} bench members")
    finally:
        recommend.corpus.CACHE.forget()
        shutil.rmtree(files, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="keep the database in this folder (and reuse it)")
    ap.add_argument("--members", type=int, default=10_000, help="members for the bulk refresh (10000; 0 skips it)")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--corpus", type=Path, help="only the picks, on this search corpus (bench/search_corpus.py)")
    ap.add_argument("--size", type=int, help="with --corpus: the corpus' size (it must be built)")
    ap.add_argument("--budget", type=float, default=90.0,
                    help="with --corpus: seconds a line may take before it stops (30 requests at least)")
    args = ap.parse_args()
    if args.corpus:
        if not args.size:
            sys.exit("--corpus needs --size")
        return on_corpus(args.corpus, args.size, args.requests, args.budget)
    if not VECTORS.exists():
        sys.exit(f"needs {VECTORS} (see ../shared/data/README.md)")
    home = args.keep or Path(tempfile.mkdtemp(prefix="pb-recspeed-"))
    try:
        url = fresh_database(home, "recspeed")
    except psycopg.errors.DuplicateDatabase:
        url = psycopg.conninfo.make_conninfo(embedded.start(home), dbname="recspeed")
    setup(url)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        conn.execute("DELETE FROM members")
        conn.commit()
        n = conn.execute("SELECT count(*) AS n FROM embeddings").fetchone()["n"]
        print(f"\ncorpus: {n:,} papers with vectors\n")
        t = time.perf_counter()
        recommend.corpus.CACHE.share(home)  # as served: the node's mapped file (built here)
        people = Members(conn)
        print(f"first load of the corpus (building {home}/foryou/…): {time.perf_counter() - t:.2f} s\n")

        recommend.refresh_member(conn, people.add(people.interest(12)))  # warm: imports, caches
        print("## A model refresh (read signals, fit, store)")
        for k in (5, 20, 100, 500):
            mid = people.add(people.likes(k))
            times = []
            for _ in range(5):
                conn.execute("UPDATE recommender_models SET fitted_seq = 0 WHERE member_id = %s", (mid,))
                conn.commit()
                t = time.perf_counter()
                recommend.refresh_member(conn, mid)
                times.append(time.perf_counter() - t)
            likes = conn.execute("SELECT count(*) AS n FROM votes WHERE member_id = %s", (mid,)).fetchone()["n"]
            print(f"- {likes} likes: {ms(times)}")
        two = people.add(people.interest(10) + people.interest(10))
        t = time.perf_counter()
        recommend.refresh_member(conn, two)
        print(f"- two interests, 20 likes: {1000 * (time.perf_counter() - t):.1f} ms\n")

        picks(conn, people, args.requests)

        if not args.members:
            return
        print(f"\n## {args.members:,} members")
        conn.execute("DELETE FROM members")
        conn.commit()
        t = time.perf_counter()
        ids = []
        for i in range(args.members):
            k = int(people.rng.integers(5, 41))
            likes = people.interest(k) if i % 3 else people.interest(k // 2) + people.interest(k - k // 2)
            ids.append(people.add(likes))
        print(f"made them with their votes in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        refit = recommend.refresh_stale(conn)
        took = time.perf_counter() - t
        print(f"- refit all {refit:,} models: {took:.0f} s ({1000 * took / max(refit, 1):.1f} ms a member)")
        day = conn.execute("SELECT max(listed_on) AS d FROM papers").fetchone()["d"]
        new = conn.execute("SELECT count(*) AS n FROM papers WHERE listed_on = %s", (day,)).fetchone()["n"]
        t = time.perf_counter()
        for mid in ids:
            recommend.recommend(conn, mid, since=day, until=day, limit=10)
        took = time.perf_counter() - t
        print(f"- picks among a day's {new} new papers ({day}) for every member: {took:.0f} s"
              f" ({1000 * took / len(ids):.1f} ms a member)")


if __name__ == "__main__":
    main()
