"""Measure For you's ranking quality on simulated members of real topical structure.

Run by hand:  .venv/bin/python bench/recommend_quality.py [--members 100] [--seed 0]

Corpus: the 74,728 arXiv CS papers of ../shared/data/arxiv-cs-2025-2026.jsonl.gz with their
all-MiniLM-L6-v2 vectors (the .f16.npy beside it; the same model the product runs).

An *interest* is a seed paper and its 150 nearest neighbours that share its primary arXiv
category (the categories and the nearest-neighbour structure of the vectors). Seeds are
drawn at random among papers whose interest is full (150 papers).

* one interest, k likes: the member likes k papers of one interest; the other 150 - k are
  held out;
* two interests, k likes: likes drawn from two unrelated interests (different primary
  categories, seed cosine < 0.1), ceil(k/2) from the first and floor(k/2) from the second;
  both remainders are held out.

Each member's ranking covers the whole corpus except their likes; a held-out paper is
relevant. Reported: precision@10, recall@100 (of all held-out papers) and nDCG@10 (binary
relevance), averaged over the members, for

* **trending-only**: what a member without a model sees. The arXiv corpus has no votes, so
  the trending formula ranks by age alone: newest listing day first (ties in random order);
* **centroid**: cosine to the plain mean of the likes (the zotero-arxiv-daily idea);
* **paperboy**: recommend/model.py as the product runs it (`fit`): centred vectors,
  interests, centroid or linear SVM per interest, z-scores.

The same simulated members are scored by every method in one run.

Interests shaped like a person's (``--people``): the three saved HF listings of
../shared/data/hf-papers-pages (one theme each, as a person searching saw them; loose, unlike
the tight neighbourhoods above). A member likes k papers of one listing; the rest of the
listing is held out. Corpora: the listings among ten days of HF Daily (tests/recommend/
listings.py: 290 papers), and the same 290 added to the 74,728 arXiv papers. Methods:
centroid, paperboy as it fitted before the split check (``check_split=0``, interests 0.95
apart whatever their size), and paperboy now. Vectors of the 290 are computed once with the
product's encoder and kept in bench/cache/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.recommend import listings  # noqa: E402

from paperboy.recommend import model as rec  # noqa: E402
from paperboy.recommend import shared  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"
INTEREST = 150


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vectors = np.load(VECTORS).astype(np.float32)
    cats, days = [], []
    with gzip.open(JSONL, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            c = d["categories"]
            cats.append((c[0] if isinstance(c, list) else c.split()[0]) if c else "")
            days.append(d["listed_on"])
    return vectors, np.array(cats), np.array(days)


class Sim:
    def __init__(self, vectors: np.ndarray, cats: np.ndarray, days: np.ndarray, seed: int,
                 store: str = "int8") -> None:
        self.x = vectors
        self.cats = cats
        self.rng = np.random.default_rng(seed)
        self.mean = vectors.mean(axis=0)
        self.xc = rec.centre(vectors, self.mean)
        if store == "int8":  # what For you scores: the shared file's vectors, decoded
            self.xc = shared.decode(*shared.encode(self.xc))
        self.background = self.xc[self.rng.choice(len(vectors), rec.BACKGROUND, replace=False)]
        # newest listing day first, ties in random order
        order = np.lexsort((self.rng.random(len(days)), np.array([-int(d.replace("-", "")) for d in days])))
        self.trending = np.empty(len(days), np.float32)
        self.trending[order] = -np.arange(len(days), dtype=np.float32)

    def interest(self, seed: int) -> np.ndarray:
        same = np.flatnonzero(self.cats == self.cats[seed])
        sims = self.x[same] @ self.x[seed]
        return same[np.argsort(-sims)][:INTEREST]

    def full_interest(self) -> tuple[int, np.ndarray]:
        while True:
            s = int(self.rng.integers(len(self.x)))
            it = self.interest(s)
            if len(it) == INTEREST:
                return s, it

    def member(self, k: int, two: bool) -> tuple[np.ndarray, np.ndarray]:
        if not two:
            _, it = self.full_interest()
            likes = self.rng.choice(it, k, replace=False)
            return likes, np.setdiff1d(it, likes)
        while True:
            a, ia = self.full_interest()
            b, ib = self.full_interest()
            if self.cats[a] != self.cats[b] and float(self.x[a] @ self.x[b]) < 0.1:
                break
        ka = (k + 1) // 2
        likes = np.r_[self.rng.choice(ia, ka, replace=False), self.rng.choice(ib, k - ka, replace=False)]
        return likes, np.setdiff1d(np.r_[ia, ib], likes)


def metrics(scores: np.ndarray, likes: np.ndarray, held: np.ndarray) -> tuple[float, float, float]:
    s = scores.astype(np.float64, copy=True)
    s[likes] = -np.inf
    top = np.argpartition(-s, 100)[:100]
    top = top[np.argsort(-s[top], kind="stable")]
    rel = np.isin(top, held)
    dcg = float((rel[:10] / np.log2(np.arange(2, 12))).sum())
    idcg = float((1 / np.log2(np.arange(2, 2 + min(10, len(held))))).sum())
    return float(rel[:10].mean()), float(rel.sum() / len(held)), dcg / idcg


def people(big: np.ndarray, trials: int, seed: int) -> None:
    """precision@10 for members who like k papers of one saved listing (see the docstring)."""
    texts, themes = listings.papers()
    (ROOT / "bench" / "cache").mkdir(exist_ok=True)
    small = listings.vectors(texts, ROOT / "bench" / "cache" / "listings.minilm.npy")
    methods = {"centroid": None,
               "paperboy before": dict(check_split=0, apart=rec.CLUSTER_DISTANCE), "paperboy": {}}
    print("| corpus | k | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for name, x, th in (("290 papers", small, themes),
                        (f"{len(big) + len(small):,} papers", np.vstack([big, small]),
                         np.r_[np.full(len(big), -1), themes])):
        rng = np.random.default_rng(seed)
        xc = rec.centre(x, x.mean(axis=0))
        background = xc[rng.choice(len(x), min(rec.BACKGROUND, len(x)), replace=False)]
        for k in (5, 20):
            res: dict[str, list[float]] = {m: [] for m in methods}
            for theme in range(3):
                members = np.flatnonzero(th == theme)
                for _ in range(trials):
                    likes = rng.choice(members, k, replace=False)
                    held = np.setdiff1d(members, likes)
                    for m, kw in methods.items():
                        s = (rec.centroid(x[likes]).score(x) if kw is None
                             else rec.fit(xc[likes], background, **kw).score(xc))
                        res[m].append(metrics(s, likes, held)[0])
            print(f"| {name} | {k} | " + " | ".join(f"{np.mean(r):.3f}" for r in res.values()) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=100, help="simulated members per row (100)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--people", action="store_true",
                    help="interests shaped like a person's: the saved listings (precision@10)")
    ap.add_argument("--trials", type=int, default=40, help="members per listing with --people (40)")
    ap.add_argument("--store", choices=("float32", "int8"), default="int8",
                    help="centred vectors as the product stores them (recommend/shared.py: int8 with a"
                         " per-row scale, the default) or as float32 (before the shared file)")
    args = ap.parse_args()
    if not VECTORS.exists():
        sys.exit(f"needs {VECTORS} (see ../shared/data/README.md)")
    if args.people:
        people(np.load(VECTORS).astype(np.float32), args.trials, args.seed)
        return
    t0 = time.perf_counter()
    sim = Sim(*load(), seed=args.seed, store=args.store)
    print(f"corpus: {len(sim.x):,} papers ({args.store}), loaded in {time.perf_counter() - t0:.1f} s; "
          f"{args.members} simulated members per row\n")
    methods = ("trending-only", "centroid", "paperboy")
    print("| member | k | method | precision@10 | recall@100 | nDCG@10 |")
    print("|---|---|---|---|---|---|")
    losses = []
    for two, k in ((False, 5), (False, 20), (True, 5), (True, 20)):
        res: dict[str, list[tuple[float, float, float]]] = {m: [] for m in methods}
        fit_times = []
        for _ in range(args.members):
            likes, held = sim.member(k, two)
            res["trending-only"].append(metrics(sim.trending, likes, held))
            res["centroid"].append(metrics(rec.centroid(sim.x[likes]).score(sim.x), likes, held))
            t = time.perf_counter()
            m = rec.fit(sim.xc[likes], sim.background)
            fit_times.append(time.perf_counter() - t)
            res["paperboy"].append(metrics(m.score(sim.xc), likes, held))
        means = {m: np.mean(res[m], axis=0) for m in methods}
        who = "two interests" if two else "one interest"
        for m in methods:
            p, r, n = means[m]
            print(f"| {who} | {k} | {m} | {p:.3f} | {r:.3f} | {n:.3f} |")
        if np.any(means["paperboy"] <= means["centroid"]):
            losses.append(f"{who}, k={k}")
        print(f"|  |  | (fit: mean {1000 * np.mean(fit_times):.0f} ms, max {1000 * np.max(fit_times):.0f} ms) |  |  |  |",
              flush=True)
    print("\npaperboy beats the centroid on every cell" if not losses
          else f"\npaperboy does NOT beat the centroid on: {'; '.join(losses)}")


if __name__ == "__main__":
    main()
