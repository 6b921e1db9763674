"""What search by passage costs: building the passage index, passage query latency (p50/p95)
and disk per 1,000 papers, at N papers of P passages each; then what 75k full texts would take.

    .venv/bin/python bench/passage_search.py [--papers 5000] [--per-paper 100] [--queries 300] [--home DIR [--reuse]]

The corpus: paper 0 is the recorded real page (shared/data/arxiv-html-recorded/, converted
and split as the job does it); the others are synthesized, each of P passages, passage j of
paper i being abstract (i * P + j) of the 74,728 real abstracts in the shared jsonl (about
1,000 characters each, as a passage is; recycled past 74,728 passages). Sections and anchors
as a paper's ("3.2 Method", "S3.SS2"). Documents go into the index with the schema and writer
settings of passages/index.py, without PostgreSQL (the sync reads and decompresses texts
besides: measured here as "split" on the real page).

Queries: 2-4 words from real titles, quoted 2-word phrases from abstracts, single rare words;
each through PassageIndex.search (k=500, as the hybrid search asks: 500 passages grouped by
paper) and the stored text of the best passages of the first 20 papers (a page of results).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tantivy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperboy.fulltext.convert import convert  # noqa: E402
from paperboy.passages.index import PassageIndex  # noqa: E402
from paperboy.passages.split import split  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
JSONL = SHARED / "arxiv-cs-2025-2026.jsonl.gz"
PAGE = SHARED / "arxiv-html-recorded" / "2501.11120v1.html"


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def queries(records: list[dict], n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        r = rng.choice(records)
        kind = len(out) % 3
        if kind == 0:
            words = [w for w in r["title"].split() if w.isalpha() and len(w) > 3]
            if len(words) >= 2:
                out.append(" ".join(rng.sample(words, min(len(words), rng.randint(2, 4)))))
        elif kind == 1:
            words = [w for w in r["abstract"].split() if w.isalpha()]
            if len(words) > 3:
                i = rng.randrange(len(words) - 1)
                out.append(f'"{words[i]} {words[i + 1]}"')
        else:
            words = [w for w in r["abstract"].split() if w.isalpha() and len(w) > 9]
            if words:
                out.append(rng.choice(words))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--papers", type=int, default=5000)
    ap.add_argument("--per-paper", type=int, default=100)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--home", type=Path, default=None, help="where the index is built (default: a temp folder)")
    ap.add_argument("--reuse", action="store_true", help="query the index built in --home before")
    args = ap.parse_args()
    rng = random.Random(7)
    records = [json.loads(line) for line in gzip.open(JSONL, "rt")]

    page = PAGE.read_bytes()
    t = time.perf_counter()
    converted = convert(page)
    t_convert = time.perf_counter() - t
    t = time.perf_counter()
    real = split(converted.markdown, converted.outline)
    t_split = time.perf_counter() - t
    print(f"real page: {len(converted.markdown):,} chars of Markdown -> {len(real)} passages; "
          f"convert {t_convert * 1000:.0f} ms, split {t_split * 1000:.1f} ms")

    home = args.home or Path(tempfile.mkdtemp(prefix="passages-"))
    path = home / "passages-bench"
    index = PassageIndex(path)
    if args.reuse and index.size:
        docs, t_build = index.size, float("nan")
    else:
        docs, t_build = build(index, records, real, args.papers, args.per_paper)
    size = du(path)
    print(f"index: {args.papers:,} papers, {docs:,} passages in {t_build:.1f} s "
          f"({docs / t_build:,.0f} passages/s); {size / 1e6:.1f} MB on disk, "
          f"{size / args.papers * 1000 / 1e6:.1f} MB per 1,000 papers ({size / docs:.0f} B a passage)")

    qs = queries(records, args.queries, rng)
    for warm in qs[:20]:
        index.search(warm, 500)
    times, papers, kinds = [], [], {}
    for i, text in enumerate(qs):
        t = time.perf_counter()
        found = index.search(text, 500)
        for seq in list(found.best)[:20]:  # the passages a page of 20 results shows
            found.hit(seq)
        ms = (time.perf_counter() - t) * 1000
        times.append(ms)
        kinds.setdefault(("title words", "quoted phrase", "one rare word")[i % 3], []).append(ms)
        papers.append(len(found.best))
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    print(f"queries: {len(qs)}, passage search (k=500, grouped by paper, the best passages of 20 papers read):"
          f" p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms; median papers {statistics.median(papers):.0f}")
    for kind, ts in kinds.items():
        ts.sort()
        print(f"  {kind}: p50 {statistics.median(ts):.1f} ms, p95 {ts[int(0.95 * (len(ts) - 1))]:.1f} ms")
    print(json.dumps({"papers": args.papers, "passages": docs, "build_s": round(t_build, 1),
                      "disk_mb": round(size / 1e6, 1), "disk_mb_per_1000": round(size / args.papers * 1000 / 1e6, 1),
                      "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "split_ms_real_page": round(t_split * 1000, 1),
                      "convert_ms_real_page": round(t_convert * 1000)}))
    if not args.home:
        shutil.rmtree(home, ignore_errors=True)


def build(index: PassageIndex, records: list[dict], real: list, papers: int, per_paper: int) -> tuple[int, float]:
    """The index of the real page's passages and papers - 1 synthesized ones: (passages, seconds)."""
    shutil.rmtree(index.path, ignore_errors=True)
    writer = index._open_for_writing().writer(heap_size=64_000_000, num_threads=1)
    t = time.perf_counter()
    docs = 0
    for p in real:
        writer.add_document(tantivy.Document(seq=0, n=p.n, section=p.section, anchor=p.anchor, text=p.text))
        docs += 1
    for i in range(1, papers):
        for j in range(per_paper):
            r = records[(i * per_paper + j) % len(records)]
            sec = 1 + j // 12
            writer.add_document(tantivy.Document(seq=i, n=j, section=f"{sec}.{1 + j % 4} {r['title'][:40]}",
                                                 anchor=f"S{sec}.SS{1 + j % 4}", text=r["abstract"]))
            docs += 1
        if i % 1000 == 0:
            writer.commit()
    writer.commit()
    writer.wait_merging_threads()
    index._set_watermark(1)
    return docs, time.perf_counter() - t


if __name__ == "__main__":
    main()
