"""Search latency at 75k and 1M papers: the whole search call, each leg alone, vector recall.

    .venv/bin/python bench/search_latency.py --home /work/bench/1m --size 1000000 [--queries 300]

The corpus (bench/search_corpus.py) is built in HOME on the first run and reused afterwards.

1. The whole search call (``Searcher.search``: query embedding, keyword leg, vector leg,
   fusion, fetching and highlighting the page of 20) over --queries distinct, varied queries:
   title fragments, abstract phrases, ideas, author searches, quoted phrases, a category
   filter, arXiv ids. Each step's share comes from the call's own clock.
   The server's buffers are first loaded with what searches read (pg_prewarm; --cold: not).
2. In the same run, each leg alone on the same queries: query encoding (cache cleared),
   the keyword leg (tantivy + ids), the vector leg (pgvector HNSW); then whole ÷ sum of legs.
3. Vector recall@10 of the HNSW index against exact search, at several ``ef_search`` values,
   with the HNSW query's own p50/p95 at each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import psycopg
from pgvector.psycopg import register_vector

from paperboy import embeddings
from paperboy.db import Database
from paperboy.search import Filters, Searcher, hybrid, semantic
from paperboy.search import query as q
from search_corpus import build, prewarm, real_papers  # bench/ (scripts run from bench/)

IDEAS = [
    "why do vision language models hallucinate objects", "making transformers cheaper for long documents",
    "robots learning from human videos", "detecting text written by language models",
    "protein structure prediction with diffusion", "evaluating reasoning of large language models",
    "speeding up inference with speculative decoding", "federated learning privacy attacks",
    "reinforcement learning from human feedback reward hacking", "3d scene reconstruction from few images",
    "graph neural networks for molecules", "compressing large language models with quantization",
    "video generation with consistent characters", "medical image segmentation with little labelled data",
    "autonomous driving trajectory prediction", "retrieval augmented generation for question answering",
    "jailbreaking chatbots with adversarial prompts", "mixture of experts routing load balancing",
    "speech recognition for low resource languages", "text to image models copying training data",
    "agents that use web browsers", "time series forecasting with foundation models",
    "code generation benchmarks contamination", "continual learning without forgetting",
    "explaining decisions of neural networks", "fairness of machine learning in hiring",
    "point cloud object detection", "weather forecasting with deep learning",
    "tokenizer free language models", "math word problems chain of thought",
    "sparse attention for long context", "knowledge distillation small student model",
    "uncertainty estimation in deep networks", "multilingual machine translation",
    "recommender systems with large language models", "image editing with instructions",
    "humanoid robot locomotion", "state space models instead of attention",
    "watermarking generated text", "privacy of training data membership inference",
]


def make_queries(records: list[dict], n: int, rng: random.Random) -> list[tuple[str, Filters | None]]:
    out: dict[str, Filters | None] = {}
    kind = 0
    while len(out) < n:
        r = rng.choice(records)
        words, abstract = r["title"].split(), r["abstract"].split()
        kind = (kind + 1) % 8
        if kind == 0:
            i = rng.randrange(max(1, len(words) - 3))
            text, f = " ".join(words[i:i + 3]), None
        elif kind == 1:
            i = rng.randrange(max(1, len(abstract) - 8))
            text, f = " ".join(abstract[i:i + 8]), None
        elif kind == 2:
            text, f = rng.choice(IDEAS) + " " + rng.choice(words).strip(":,").lower(), None
        elif kind == 3 and r["authors"]:
            text, f = f'author:"{rng.choice(r["authors"])}"', None
        elif kind == 4:
            i = rng.randrange(max(1, len(words) - 2))
            text, f = '"' + " ".join(words[i:i + 2]) + '"', None
        elif kind == 5:
            text, f = " ".join(words[:4]), Filters(category=rng.choice(r["categories"] or ["cs.LG"]))
        elif kind == 6:
            text, f = r["id"], None
        else:
            text, f = rng.choice(IDEAS) + " -survey", None
        out.setdefault(text, f)
    return list(out.items())


def pct(xs: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(xs, n=100)
    return cuts[49], cuts[94]


def clear_query_cache() -> None:
    for name in ("_query_vector", "encode_query"):
        fn = getattr(embeddings, name, None)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


def time_whole(db: Database, searcher: Searcher, queries) -> tuple[list[float], dict[str, list[float]]]:
    whole: list[float] = []
    steps: dict[str, list[float]] = {}
    with db.connection() as conn:
        for text, f in queries:
            t0 = time.perf_counter()
            res = searcher.search(conn, text, filters=f, limit=20)
            whole.append((time.perf_counter() - t0) * 1000)
            for step, ms in res.timings.items():
                steps.setdefault(step, []).append(ms)
    return whole, steps


def time_legs(db: Database, searcher: Searcher, queries) -> dict[str, list[float]]:
    legs: dict[str, list[float]] = {"encode": [], "keyword": [], "vector": []}
    with db.connection() as conn:
        for text, f in queries:
            parsed = q.parse(text)
            if parsed.arxiv_id:
                for leg in legs.values():
                    leg.append(0.0)
                continue
            clear_query_cache()
            t0 = time.perf_counter()
            vec = embeddings.encode_query(parsed.semantic) if parsed.semantic.strip() else None
            t1 = time.perf_counter()
            kw = hybrid._keyword_leg(conn, searcher.index.search(parsed.keyword, f, hybrid.DEPTH))
            t2 = time.perf_counter()
            if vec is not None:
                semantic.nearest(conn, vec, f, hybrid.DEPTH, candidates=kw.ids)
            t3 = time.perf_counter()
            legs["encode"].append((t1 - t0) * 1000)
            legs["keyword"].append((t2 - t1) * 1000)
            legs["vector"].append((t3 - t2) * 1000)
    return legs


def recall(url: str, queries, efs: list[int], n: int) -> None:
    texts = [t for t, f in queries if f is None and not q.parse(t).arxiv_id and q.parse(t).semantic.strip()][:n]
    vecs = [embeddings.encode_query(q.parse(t).semantic) for t in texts]
    with psycopg.connect(url) as conn:
        register_vector(conn)
        # the probe walks the index searches walk (semantic.probe_order: half precision)
        order = semantic.probe_order(conn).replace("%(v)s", "%s")
        conn.execute("SET max_parallel_workers_per_gather = 2")
        t0 = time.perf_counter()
        exact = [{r[0] for r in conn.execute(
            "SELECT paper_id FROM embeddings ORDER BY (embedding <=> %s) + 0 LIMIT 10", (v,))} for v in vecs]
        print(f"exact top-10 for {len(vecs)} queries: {(time.perf_counter() - t0) / len(vecs) * 1000:.0f} ms each")
        for ef in efs:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            got, ms = [], []
            for v in vecs:
                t = time.perf_counter()
                got.append({r[0] for r in conn.execute(
                    f"SELECT paper_id FROM embeddings ORDER BY {order} LIMIT 10", (v,))})  # noqa: S608
                ms.append((time.perf_counter() - t) * 1000)
            rec = statistics.mean(len(g & e) / 10 for g, e in zip(got, exact, strict=True))
            p50, p95 = pct(ms)
            print(f"  ef_search {ef:4d}: recall@10 {rec:.3f}   HNSW top-10 p50 {p50:5.1f} ms  p95 {p95:5.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True, help="corpus folder (built on first use, then reused)")
    ap.add_argument("--size", type=int, default=75000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--recall", type=int, default=100, help="queries for recall@10 (0: skip)")
    ap.add_argument("--ef", default="40,64,100,200", help="ef_search values for the recall table")
    ap.add_argument("--recall-only", action="store_true", help="only the recall table")
    ap.add_argument("--cold", action="store_true",
                    help="skip pg_prewarm: the server's buffers hold only what the warm-up queries read")
    args = ap.parse_args()
    url = build(args.home, args.size)
    if not args.cold:
        print(f"pg_prewarm of the searched tables and indexes: {prewarm(url):.1f} s")
    records, _ = real_papers()
    queries = make_queries(records, args.queries, random.Random(7))
    if args.recall_only:
        recall(url, queries, [int(e) for e in args.ef.split(",")], args.recall)
        return
    warm = make_queries(records, 40, random.Random(99))
    db = Database(url).open()
    with db.connection() as conn:
        n = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
        searcher = Searcher(args.home, conn, url=url)  # as `paperboy serve` searches
        for text, f in warm + queries:  # the model, the server's buffers, the embedding status
            searcher.search(conn, text, filters=f, limit=20)
    clear_query_cache()  # the measured calls encode their query, as a new query does
    whole, steps = time_whole(db, searcher, queries)
    legs = time_legs(db, searcher, queries)
    searcher.close()
    db.close()
    print(f"{n:,} papers, {len(queries)} distinct queries, 20 results a page")
    p50, p95 = pct(whole)
    print(f"  whole search call   p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  mean {statistics.mean(whole):6.1f} ms")
    for step, xs in steps.items():
        s50, s95 = pct(xs + [0.0] * (len(queries) - len(xs)))
        print(f"    step {step:<9}     p50 {s50:6.1f} ms  p95 {s95:6.1f} ms")
    total = [sum(v) for v in zip(*legs.values(), strict=True)]
    for name, xs in legs.items():
        l50, l95 = pct(xs)
        print(f"  leg alone: {name:<8} p50 {l50:6.1f} ms  p95 {l95:6.1f} ms")
    s50, s95 = pct(total)
    print(f"  sum of legs         p50 {s50:6.1f} ms  p95 {s95:6.1f} ms")
    print(f"  whole ÷ sum of legs: p50 {p50 / s50:.2f}  p95 {p95 / s95:.2f}  "
          f"mean {statistics.mean(whole) / statistics.mean(total):.2f}")
    if args.recall:
        recall(url, queries, [int(e) for e in args.ef.split(",")], args.recall)


if __name__ == "__main__":
    main()
