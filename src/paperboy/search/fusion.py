"""Fusing the keyword leg (BM25) and the semantic leg (nearest vectors) into one ranking.

Three rules, each measured on development data only (bench/search_quality.py --tune: the
CACM dev queries and the dev half of the known-item set of bench/known_items.py):

1. **Scores, not ranks.** Each leg's scores are mapped to [0, 1] between its best candidate
   and its 100th (``normalised``) and summed with weights:

       fused(d) = W_KEYWORD * kw(d) + W_SEMANTIC * trust * sem(d)

   A paper a leg did not return counts 0 there. Unlike reciprocal rank fusion, this keeps how
   far a leg's top stands above the rest: a keyword leg whose best hit (a rare name, most of a
   title) scores far above its next ones gives that paper nearly the whole keyword weight and
   the runners-up little, so a semantic leg that disagrees cannot overtake it; a keyword leg
   with flat scores (common words only) leaves the order to the semantic leg. W_SEMANTIC is
   below W_KEYWORD, so the semantic leg's favourite, without a keyword match, stays below the
   keyword leg's clear favourite.
2. **Semantic trust.** The semantic leg's weight is scaled by how close its best paper is to
   the query: fully at a cosine similarity of SEMANTIC_TRUST[1] or more, not at all at
   SEMANTIC_TRUST[0] or less, linearly between. A query the model cannot place (a name, a
   fragment of an abstract) finds no paper close, and its neighbours are noise.
3. **Title matches first.** A keyword hit whose normalised title the query nearly spells out
   goes before every other paper: at least TITLE_COVER of the title's words are in the query,
   and at least TITLE_PRECISION of the query's words are in the title (a word or two
   forgotten or misspelt). A title equal to the query goes before those. Among themselves,
   title matches keep their fused order.

When one leg is empty (keyword or semantic mode, no vectors yet), the other's order is kept.
When the query uses phrases, fields or exclusions (``strict``), only papers matching the
keyword query are kept (the semantic leg still helps order them).

Reciprocal rank fusion (``rrf``, ``method="ranks"``), the rule before these, stays for
comparison: on the dev data it ranked known items below the keyword leg alone. Weights from
the legs' top-score gaps (BM25 top1/top2, cosine top1 - top2) on top of rank fusion, and a
logistic model over normalised scores, leg membership and title overlap, did no better on the
dev data and are not used. Figures: docs/search.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paperboy.papers.record import normalise_title
from paperboy.search import query as q

FLOOR_RANK = 100  # a leg's scores are normalised between its best and its 100th


@dataclass(frozen=True)
class Params:
    """The fusion's constants (the benchmark varies them; ``None`` switches a rule off)."""

    method: str = "scores"  # "scores": normalised scores summed; "ranks": reciprocal rank fusion
    w_keyword: float = 1.0
    w_semantic: float = 0.8
    semantic_trust: tuple[float, float] | None = (0.3, 0.6)  # best cosine: no trust .. full trust
    title_cover: float | None = 0.7  # share of a title's words the query must contain ...
    title_precision: float = 0.75  # ... and share of the query's words that must be title words
    k: float = 20  # reciprocal rank fusion's constant (method "ranks")


# Chosen on the CACM dev queries and the known-item dev queries (bench/search_quality.py --tune).
PARAMS = Params()
# Reciprocal rank fusion as it was before (bench: the baseline of the grid).
RRF = Params(method="ranks", w_semantic=0.8, semantic_trust=None, title_cover=None)
K = PARAMS.k
W_KEYWORD = PARAMS.w_keyword
W_SEMANTIC = PARAMS.w_semantic
SEMANTIC_TRUST = PARAMS.semantic_trust
TITLE_COVER = PARAMS.title_cover
TITLE_PRECISION = PARAMS.title_precision


@dataclass
class Leg:
    """One leg's answer, best first: paper ids and their scores (BM25 for the keyword leg,
    cosine similarity for the semantic leg); ``titles`` holds the normalised title
    (``papers.title_key``) of each keyword hit."""

    ids: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)


def rrf(legs: list[tuple[list[str], float]], k: float | None = None) -> dict[str, float]:
    """Reciprocal rank fusion of ranked id lists, each with its weight."""
    k = K if k is None else k
    fused: dict[str, float] = {}
    for ids, weight in legs:
        for rank, pid in enumerate(ids, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
    return fused


def normalised(leg: Leg, floor: float | None) -> dict[str, float]:
    """Each candidate's score mapped to [0, 1]: 1 for the leg's best, 0 for its FLOOR_RANK-th
    and below (so a deeper page does not change the order of the first ones). A shorter leg's
    bottom is ``floor`` (0 for BM25: a paper the leg left out matches no word), or its last
    score when ``floor`` is None; a leg whose scores are all equal maps them all to 1."""
    s = leg.scores
    if not s:
        return {}
    lo = s[FLOOR_RANK - 1] if len(s) >= FLOOR_RANK else (s[-1] if floor is None else floor)
    span = s[0] - lo
    if span <= 0:
        return dict.fromkeys(leg.ids, 1.0)
    return {pid: max(0.0, (x - lo) / span) for pid, x in zip(leg.ids, s, strict=False)}


def trust(semantic: Leg, bounds: tuple[float, float] | None) -> float:
    """How far to trust the semantic leg, 0..1, from its best cosine similarity."""
    if bounds is None or not semantic.scores:
        return 1.0
    lo, hi = bounds
    return min(1.0, max(0.0, (semantic.scores[0] - lo) / (hi - lo)))


def title_tiers(keyword: Leg, parsed: q.Query, cover: float, precision: float) -> dict[str, int]:
    """Keyword hits whose title the query (nearly) spells out: 2 when title and query are
    equal once normalised, 1 when they nearly are."""
    typed = normalise_title(" ".join(parsed.words))
    query = set(typed.split())
    if not query:
        return {}
    tiers = {}
    for pid in keyword.ids:
        key = keyword.titles.get(pid, "")
        title = set(key.split())
        if not title:
            continue
        shared = len(title & query)
        if key == typed:
            tiers[pid] = 2
        elif shared >= cover * len(title) and shared >= precision * len(query):
            tiers[pid] = 1
    return tiers


def fuse(keyword: Leg, semantic: Leg, parsed: q.Query, *, strict: bool = False) -> dict[str, float]:
    """Each candidate's fused score (higher is better). ``strict``: only keyword matches
    may be returned (a hybrid search whose query has phrases, fields or exclusions)."""
    return fuse_with(keyword, semantic, parsed, strict=strict)


def fuse_with(keyword: Leg, semantic: Leg, parsed: q.Query, *, strict: bool = False,
              params: Params | None = None) -> dict[str, float]:
    """:func:`fuse` with other constants (the benchmark's grid)."""
    p = params or PARAMS
    allowed = set(keyword.ids) if strict else None
    semantic_ids = semantic.ids if allowed is None else [pid for pid in semantic.ids if pid in allowed]
    if not keyword.ids or not semantic_ids:  # one leg alone: its own order
        return rrf([(keyword.ids, p.w_keyword), (semantic_ids, p.w_semantic)], k=p.k)
    w_sem = p.w_semantic * trust(semantic, p.semantic_trust)
    if p.method == "ranks":
        fused = rrf([(keyword.ids, p.w_keyword), (semantic_ids, w_sem)], k=p.k)
    else:
        fused = {pid: p.w_keyword * x for pid, x in normalised(keyword, 0.0).items()}
        for pid, x in normalised(semantic, None).items():  # normalised over the whole leg
            if allowed is None or pid in allowed:
                fused[pid] = fused.get(pid, 0.0) + w_sem * x
    if p.title_cover is not None:
        bonus = max(fused.values()) + 1.0
        for pid, tier in title_tiers(keyword, parsed, p.title_cover, p.title_precision).items():
            fused[pid] += tier * bonus  # before every paper without a (closer) title match
    return fused
