"""Measure the topic build (issue 25) on the 74,728 arXiv CS papers and their MiniLM vectors.

Run by hand:  .venv/bin/python bench/topics_build.py [--interests 200] [--seed 0]

Reported, for paperboy's build (src/paperboy/topics/compute.py: spherical k-means, c-TF-IDF
names, layout) over all the papers, as `paperboy topics build --since 1900-01-01` computes it:

* build time (the pure computation: reading 75,000 vectors from PostgreSQL adds a few seconds);
* NMI of the topics against the papers' primary arXiv categories (scikit-learn);
* category purity: the share of papers in their topic's most common primary category;
* interest purity: the interests of bench/recommend_quality.py (a seed and its 150 nearest
  neighbours sharing its primary category); for each, the share of its papers in its most
  common topic, averaged: how well a topic keeps one interest together;
* stability: a build over all papers but the last listed day, then the refresh adding that
  day (seeded with the first build's topics): the share of topics keeping their id;
* the map's payload: the JSON of the 8,000 points /topics asks for, raw and gzipped.

BERTopic's defaults (UMAP + HDBSCAN + c-TF-IDF) on the same vectors run too when bertopic,
umap-learn and hdbscan are importable; otherwise the report says they were not. `make
bench-topics` installs them into .bench/ (beside the venv, not into it) and runs this with them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from paperboy.topics.compute import compute  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
VECTORS = DATA / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"
INTEREST = 150


def load():
    rows = [json.loads(line) for line in gzip.open(JSONL, "rt")]
    vectors = np.load(VECTORS).astype(np.float32)
    return rows, vectors


def purity(labels: np.ndarray, truth: list[str]) -> float:
    by: dict[int, Counter] = {}
    for c, t in zip(labels, truth, strict=True):
        by.setdefault(int(c), Counter())[t] += 1
    return sum(c.most_common(1)[0][1] for c in by.values()) / len(truth)


def interests(vectors: np.ndarray, primary: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    """Seeds' 150 nearest neighbours of their own primary category (recommend_quality.py)."""
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    for s in rng.permutation(len(vectors)):
        same = np.flatnonzero(primary == primary[s])
        if len(same) <= INTEREST:
            continue
        sims = vectors[same] @ vectors[s]
        found.append(same[np.argsort(-sims)[:INTEREST]])
        if len(found) >= n:
            break
    return found


def interest_purity(labels: np.ndarray, groups: list[np.ndarray], outliers_apart: bool = False) -> float:
    """The mean share of an interest's papers in its most common topic. ``outliers_apart``:
    HDBSCAN's outliers (label -1) are no topic, so they count as misses, not as one more topic
    (counted as a topic, the outlier bin holds together whatever no topic took)."""
    def best(g: np.ndarray) -> int:
        counts = Counter(int(c) for c in labels[g] if not (outliers_apart and c == -1))
        return counts.most_common(1)[0][1] if counts else 0
    return float(np.mean([best(g) / len(g) for g in groups]))


def report(name: str, labels: np.ndarray, primary: list[str], groups, seconds: float) -> None:
    from sklearn.metrics import normalized_mutual_info_score

    k = len(set(labels.tolist()) - {-1})
    print(f"{name:<28} topics {k:>4}  NMI {normalized_mutual_info_score(primary, labels):.3f}  "
          f"category purity {purity(labels, primary):.3f}  interest purity {interest_purity(labels, groups):.3f}  "
          f"build {seconds:.1f} s", flush=True)
    if -1 in labels:
        print(f"{'':<28} outliers (label -1, in no topic) {np.mean(labels == -1):.1%};  interest purity "
              f"with outliers in no topic {interest_purity(labels, groups, outliers_apart=True):.3f}", flush=True)


def bertopic(rows, vectors, primary, groups) -> None:
    try:
        import hdbscan  # noqa: F401
        import umap  # noqa: F401
        from bertopic import BERTopic  # noqa: F401
    except ImportError as e:
        print(f"BERTopic defaults: not run ({e.name} is not installed in this environment)")
        return
    from bertopic import BERTopic

    docs = [f"{r['title']}. {r['abstract']}" for r in rows]
    started = time.monotonic()
    labels, _ = BERTopic().fit_transform(docs, embeddings=vectors)
    report("BERTopic defaults", np.asarray(labels), primary, groups, time.monotonic() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interests", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-bertopic", action="store_true")
    args = ap.parse_args()
    rows, vectors = load()
    ids = [r["id"] for r in rows]
    days = [date.fromisoformat(r["listed_on"]) for r in rows]
    titles = [r["title"] for r in rows]
    abstracts = [r["abstract"] for r in rows]
    primary = [(r["categories"] or ["?"])[0] for r in rows]
    groups = interests(vectors, np.array(primary), args.interests, args.seed)
    print(f"{len(rows)} papers, {len(set(primary))} primary categories, {len(groups)} interests of {INTEREST}")

    started = time.monotonic()
    built = compute(ids, days, vectors, titles, abstracts)
    seconds = time.monotonic() - started
    report("paperboy (k-means, c-TF-IDF)", built.labels, primary, groups, seconds)
    print("  stages (s):", built.seconds)
    for t in sorted(built.topics, key=lambda t: -t.growth)[:5]:
        print(f"  rising: {t.label} ({t.size} papers, growth {t.growth:+.2f})")

    last = max(days)
    before = [i for i, d in enumerate(days) if d < last]
    first = compute([ids[i] for i in before], [days[i] for i in before], vectors[before],
                    [titles[i] for i in before], [abstracts[i] for i in before])
    sets: list[set[str]] = [set() for _ in range(max(t.index for t in first.topics) + 1)]
    for i, c in zip(before, first.labels, strict=True):
        sets[int(c)].add(ids[i])
    old = [sets[t.index] for t in first.topics]
    refreshed = compute(ids, days, vectors, titles, abstracts, previous=old)
    kept = sum(1 for t in refreshed.topics if t.old is not None)
    print(f"stability: a refresh adding {len(rows) - len(before)} papers of {last} keeps "
          f"{kept}/{len(first.topics)} topic ids ({kept / len(first.topics):.0%})")

    sample = np.random.default_rng(0).choice(len(ids), 8000, replace=False)
    points = [{"id": ids[i], "x": round(float(built.xy[i, 0]), 4), "y": round(float(built.xy[i, 1]), 4),
               "topic": int(built.labels[i])} for i in sample]
    raw = json.dumps(points, separators=(",", ":")).encode()
    print(f"map payload: 8,000 points = {len(raw) / 1024:.0f} KB JSON, {len(gzip.compress(raw)) / 1024:.0f} KB gzipped")
    if not args.no_bertopic:
        bertopic(rows, vectors, primary, groups)


if __name__ == "__main__":
    main()
