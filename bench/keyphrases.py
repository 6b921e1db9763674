"""Keyphrases: which method comes closest to Hugging Face's own ``ai_keywords``, and how fast.

Run by hand:  PYTHONPATH=src .venv/bin/python bench/keyphrases.py [--corpus 20000] [--yake-path DIR]

1. The yardstick: every paper of ../shared/data/hf-api-recorded/ that carries ``ai_keywords``
   (the only real recordings of them we have: 26 papers, 7-15 keywords each).
2. Each method reads the same title and abstract and gives its top 10:
   - ``keybert``: KeyBERT's recipe over the shipped all-MiniLM-L6-v2 (the encoder of
     paperboy.embeddings): the candidates of keyphrases/candidates.py, ranked by cosine to
     the paper's vector, with maximal marginal relevance (MMR) for diversity;
   - ``yake``: YAKE! 0.7 (the ``yake`` package, statistical, no corpus), 1-3 words;
   - ``tfidf``: the same candidates ranked by tf-idf, document frequencies from --corpus
     abstracts of ../shared/data/arxiv-cs-2025-2026.jsonl.gz (the hub's own papers in the
     product);
   - ``keybert+idf``: KeyBERT's cosine times a damped idf (a rare phrase over a common one);
   - and the product's own function (paperboy.keyphrases.extract), whichever it is.
3. Overlap with HF's keywords, per paper then averaged: precision@k (share of our top k
   matching one of theirs) and recall@k (share of theirs matched by our top k), k = 5, 10.
   Two matches: ``exact``, the same words once lowercased, hyphens as spaces, Snowball-stemmed,
   a parenthesised acronym dropped ("open-domain question answering (ODQA)" = "open domain
   question answer"); ``fuzzy``, stemmed word sets with Jaccard >= 0.5 ("flow matching" ~
   "conditional flow matching").
4. Milliseconds per paper of each, wall clock and CPU (all threads: the fairer figure on a
   machine shared with other work); the encoder is loaded beforehand, and keybert's time
   includes encoding the paper itself, which the product reuses from the stored vector.
   The load average is printed with them.

YAKE is not a dependency of paperboy: install it aside (``pip install --target DIR yake``) and
give --yake-path DIR, or the row is skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import snowballstemmer

from paperboy import embeddings
from paperboy.keyphrases.candidates import candidates, key
from paperboy.keyphrases.extract import extract
from paperboy.keyphrases.rank import mmr

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RECORDED = DATA / "hf-api-recorded"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"
TOP = 10
_stem = snowballstemmer.stemmer("english")


def yardstick() -> list[dict]:
    """Papers with HF's ai_keywords, once each."""
    out: dict[str, dict] = {}
    for f in sorted(RECORDED.glob("*.json")):
        for item in json.loads(f.read_text()):
            p = item.get("paper", item)
            if p.get("ai_keywords"):
                out[p["id"]] = {"id": p["id"], "title": p["title"], "summary": p["summary"],
                                "gold": p["ai_keywords"]}
    return list(out.values())


def norm(phrase: str) -> tuple[str, ...]:
    phrase = re.sub(r"\([^)]*\)", " ", phrase)
    words = re.findall(r"\w+", key(phrase))
    return tuple(_stem.stemWords(words))


def matches(a: tuple[str, ...], b: tuple[str, ...], fuzzy: bool) -> bool:
    if not fuzzy:
        return a == b
    sa, sb = set(a), set(b)
    return bool(sa and sb) and len(sa & sb) / len(sa | sb) >= 0.5


def overlap(pred: list[str], gold: list[str], k: int, fuzzy: bool) -> tuple[float, float]:
    p = [norm(x) for x in pred[:k]]
    g = [norm(x) for x in gold]
    hit_p = sum(any(matches(x, y, fuzzy) for y in g) for x in p)
    hit_g = sum(any(matches(x, y, fuzzy) for x in p) for y in g)
    return hit_p / k, hit_g / len(g)


# --- the methods ---------------------------------------------------------------------------

def document_frequencies(n: int) -> tuple[Counter, int]:
    df: Counter = Counter()
    docs = 0
    with gzip.open(JSONL, "rt") as f:
        for line in f:
            if docs >= n:
                break
            r = json.loads(line)
            df.update({key(c.text) for c in candidates(r["title"], r["abstract"])})
            docs += 1
    return df, docs


def tfidf_method(df: Counter, docs: int) -> Callable[[str, str], list[str]]:
    def run(title: str, summary: str) -> list[str]:
        cands = candidates(title, summary)
        scored = []
        for c in cands:
            idf = math.log((docs + 1) / (df.get(key(c.text), 0) + 1))
            tf = c.count + (1.5 if c.in_title else 0)
            scored.append((tf * idf * (1 + 0.3 * (c.words - 1)), c.text))
        scored.sort(reverse=True)
        return _dedupe([t for _, t in scored])
    return run


def _dedupe(phrases: list[str]) -> list[str]:
    """Drop a phrase whose words are all inside one already kept."""
    kept: list[str] = []
    for p in phrases:
        w = set(norm(p))
        if not any(w <= set(norm(q)) for q in kept):
            kept.append(p)
        if len(kept) == TOP:
            break
    return kept


def keybert_method(diversity: float, df: Counter | None = None, docs: int = 0, words: int = 4
                   ) -> Callable[[str, str], list[str]]:
    def run(title: str, summary: str) -> list[str]:
        cands = candidates(title, summary, max_words=words)
        if not cands:
            return []
        doc = embeddings.encode([embeddings.paper_text(title, summary)])[0]
        vecs = embeddings.encode([c.text for c in cands])
        sim = vecs @ doc
        if df is not None:
            idf = np.array([math.log((docs + 1) / (df.get(key(c.text), 0) + 1)) for c in cands])
            sim = sim * (1 + 0.1 * idf)
        order = mmr(sim, vecs, TOP, diversity)
        return [cands[i].text for i in order]
    return run


def yake_method(path: str | None) -> Callable[[str, str], list[str]] | None:
    if path:
        sys.path.append(path)  # after the venv's: its numpy stays the one imported
    try:
        import yake
    except ImportError:
        return None
    ex = yake.KeywordExtractor(lan="en", n=3, top=TOP, dedupLim=0.9)

    def run(title: str, summary: str) -> list[str]:
        return [k for k, _ in ex.extract_keywords(f"{title}. {summary}")]
    return run


def product(title: str, summary: str) -> list[str]:
    return [k.text for k in extract(title, summary)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=int, default=20000, help="abstracts for document frequencies")
    ap.add_argument("--yake-path", default=None)
    ap.add_argument("--only", default="", help="run only the methods whose name contains this")
    args = ap.parse_args()
    papers = yardstick()
    print(f"yardstick: {len(papers)} papers with HF ai_keywords, "
          f"{statistics.mean(len(p['gold']) for p in papers):.1f} keywords each on average")
    embeddings.model()  # loaded before any timing
    t = time.perf_counter()
    need_df = not args.only or "idf" in args.only
    df, docs = document_frequencies(args.corpus) if need_df else (Counter(), 0)
    print(f"document frequencies: {docs} abstracts, {len(df)} phrases, {time.perf_counter() - t:.0f} s")
    methods: dict[str, Callable[[str, str], list[str]] | None] = {
        "yake": yake_method(args.yake_path),
        "tfidf": tfidf_method(df, docs),
        "keybert (mmr 0.3)": keybert_method(0.3),
        "keybert (mmr 0.5)": keybert_method(0.5),
        "keybert (mmr 0.3, 3 words)": keybert_method(0.3, words=3),
        "keybert (mmr 0.3, 2 words)": keybert_method(0.3, words=2),
        "keybert+idf (mmr 0.3)": keybert_method(0.3, df, docs),
        "paperboy.keyphrases.extract": product,
    }
    print(f"\n{'method':30} {'ms/paper':>8} {'cpu ms':>7}  " + "  ".join(
        f"{m}{k}".rjust(9) for m in ("P@", "R@") for k in (5, 10)) + "   (exact | fuzzy)")
    for name, fn in methods.items():
        if args.only and args.only not in name:
            continue
        if fn is None:
            print(f"{name:30} skipped (not installed; see --yake-path)")
            continue
        fn(papers[0]["title"], papers[0]["summary"])  # warm
        t, cpu = time.perf_counter(), time.process_time()
        preds = [fn(p["title"], p["summary"]) for p in papers]
        ms = (time.perf_counter() - t) * 1000 / len(papers)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(papers)
        cells = []
        for fuzzy in (False, True):
            row = []
            for which in (0, 1):
                for k in (5, 10):
                    row.append(statistics.mean(overlap(pr, p["gold"], k, fuzzy)[which]
                                               for pr, p in zip(preds, papers, strict=True)))
            cells.append(row)
        print(f"{name:30} {ms:8.1f} {cpu_ms:7.1f}  " + "  ".join(
            f"{a:.2f}|{b:.2f}".rjust(9) for a, b in zip(*cells, strict=True)))
    print(f"\nload average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("\nexample:", papers[0]["title"])
    print("  HF:  ", "; ".join(papers[0]["gold"]))
    print("  ours:", "; ".join(product(papers[0]["title"], papers[0]["summary"])))


if __name__ == "__main__":
    main()
