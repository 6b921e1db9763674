"""One topic build, pure: papers (ids, days, vectors, titles, abstracts) in, topics out.
No database here (build.py reads and stores); bench/topics_build.py calls this directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from paperboy.topics import cluster, layout, matching, naming, trends


@dataclass
class Topic:
    index: int               # the cluster's row in the build
    keywords: list[str]
    label: str
    size: int
    weekly: list[dict]
    growth: float
    x: float
    y: float
    old: int | None = None   # the index (in ``previous``) of the old topic it continues


@dataclass
class Build:
    topics: list[Topic]
    labels: np.ndarray       # each paper's cluster
    xy: np.ndarray           # each paper's position on the map
    seconds: dict[str, float] = field(default_factory=dict)


def _warm(x: np.ndarray, ids: list[str], previous: list[set[str]], k: int) -> np.ndarray | None:
    """The previous topics' centroids over today's vectors (largest first), to start from."""
    if not previous:
        return None
    row = {pid: i for i, pid in enumerate(ids)}
    found = [[row[p] for p in papers if p in row] for papers in previous]
    found = sorted((f for f in found if len(f) >= 2), key=len, reverse=True)[:k]
    if not found:
        return None
    sums = np.array([x[f].sum(axis=0) for f in found], np.float32)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def compute(ids: list[str], days: list[date], vectors: np.ndarray, titles: list[str],
            abstracts: list[str], previous: list[set[str]] | None = None,
            k: int | None = None, step: Callable[[str], None] | None = None) -> Build:
    """Topics of the papers given; ``previous``: the paper sets of the topics of the last
    build (their order is what ``Topic.old`` indexes). ``step`` is told each stage's name."""
    def stage(name: str) -> None:
        if step:
            step(name)
        seconds[name] = time.monotonic()

    seconds: dict[str, float] = {}
    previous = previous or []
    k = cluster.choose_k(len(ids)) if k is None else k
    if k < 2 or len(ids) < k:
        return Build([], np.zeros(len(ids), np.int32), np.zeros((len(ids), 2), np.float32))
    start = time.monotonic()
    stage("clustering")
    x = cluster.normalise(vectors)
    labels, centroids = cluster.spherical_kmeans(x, k, warm=_warm(x, ids, previous, k))
    stage("naming")
    keywords = naming.name(naming.documents(titles, abstracts), labels, k)
    stage("placing")
    xy, at = layout.place(x, labels, centroids)
    stage("matching")
    weeks, counts = trends.weekly(days, labels, k)
    growth = trends.growth(counts)
    members: list[set[str]] = [set() for _ in range(k)]
    for pid, c in zip(ids, labels, strict=True):
        members[c].add(pid)
    kept = matching.match(members, previous)
    topics = [Topic(index=c, keywords=keywords[c], label=naming.label(keywords[c], f"topic {c + 1}"),
                    size=len(members[c]), weekly=trends.series(weeks, counts[c]),
                    growth=float(growth[c]), x=float(at[c, 0]), y=float(at[c, 1]), old=kept.get(c))
              for c in range(k) if members[c]]
    marks = sorted(seconds.items(), key=lambda kv: kv[1]) + [("end", time.monotonic())]
    spent = {name: round(marks[i + 1][1] - t, 3) for i, (name, t) in enumerate(marks[:-1])}
    spent["total"] = round(time.monotonic() - start, 3)
    return Build(topics, labels, xy, spent)
