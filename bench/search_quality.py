"""Measure search quality: keyword (BM25), semantic (MiniLM) and hybrid (search/fusion.py) on real data.

Run by hand:  .venv/bin/python bench/search_quality.py [--keep DIR] [--tune] [--variants]
                                                       [--skip-cacm] [--skip-known-items]

1. CACM (SMART format, ../shared/data/cacm): the 3,204 documents are stored as papers (title,
   abstract when present, authors), embedded and indexed; every development query runs in the
   three modes through the normal ``Searcher.search`` and is scored by nDCG@10 (binary
   relevance, log2 discount), MRR@10 and recall@100 against ``qrels.dev.text``.
2. Known items with distractors (bench/known_items.py): 438 queries a person would remember for
   one paper (the hand-written ones of bench/known_items.json and the generated ones of
   bench/known_items_generated.json) among about 77,800 papers, the 74,728 of the arXiv jsonl
   as distractors; MRR@10 per mode, per split (dev / test) and per kind of query.

A throwaway embedded PostgreSQL runs in a temporary directory. ``--keep DIR`` keeps it (with
its vectors and keyword indexes) in DIR instead, so a second run skips the slow embedding.
``--tune`` also prints the grids used to choose the constants of search/keyword.py (field
boosts, CACM dev) and search/fusion.py (bench/fusion_grid.py: CACM dev and known-item dev only;
test figures are the tables' above, for the shipped constants); ``--variants`` measures
prototypes of code changes.

CACM has 177 titles shared by 418 documents (mostly "... Algorithm NN" certifications). A
paper without an arXiv id takes its id from its normalised title, so those documents merge
into one paper each (2,963 papers). Judgments are therefore mapped to papers: a paper is
relevant when any of its documents is, and the ideal ranking counts distinct relevant papers
(``extra["cacm"]`` of a merged paper keeps one of its document numbers only).
In the dev judgments this touches one query (29: documents 377, 513 and 610 are one paper).
Document 3193 has no title; it is stored as "(untitled)" (it is judged for no dev query).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import re
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psycopg

import fusion_grid  # scripts run from bench/
import known_items
from paperboy import embeddings
from paperboy.db import embedded
from paperboy.papers.record import Paper, title_id
from paperboy.papers.store import store_batch
from paperboy.search import fusion, hybrid, keyword, semantic
from paperboy.search.fusion import Leg
from paperboy.search.hybrid import Searcher
from retrieval import Legs, capture, database, embed_and_index, replay, run, scores

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MODES = ("keyword", "semantic", "hybrid")


# -- the CACM collection ------------------------------------------------------------------

def read_smart(path: Path, keep: set[str]) -> dict[int, dict[str, list[str]]]:
    """Records of a SMART file: {id: {section letter: lines}}, only the sections in ``keep``."""
    records: dict[int, dict[str, list[str]]] = {}
    section = None
    current: dict[str, list[str]] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        m = re.fullmatch(r"\.([A-Z])(?: (\d+))?\s*", line)
        if m:
            section = m.group(1)
            if section == "I":
                current = records.setdefault(int(m.group(2)), {})
            continue
        if section in keep:
            current.setdefault(section, []).append(line)
    return records


def collapse(lines: list[str] | None) -> str:
    return " ".join(" ".join(lines or []).split())


def cacm_papers(path: Path) -> dict[int, Paper]:
    """One paper per document; document 3193 has no title (a paper needs one): "(untitled)"."""
    docs = read_smart(path, {"T", "W", "A"})
    return {
        doc: Paper(
            title=collapse(s.get("T")) or "(untitled)",
            summary=collapse(s.get("W")),
            authors=tuple(a for a in (" ".join(x.split()) for x in s.get("A", [])) if a),
            source="cacm",
            arxiv_id=None,
            extra={"cacm": doc},
        )
        for doc, s in docs.items()
    }


def cacm_queries(path: Path) -> dict[int, str]:
    return {qid: collapse(s.get("W")) for qid, s in read_smart(path, {"W"}).items()}


def cacm_qrels(path: Path) -> dict[int, set[int]]:
    rel: dict[int, set[int]] = defaultdict(set)
    for line in path.read_text().splitlines():
        if line.strip():
            qid, doc, *_ = line.split()
            rel[int(qid)].add(int(doc))
    return rel


# -- tuning: the legs once per field boost, fused as fusion.py fuses them -------------------

def tune(searcher: Searcher, conn: psycopg.Connection, queries: dict[int, str],
         rel: dict[int, set[str]], hybrid_now: dict[int, list[str]], shipped: dict[int, Legs]) -> None:
    """Field boosts (keyword leg, and hybrid with the shipped fusion) x DEPTH. ``shipped``:
    the legs of the shipped constants, 100 deep as searched (HNSW's walk depends on k)."""
    print("\nTuning grid (CACM dev queries; nDCG@10 / MRR@10 / recall@100)")
    saved = dict(keyword.BOOSTS)
    by_boosts: dict[tuple[float, ...], dict[int, Legs]] = {}
    try:
        for title, authors in itertools.product((1, 1.5, 2, 3, 4, 6), (0.5, 1, 2)):
            keyword.BOOSTS.update(title=title, summary=1.0, authors=authors)
            got = by_boosts[tuple(keyword.BOOSTS.values())] = capture(searcher, conn, queries, limit=200)
            n, m, r = scores({i: g.keyword.ids[:100] for i, g in got.items()}, rel)
            print(f"  keyword leg, BOOSTS {keyword.BOOSTS}:  {n:.3f} / {m:.3f} / {r:.3f}")
    finally:
        keyword.BOOSTS.clear()
        keyword.BOOSTS.update(saved)
    now = tuple(saved.values())
    same = all(replay(shipped[i]) == hybrid_now[i] for i in queries)
    print(f"  (check: fusing here gives the same hybrid rankings as Searcher.search: {same})")

    results = []
    for boosts, depth in itertools.product(by_boosts, (50, 100, 200)):
        runs = {i: replay(g, depth=depth) for i, g in by_boosts[boosts].items()}
        results.append((scores(runs, rel), (boosts, depth)))
    results.sort(key=lambda x: -x[0][0])
    chosen = (now, hybrid.DEPTH)

    def show(title: str, rows: list) -> None:
        print(f"  {title}  (boosts title/summary/authors, DEPTH; shipped fusion)")
        for (n, m, r), (boosts, depth) in rows:
            mark = " <- chosen" if (boosts, depth) == chosen else ""
            print(f"    {'/'.join(f'{b:g}' for b in boosts):<10} DEPTH={depth:<4} {n:.3f} / {m:.3f} / {r:.3f}{mark}")

    show(f"hybrid, best 10 of {len(results)}:", results[:10])
    show("hybrid, one constant away from the chosen ones:",
         [x for x in results if sum(a != b for a, b in zip(x[1], chosen, strict=True)) <= 1])


def variants(searcher: Searcher, conn: psycopg.Connection, queries: dict[int, str],
             rel: dict[int, set[str]]) -> None:
    """Changes to the search code, prototyped here on the legs and fused with the shipped fusion."""
    depth = hybrid.DEPTH
    shipped = capture(searcher, conn, queries)

    def semantic_leg(text: str) -> Leg:
        hits = semantic.nearest(conn, embeddings.encode_query(text), None, depth)
        return Leg([pid for pid, _ in hits], [1.0 - d for _, d in hits])

    no_ops = capture(searcher, conn, {i: re.sub(r"\b(and|or)\b", "", t) for i, t in queries.items()})
    rows = {
        "as shipped (semantic leg before the strict filter)": shipped,
        "semantic leg on the whole query, not its first 250 chars": {
            i: dataclasses.replace(g, semantic=semantic_leg(" ".join(queries[i].split())))
            for i, g in shipped.items()},
        'lower-case "and"/"or" dropped, not read as AND/OR': {
            i: dataclasses.replace(g, keyword=no_ops[i].keyword) for i, g in shipped.items()},
    }
    print("\nVariants (CACM dev queries; nDCG@10 / MRR@10 / recall@100 of the keyword leg, the "
          "semantic leg, hybrid)")
    for label, got in rows.items():
        kw = scores({i: g.keyword.ids for i, g in got.items()}, rel)
        sem = scores({i: g.semantic.ids for i, g in got.items()}, rel)
        hyb = scores({i: replay(g) for i, g in got.items()}, rel)
        print(f"  {label:<58} " + "   ".join("/".join(f"{x:.3f}" for x in t) for t in (kw, sem, hyb)))


# -- CACM -------------------------------------------------------------------------------------

def cacm(home: Path, url: str, data: Path, args: argparse.Namespace) -> tuple:
    """Print the CACM table; return (legs, judgments) for the fusion grid."""
    docs = cacm_papers(data / "cacm.all")
    queries = cacm_queries(data / "query.dev.text")
    qrels = cacm_qrels(data / "qrels.dev.text")
    paper_of = {doc: title_id(p.title) for doc, p in docs.items()}
    rel = {qid: {paper_of[d] for d in ds} for qid, ds in qrels.items() if qid in queries}
    unknown = set(qrels) - set(queries)
    if unknown:
        raise SystemExit(f"judgments for queries not in query.dev.text: {sorted(unknown)}")

    with database(url, "cacm") as db, db.connection() as conn:
        t0 = time.perf_counter()
        stats = store_batch(conn, list(docs.values()))
        stored = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
        t1 = time.perf_counter()
        distinct = len(set(paper_of.values()))
        if stored != distinct:
            raise SystemExit(f"stored {stored} papers, expected {distinct}")
        with_abstract = sum(bool(p.summary) for p in docs.values())
        print(f"\nCACM: {len(docs)} documents ({with_abstract} with an abstract) -> {stored} papers "
              f"({len(docs) - distinct} documents share a title with another); "
              f"stored in {t1 - t0:.1f} s (new {stats.new}, unchanged {stats.unchanged})")
        searcher, t = embed_and_index(home, conn)
        rate = f" ({t['embedded'] / t['embed_s']:.0f} papers/s)" if t["embedded"] else ""
        print(f"  embedded {t['embedded']} papers in {t['embed_s']:.1f} s{rate}; "
              f"keyword index synced in {t['index_s']:.1f} s")
        long = sum(len(" ".join(x.split())) > 250 for x in queries.values())
        print(f"  {len(queries)} dev queries, {len(rel)} with judgments "
              f"({sum(map(len, rel.values()))} relevant papers); "
              f"{long} queries are longer than 250 characters (cut by the search box)")

        # Untimed pass first: the encoder builds its kernels for each new input length. The
        # timed passes then compute every query vector again (a first search, not a repeat).
        run(searcher, conn, queries, "hybrid")
        print(f"\n  {'mode':<9} {'nDCG@10':>8} {'MRR@10':>7} {'R@100':>6} {'empty':>6}"
              "   latency mean / median")
        runs: dict[str, dict] = defaultdict(dict)
        for mode in MODES:
            runs[mode], took = run(searcher, conn, queries, mode, cold=True)
            n, m, r = scores(runs[mode], rel)
            empty = sum(not runs[mode][i] for i in rel)
            print(f"  {mode:<9} {n:8.3f} {m:7.3f} {r:6.3f} {empty:6}   {statistics.fmean(took) * 1000:7.1f}"
                  f" / {statistics.median(took) * 1000:.1f} ms")
        legs = capture(searcher, conn, queries)
        n, m, r = scores({i: replay(g, fusion.RRF) for i, g in legs.items()}, rel)
        print(f"  {'rrf':<9} {n:8.3f} {m:7.3f} {r:6.3f}   (hybrid ranked by reciprocal rank fusion as "
              "before, K=20, weights 1 / 0.8, replayed on the same legs)")
        print("  (empty: judged queries without any result. Reference, plain implementations:"
              " BM25 0.397, MiniLM 0.380, RRF 0.509 nDCG@10)")

        if args.tune:
            tune(searcher, conn, queries, rel, runs["hybrid"], legs)
        if args.variants:
            variants(searcher, conn, queries, rel)
    return legs, rel


# -- main -------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder (default: %(default)s)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep the databases, vectors and indexes in DIR and reuse them next time")
    ap.add_argument("--tune", action="store_true", help="also print the tuning grids (dev queries)")
    ap.add_argument("--variants", action="store_true",
                    help="also measure prototypes of changes to the search code (not made)")
    ap.add_argument("--skip-cacm", action="store_true", help="only the known-item figures")
    ap.add_argument("--skip-known-items", action="store_true", help="only the CACM figures")
    args = ap.parse_args()
    if not (args.data / "cacm" / "cacm.all").exists():
        raise SystemExit(f"no CACM collection in {args.data / 'cacm'} (pass --data)")

    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp)
        t0 = time.perf_counter()
        url = embedded.start(home)
        print(f"PostgreSQL (embedded) in {home}: started in {time.perf_counter() - t0:.1f} s")
        print(f"fusion: {fusion.PARAMS}\nDEPTH={hybrid.DEPTH} BOOSTS={keyword.BOOSTS}")
        t0 = time.perf_counter()
        embeddings.encode_query("warm up")
        print(f"model loaded in {time.perf_counter() - t0:.1f} s")

        cacm_legs = None if args.skip_cacm else cacm(home, url, args.data / "cacm", args)
        known = None if args.skip_known_items else known_items.measure(home, url, args.data)
        if args.tune:
            fusion_grid.grid(cacm_legs, known)


if __name__ == "__main__":
    main()
