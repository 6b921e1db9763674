"""The per-member ranking model: pure numpy (and scikit-learn for the linear part), no
database, so the quality benchmark measures exactly what the product runs.

Chosen by measurement (bench/recommend_quality.py, figures in docs/library.md):

* Vectors are **centred** on the corpus mean before any cosine. all-MiniLM-L6-v2 puts every
  abstract in one narrow cone; without centring, "similar to my papers" is dominated by
  "looks like an arXiv abstract". Centring alone lifts nDCG@10 by 3-4 points.
* The member's positives are grouped into **interests** (average-linkage clustering at a
  cosine distance of 0.95 in the centred space): a member who likes two topics gets both,
  not the average of the two, which matches neither. With few positives (`CHECK_SPLIT_UPTO`)
  a split must earn its place: each positive is left out in turn and ranked against the
  corpus sample by the centroids of the others, split as the clustering splits them, and by
  their single centroid; the split is kept only if it ranks the left-out positives higher,
  else only interests as far apart as `APART` stay apart (a lone paper of a far topic cannot
  be checked by leaving it out). Likes of one loose theme (a person's search listing)
  otherwise fall apart into singletons whose noisy neighbourhoods crowd the top ten; two
  distinct topics still split.
* Each interest scores a paper by its **centroid** when it holds few papers, and by a
  **linear SVM** of its papers against a sample of the corpus once it holds enough
  (`SVM_FROM`): with 20 likes the SVM finds what they share better than their mean; with
  5 it overfits.
* Scores are **z-scores against the corpus sample**, so interests of different sizes and
  kinds compare; a paper's score is its best interest's.
* A pick's **because** names only positives it is really close to: closer than
  `BECAUSE_QUANTILE` of the corpus sample is to that positive (a cut per positive, so it
  means the same on a small hub of one field as on a broad one). Calibrated on the real
  vectors: in the 75,018-paper bench corpus, with 5 likes of one saved HF listing, 74% of the
  listing's other papers pass and 20% of random ones (0.98: 58% and 9%, too strict on a small
  hub: 3 of the demo's video papers passed for a member of 6 video upvotes; 0.9 let robot
  papers through). Below the cut a paper is no pick: trending papers fill the page instead.
* "Not interested" papers pull down what resembles them: minus `NEG_WEIGHT` × how far the
  paper's similarity to the nearest rejected one stands out of the corpus (z above 0).
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLUSTER_DISTANCE = 0.95   # cosine distance (centred space) under which likes share an interest
SVM_FROM = 10             # an interest with this many papers or more is scored by a linear SVM
SVM_C = 1.0
NEG_WEIGHT = 0.5
BACKGROUND = 2000         # corpus vectors sampled as the SVM's negatives and the z-score reference
CHECK_SPLIT_UPTO = 50     # up to this many positives, a split into interests is checked (above)
APART = 1.1               # ... and one that fails the check still keeps interests this far apart
MAX_FIT = 2000            # positives a fit reads at most (a sample of the rest: see fit)
BECAUSE_QUANTILE = 0.95


def centre(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Subtract the corpus mean and L2-normalise each row (float32)."""
    z = np.asarray(vectors, dtype=np.float32) - mean
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return (z / np.maximum(norms, 1e-9)).astype(np.float32)


def interests(pos: np.ndarray, distance: float = CLUSTER_DISTANCE) -> np.ndarray:
    """A label per positive row: which interest it belongs to."""
    if len(pos) < 2:
        return np.zeros(len(pos), dtype=int)
    from sklearn.cluster import AgglomerativeClustering  # heavy import: only when fitting

    return AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    ).fit_predict(pos)


def _left_out_rank(left: np.ndarray, groups: list[np.ndarray], background: np.ndarray) -> float:
    """The share of the background scored at least as high as ``left`` by the centroids of
    ``groups`` (best z-score over the groups, as the model scores): lower is better."""
    w = np.stack([c / max(float(np.linalg.norm(c)), 1e-9) for c in (g.mean(axis=0) for g in groups)], axis=1)
    ref = background @ w
    mean, std = ref.mean(axis=0), np.maximum(ref.std(axis=0), 1e-6)
    zb = ((ref - mean) / std).max(axis=1)
    return float((zb >= ((left @ w - mean) / std).max()).mean())


def split_helps(pos: np.ndarray, background: np.ndarray, distance: float = CLUSTER_DISTANCE) -> bool:
    """Whether splitting ``pos`` into interests ranks each positive, left out in turn, higher
    than their single centroid does (see the module's docstring)."""
    single, split = 0.0, 0.0
    for i in range(len(pos)):
        rest = np.delete(pos, i, axis=0)
        single += _left_out_rank(pos[i], [rest], background)
        g = interests(rest, distance)
        split += _left_out_rank(pos[i], [rest[g == k] for k in np.unique(g)], background)
    return split < single


def _svm(pos: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.svm import LinearSVC  # heavy import: only when fitting

    x = np.vstack([pos, background])
    y = np.r_[np.ones(len(pos)), np.zeros(len(background))]
    clf = LinearSVC(C=SVM_C, class_weight="balanced", max_iter=5000, tol=1e-4)
    with warnings.catch_warnings():  # a few iterations short of tolerance ranks the same
        warnings.simplefilter("ignore")
        clf.fit(x, y)
    w = clf.coef_[0].astype(np.float32)
    n = float(np.linalg.norm(w)) or 1.0
    return w / n, float(clf.intercept_[0]) / n


@dataclass
class Model:
    """Interests as columns of ``w`` (centred space) with bias ``b`` and z-score reference
    ``mean``/``std``; rejected papers as rows of ``neg`` with their reference."""

    w: np.ndarray                      # d × interests
    b: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    neg: np.ndarray                    # rejected papers, centred (n × d), maybe empty
    neg_mean: float = 0.0
    neg_std: float = 1.0
    pos: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    labels: list[dict[str, Any]] = field(default_factory=list)  # one per row of pos
    kind: str = "interests"
    cut: np.ndarray | None = None      # per positive: how close a pick must be to be "because" of it

    @property
    def has_cut(self) -> bool:
        return self.cut is not None and len(self.cut) == len(self.pos)

    def cut_on(self, background: np.ndarray) -> np.ndarray:
        """Each positive's because cut: the ``BECAUSE_QUANTILE`` of the background's
        similarities to it (kept; a model stored before cuts existed gets them here)."""
        if not self.has_cut:
            self.cut = (np.quantile(background @ self.pos.T, BECAUSE_QUANTILE, axis=0).astype(np.float32)
                        if len(self.pos) and len(background) else np.full(len(self.pos), np.inf, np.float32))
        return self.cut

    def score(self, xc: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
        """Scores of centred vectors (rows of ``xc``, each times ``scale``'s entry if given:
        For you's int8 rows, scaled after the product, on n × interests numbers instead of
        n × 384); higher is better."""
        xw = xc @ self.w
        if scale is not None:
            xw *= scale[:, None]
        near = None
        if len(self.neg):
            near = xc @ self.neg.T
            if scale is not None:
                near *= scale[:, None]
        return self.combine(xw, near)

    def combine(self, xw: np.ndarray, near: np.ndarray | None) -> np.ndarray:
        """Scores from the rows' products with the interests' weights (n × interests) and
        with the rejected papers (n × rejected; None without any): the model is linear up to
        here, so recommend/prefilter.py feeds it approximate products."""
        s = ((xw + self.b - self.mean) / self.std).max(axis=1)
        if near is not None and len(self.neg):
            s = s - NEG_WEIGHT * np.maximum(0.0, (near.max(axis=1) - self.neg_mean) / self.neg_std)
        return s

    def because(self, xc: np.ndarray, n: int = 2) -> list[list[int]]:
        """For each row, the indices of the (up to) n positives it is closest to, among those
        it is really close to (above each one's cut): empty when it is close to none."""
        if not len(self.pos) or self.cut is None:
            return [[] for _ in range(len(xc))]
        sims = xc @ self.pos.T
        sims = np.where(sims >= self.cut, sims, -np.inf)
        order = np.argsort(-sims, axis=1)[:, :n]
        return [[int(j) for j in row if np.isfinite(sims[r, j])] for r, row in enumerate(order)]

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, w=self.w, b=self.b, mean=self.mean, std=self.std, neg=self.neg,
                 neg_ref=np.array([self.neg_mean, self.neg_std], np.float32), pos=self.pos,
                 cut=self.cut if self.cut is not None else np.zeros(0, np.float32),
                 labels=np.frombuffer(json.dumps(self.labels).encode(), dtype=np.uint8))
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        z = np.load(io.BytesIO(data))
        neg_ref = z["neg_ref"]
        return cls(w=z["w"], b=z["b"], mean=z["mean"], std=z["std"], neg=z["neg"],
                   neg_mean=float(neg_ref[0]), neg_std=float(neg_ref[1]), pos=z["pos"],
                   labels=json.loads(z["labels"].tobytes().decode()),
                   cut=z["cut"] if "cut" in z.files and len(z["cut"]) == len(z["pos"]) else None)


def fit(pos: np.ndarray, background: np.ndarray, neg: np.ndarray | None = None,
        labels: list[dict[str, Any]] | None = None, svm_from: int = SVM_FROM,
        distance: float = CLUSTER_DISTANCE, apart: float = APART,
        check_split: int = CHECK_SPLIT_UPTO) -> Model:
    """Fit a member's model. Every array is already centred (``centre``); ``background``
    is a sample of the corpus. ``pos`` must hold at least one row. ``check_split=0`` fits as
    before the split check (the benchmark's "before")."""
    if not len(pos):
        raise ValueError("a model needs at least one positive")
    if len(pos) > MAX_FIT:
        # A library of 50,000 entries is summarised by a fixed sample (the same for the same
        # signals): clustering is quadratic in the positives (10,000 took 13 s and 959 MB;
        # 50,000 would need some 20 GB), and the stored model keeps only what it was fit on.
        keep = np.sort(np.random.default_rng(len(pos)).choice(len(pos), MAX_FIT, replace=False))
        pos = pos[keep]
        labels = [labels[i] for i in keep] if labels else None
    neg = np.zeros((0, pos.shape[1]), np.float32) if neg is None else neg
    ws, bs = [], []
    groups = interests(pos, distance)
    if len(np.unique(groups)) > 1 and len(pos) <= check_split and not split_helps(pos, background, distance):
        groups = interests(pos, apart)
    for g in np.unique(groups):
        rows = pos[groups == g]
        if len(rows) >= svm_from:
            w, b = _svm(rows, background)
        else:
            c = rows.mean(axis=0)
            w, b = c / max(float(np.linalg.norm(c)), 1e-9), 0.0
        ws.append(w.astype(np.float32))
        bs.append(b)
    w = np.stack(ws, axis=1)
    b = np.asarray(bs, np.float32)
    ref = background @ w + b
    model = Model(w=w, b=b, mean=ref.mean(axis=0), std=np.maximum(ref.std(axis=0), 1e-6),
                  neg=neg.astype(np.float32), pos=pos.astype(np.float32),
                  labels=list(labels or [{} for _ in range(len(pos))]))
    model.cut_on(background)
    if len(neg):
        near = (background @ neg.T).max(axis=1)
        model.neg_mean, model.neg_std = float(near.mean()), max(float(near.std()), 1e-6)
    return model


def centroid(pos: np.ndarray) -> Model:
    """The plain centroid of the (uncentred) likes: the baseline the benchmark beats."""
    c = pos.mean(axis=0)
    c = (c / max(float(np.linalg.norm(c)), 1e-9)).astype(np.float32)[:, None]
    return Model(w=c, b=np.zeros(1, np.float32), mean=np.zeros(1, np.float32),
                 std=np.ones(1, np.float32), neg=np.zeros((0, len(c)), np.float32),
                 pos=pos.astype(np.float32), kind="centroid")
