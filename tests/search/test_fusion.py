"""Fusing the keyword and the semantic leg: a leg that answers with confidence is not dragged
down by the other, and a typed title finds its paper first."""

from __future__ import annotations

from pathlib import Path

import psycopg

from paperboy import embeddings
from paperboy.papers.record import Paper, normalise_title
from paperboy.papers.store import store_batch
from paperboy.search import query as q
from paperboy.search.fusion import Leg, fuse
from paperboy.search.hybrid import Searcher


def ranked(fused: dict[str, float]) -> list[str]:
    return sorted(fused, key=lambda pid: -fused[pid])


def keyword_leg(hits: list[tuple[str, float, str]]) -> Leg:
    """(id, BM25, title) hits, best first."""
    return Leg([h[0] for h in hits], [h[1] for h in hits], {h[0]: normalise_title(h[2]) for h in hits})


def semantic_leg(hits: list[tuple[str, float]]) -> Leg:
    return Leg([h[0] for h in hits], [h[1] for h in hits])


def filler(prefix: str, n: int, top: float, step: float) -> list[tuple[str, float]]:
    return [(f"{prefix}{i}", top - i * step) for i in range(n)]


# -- fuse() on hand-made legs ------------------------------------------------------------------

TITLE = "Lost in the Middle: How Language Models Use Long Contexts"


def test_an_exact_title_match_comes_first_though_the_semantic_leg_ignores_it():
    kw = keyword_leg([("near", 14.0, "How Language Models Use Long Contexts in the Middle of a Prompt"),
                      ("target", 13.5, TITLE),
                      *[(pid, s, f"paper {pid}") for pid, s in filler("k", 98, 12.0, 0.05)]])
    # the semantic leg likes the other paper best and never saw the target
    sem = semantic_leg([("near", 0.82), *filler("s", 99, 0.70, 0.001)])
    for text in (TITLE, "lost in the middle how language models use long contexts"):
        assert ranked(fuse(kw, sem, q.parse(text)))[0] == "target", text


def test_most_of_a_title_counts_as_a_title_match():
    kw = keyword_leg([("other", 20.0, "Long Contexts: Language Models in the Middle of Nowhere"),
                      ("target", 18.0, TITLE), *[(pid, s, "x") for pid, s in filler("k", 98, 9.0, 0.02)]])
    sem = semantic_leg([("other", 0.9), *filler("s", 60, 0.8, 0.002), ("target", 0.6)])
    typed = "lost in the middle how language models use contexts"  # "long" forgotten
    assert ranked(fuse(kw, sem, q.parse(typed)))[0] == "target"
    # a query that only shares a few of the title's words is no title match: both legs
    # prefer "other", and so does the fusion
    assert ranked(fuse(kw, sem, q.parse("language models long contexts")))[0] == "other"


def test_a_confident_keyword_leg_is_not_dragged_down_by_a_disagreeing_semantic_leg():
    # one keyword hit far above the rest (a rare name), which the semantic leg ranks 40th; the
    # semantic leg's favourites are the keyword leg's runners-up
    kw = keyword_leg([("zip", 31.0, "ZipCache: Accurate and Efficient KV Cache Quantization"),
                      *[(pid, s, "x") for pid, s in filler("k", 20, 6.0, 0.1)]])
    sem = semantic_leg([*filler("k", 5, 0.62, 0.002), *filler("s", 35, 0.6, 0.002), ("zip", 0.53),
                        *filler("t", 59, 0.52, 0.001)])
    assert ranked(fuse(kw, sem, q.parse("zipcache")))[0] == "zip"
    # a name only one paper has, which the semantic leg does not return at all
    only = keyword_leg([("zip", 31.0, "ZipCache: Accurate and Efficient KV Cache Quantization")])
    elsewhere = semantic_leg([*filler("s", 100, 0.66, 0.002)])
    assert ranked(fuse(only, elsewhere, q.parse("zipcache")))[0] == "zip"


def test_a_confident_semantic_leg_beats_a_weak_keyword_leg():
    # flat BM25 scores (common words only), the semantic leg sure of one paper
    kw = keyword_leg([*[(pid, s, "x") for pid, s in filler("k", 30, 8.0, 0.01)],
                      ("idea", 7.65, "Medusa: Simple LLM Inference Acceleration"),
                      *[(pid, s, "x") for pid, s in filler("m", 69, 7.6, 0.01)]])
    sem = semantic_leg([("idea", 0.71), *filler("s", 99, 0.52, 0.001)])
    text = "speed up decoding by guessing several next tokens at once"
    assert ranked(fuse(kw, sem, q.parse(text)))[0] == "idea"


def test_a_semantic_leg_that_finds_nothing_close_leaves_the_order_to_the_keywords():
    # a fragment of an abstract: the keyword leg has the paper third (flat scores); the
    # semantic leg's best paper is hardly similar, and prefers two other keyword hits
    kw = keyword_leg([("a", 9.0, "x"), ("b", 8.95, "y"), ("phrase", 8.9, "z"),
                      *[(pid, s, "w") for pid, s in filler("k", 97, 8.0, 0.02)]])
    sem = semantic_leg([("k5", 0.29), ("k7", 0.285), *filler("s", 98, 0.28, 0.0005)])
    text = "to fit the regression model"
    assert ranked(fuse(kw, sem, q.parse(text)))[:3] == ["a", "b", "phrase"]
    # the same semantic leg, sure of its best paper, does reorder them
    sure = semantic_leg([("k5", 0.75), ("k7", 0.74), *filler("s", 98, 0.5, 0.001)])
    assert ranked(fuse(kw, sure, q.parse(text)))[:2] == ["k5", "k7"]


def test_strict_keeps_keyword_matches_only():
    kw = keyword_leg([("a", 9.0, "Alpha"), ("b", 8.0, "Beta")])
    sem = semantic_leg([("c", 0.9), ("b", 0.8), ("a", 0.3)])
    parsed = q.parse('"exact phrase" alpha')
    assert parsed.strict
    strict = fuse(kw, sem, parsed, strict=True)
    assert set(strict) == {"a", "b"}
    assert "c" in fuse(kw, sem, q.parse("exact phrase alpha"))


def test_one_leg_alone_keeps_its_order():
    kw = keyword_leg([("a", 9.0, "Alpha"), ("b", 8.0, "Beta"), ("c", 1.0, "Gamma")])
    sem = semantic_leg([("c", 0.9), ("b", 0.8), ("a", 0.3)])
    assert ranked(fuse(kw, Leg(), q.parse("gamma"))) == ["a", "b", "c"]
    assert ranked(fuse(Leg(), sem, q.parse("alpha"))) == ["c", "b", "a"]
    assert fuse(Leg(), Leg(), q.parse("alpha")) == {}


# -- through a real search ---------------------------------------------------------------------

# The target's abstract is off-topic (farming): its vector is far from the query. The other
# papers share many of the title's words and are about the query's topic, so the semantic
# leg ranks them above the target.
PAPERS = [
    Paper(title=TITLE, source="test", arxiv_id="2307.03172",
          summary="We survey crop rotation on smallholder farms in the Andes and report how soil "
                  "nitrogen, potato yields and rainfall changed over twelve growing seasons."),
    Paper(title="How Language Models Use Long Contexts in Retrieval-Augmented Generation", source="test",
          arxiv_id="2401.00001",
          summary="Language models given long input contexts often miss information placed in the "
                  "middle; we measure how accuracy drops with the position of the relevant passage."),
    Paper(title="Long-Context Language Models Lose Information in the Middle", source="test",
          arxiv_id="2401.00002",
          summary="When the relevant facts sit in the middle of a long prompt, language models fail "
                  "to use them. We study this position bias in long-context use."),
    Paper(title="Found in the Middle: Calibrating Positional Attention Bias in Language Models",
          source="test", arxiv_id="2401.00003",
          summary="Language models attend less to the middle of long contexts; recalibrating "
                  "positional attention lets them use information anywhere in the input."),
    Paper(title="Where Do Language Models Look in Long Documents?", source="test", arxiv_id="2401.00004",
          summary="We probe how language models use long contexts and find that content in the "
                  "middle of the context is used least."),
    Paper(title="Grasping Transparent Objects with Tactile Sensing", source="test", arxiv_id="2401.00005",
          summary="A robot hand with tactile sensors grasps glass and plastic objects that depth "
                  "cameras cannot see."),
    Paper(title="Protein Folding with Equivariant Diffusion", source="test", arxiv_id="2401.00006",
          summary="An equivariant diffusion model predicts protein backbone structures from sequence."),
    Paper(title="Real-Time Semantic Segmentation on Mobile Phones", source="test", arxiv_id="2401.00007",
          summary="A small convolutional network segments street scenes at sixty frames a second on a phone."),
]


def test_typing_most_of_a_title_finds_that_paper_first(conn: psycopg.Connection, tmp_path: Path):
    store_batch(conn, PAPERS)
    conn.commit()
    embeddings.embed_pending(conn)
    searcher = Searcher(tmp_path, conn)
    searcher.index.sync(conn)
    typed = "lost in the middle how language models use contexts"  # "long" forgotten

    def titles(mode: str) -> list[str]:
        return [r["title"] for r in searcher.search(conn, typed, mode=mode).items]

    # the premise: the semantic leg prefers at least three other papers, the keyword leg
    # finds the target
    semantic_order = titles("semantic")
    assert semantic_order.index(TITLE) >= 3, semantic_order
    assert TITLE in titles("keyword")
    assert titles("hybrid")[0] == TITLE
    # and a query about the topic, not the title, still follows the meaning
    topic = titles("hybrid") and [r["title"] for r in searcher.search(
        conn, "information in the middle of long prompts is ignored").items]
    assert topic[0] != TITLE
