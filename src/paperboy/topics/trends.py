"""Weekly counts of a topic's papers and its growth against its own past.

A week is named by its Monday. Growth compares the topic's share of all papers in the last
RECENT weeks of the period with its share in the weeks before: 0.5 means it holds half as much
again of the field as it used to, -0.5 half as much. Shares, not raw counts, so a week when
arXiv lists more of everything does not make every topic rise. A topic younger than the
period (no past weeks) has growth 0: nothing to compare it with.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

RECENT = 4  # weeks


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly(days: list[date], labels: np.ndarray, k: int) -> tuple[list[date], np.ndarray]:
    """(every week of the period in order, counts k × weeks)."""
    if not days:
        return [], np.zeros((k, 0), np.int64)
    first, last = monday(min(days)), monday(max(days))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    col = np.array([(monday(d) - first).days // 7 for d in days], dtype=np.int64)
    counts = np.zeros((k, len(weeks)), np.int64)
    np.add.at(counts, (labels, col), 1)
    return weeks, counts


def growth(counts: np.ndarray, recent: int = RECENT) -> np.ndarray:
    """Each topic's growth (k values) from its weekly counts (k × weeks)."""
    k, w = counts.shape
    if w <= recent:
        return np.zeros(k, np.float32)
    total = counts.sum(axis=0).astype(np.float64)
    now = counts[:, -recent:].sum(1) / max(1.0, total[-recent:].sum())
    before = counts[:, :-recent].sum(1) / max(1.0, total[:-recent].sum())
    # +1 paper of smoothing in the past share, so a topic from nothing does not read as infinite
    floor = 1.0 / max(1.0, total[:-recent].sum())
    return np.where(before > 0, now / np.maximum(before, floor) - 1, 0.0).astype(np.float32)


def series(weeks: list[date], row: np.ndarray) -> list[dict]:
    return [{"week": w.isoformat(), "n": int(n)} for w, n in zip(weeks, row, strict=True)]
