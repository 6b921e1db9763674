"""The grid used to choose the constants of search/fusion.py (bench/search_quality.py --tune).

Every setting replays fusion on the legs ``Searcher.search`` produced (retrieval.capture), so
the whole grid costs no search. Development data only: the CACM dev queries (nDCG@10 /
MRR@10 / recall@100) and the dev half of the known-item set (MRR@10, overall and per kind);
the test half is measured once, for the shipped constants, by known_items.measure.

The rule for choosing: known-item dev MRR@10 at least the better single leg's, CACM dev
nDCG@10 not below reciprocal rank fusion's (the rule before) by more than 0.005; among those,
a setting inside a plateau of its neighbours rather than a lone peak.
"""

from __future__ import annotations

import dataclasses
import itertools

from known_items_gen import KINDS
from paperboy.search import fusion
from paperboy.search.fusion import Params
from retrieval import mrr, replay, scores

ALL_KINDS = ("hand", *KINDS)
WEIGHTS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
TRUSTS = (None, (0.2, 0.6), (0.3, 0.6), (0.3, 0.7), (0.4, 0.7))
TITLES = (None, (0.6, 0.6), (0.7, 0.75), (0.8, 0.8), (1.0, 1.0))


def settings() -> list[tuple[tuple, Params]]:
    """(grid axes, constants): rank fusion by K, weight and title rule; score fusion by
    semantic weight, semantic trust and title rule."""
    rows: list[tuple[tuple, Params]] = []
    for k, w, title in itertools.product((10, 20, 40, 60), (0.6, 0.8, 1.0), (None, (0.7, 0.75))):
        rows.append((("ranks", k, w, title), dataclasses.replace(
            fusion.RRF, k=k, w_semantic=w, title_cover=title and title[0],
            title_precision=title[1] if title else 0.75)))
    for w, t, title in itertools.product(WEIGHTS, TRUSTS, TITLES):
        rows.append((("scores", w, t, title), Params(
            method="scores", w_semantic=w, semantic_trust=t, title_cover=title and title[0],
            title_precision=title[1] if title else 0.75)))
    return rows


CHOSEN = ("scores", fusion.PARAMS.w_semantic, fusion.PARAMS.semantic_trust,
          (fusion.PARAMS.title_cover, fusion.PARAMS.title_precision))


def grid(cacm: tuple | None, known: tuple | None) -> None:
    """Print the grid: every rank-fusion setting, the chosen score-fusion setting with its
    neighbours, and the ten best score-fusion settings that keep CACM within the bound."""
    print("\nFusion grid (dev data only; CACM nDCG@10 / MRR@10 / R@100; known items MRR@10 "
          "overall | " + " ".join(ALL_KINDS) + ")")
    if known:
        legs, rel, items = known
        dev = [i for i in rel if items[i]["split"] == "dev"]
        groups = [dev] + [[i for i in dev if items[i]["kind"] == k] for k in ALL_KINDS]

    def measure(fn) -> tuple[list[float], str]:
        nums, out = [], ""
        if cacm:
            nums = list(scores({i: fn(g) for i, g in cacm[0].items()}, cacm[1]))
            out += "CACM {:.3f} / {:.3f} / {:.3f}   ".format(*nums)
        if known:
            runs = {i: fn(legs[i]) for i in dev}
            ki = [mrr(runs, rel, which) for which in groups]
            nums += ki
            out += f"known {ki[0]:.3f} | " + " ".join(f"{x:.3f}" for x in ki[1:])
        return nums, out

    print(f"  {'keyword leg alone':<46} " + measure(lambda g: g.keyword.ids)[1])
    print(f"  {'semantic leg alone':<46} " + measure(lambda g: g.semantic.ids)[1])
    rows = settings()
    if not any(axes == CHOSEN for axes, _ in rows) or not any(p == fusion.RRF for _, p in rows):
        raise SystemExit("the grid must hold the shipped constants and rank fusion as it was")
    got = {axes: measure(lambda g, p=params: replay(g, p)) for axes, params in rows}

    def label(axes: tuple) -> str:
        if axes[0] == "ranks":
            return f"ranks K={axes[1]:<3} w={axes[2]:<4} title={axes[3]!s:<12}"
        return f"scores w={axes[1]:<4} trust={axes[2]!s:<11} title={axes[3]!s:<12}"

    def show(title: str, which: list[tuple]) -> None:
        print(f"  {title}")
        for axes in which:
            mark = "  <- chosen" if axes == CHOSEN else ""
            print(f"    {label(axes):<46} {got[axes][1]}{mark}")

    show("rank fusion (K, semantic weight, title rule); as before: K=20 w=0.8 title=None",
         [axes for axes, _ in rows if axes[0] == "ranks"])
    show("score fusion: the chosen setting and every setting one step away from it",
         [axes for axes, _ in rows if axes[0] == "scores"
          and sum(a != b for a, b in zip(axes, CHOSEN, strict=True)) <= 1])
    if cacm and known:
        before = got[("ranks", 20, 0.8, None)][0][0]
        ok = [axes for axes, _ in rows if axes[0] == "scores" and got[axes][0][0] >= before - 0.005]
        ok.sort(key=lambda axes: -got[axes][0][3])
        show(f"score fusion: best 10 by known-item dev MRR@10 of the {len(ok)} whose CACM "
             f"nDCG@10 >= {before - 0.005:.3f}", ok[:10])
    print(f"  ({len(rows)} settings in the grid)")
