"""Memory and scoring time of For you's vectors per worker, before and after the shared file.

    .venv/bin/python bench/foryou_memory.py [--papers 1000000] [--workers 2] [--repeat 50]

Synthetic corpus: random unit vectors (memory does not care what they mean), ids shaped like
arXiv's ("2501.00001"), about 1,000 papers a day in day order.

* **before**: each worker holds what recommend/corpus.py held until issue 27: every centred
  vector as float32 (n × 384), ids as an object array of str, a dict from id to row, the days.
* **after**: one file under a temporary home (recommend/shared.py: int8 + per-row scale,
  and recommend/prefilter.py's projected rows), written once; each worker maps it read-only (corpus.Corpus over shared.read).

``--workers`` processes of each kind run side by side; each scores the default period (the
last 14 days) ``--repeat`` times and the whole corpus 3 times with a real fitted model
(model.fit on 20 random likes, fitted before the corpus is loaded so that sklearn's own
memory is not counted as the corpus'), then reports, from /proc/self/smaps_rollup while
all are alive: RSS, private memory (Private_Clean + Private_Dirty: what this worker alone
costs), shared memory (Shared_Clean + Shared_Dirty: pages other processes map too) and PSS.
The scoring times are the matrix part of a pick (no database): p50 / p95.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from paperboy.recommend import prefilter, shared  # noqa: E402

DAY0 = 20_000


def synth(n: int, seed: int = 0, chunk: int = 10_000):
    """(ids, days, float32 chunks generator) of n random unit vectors in day order."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.integers(DAY0, DAY0 + max(1, n // 1000), n)).astype(np.int32)
    ids = [f"{25 + i // 10**6:02d}{(i // 100_000) % 10:02d}.{i % 100_000:05d}" for i in range(n)]

    def vectors():
        for s in range(0, n, chunk):
            x = rng.standard_normal((min(chunk, n - s), shared.DIM)).astype(np.float32)
            yield x / np.linalg.norm(x, axis=1, keepdims=True)
    return ids, days, vectors


def rollup() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        k, v = line.split(":")
        out[k] = int(v.split()[0])
    return out


def pct(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"{1000 * xs[len(xs) // 2]:.1f} / {1000 * xs[min(len(xs) - 1, int(0.95 * len(xs)))]:.1f} ms"


def worker(kind: str, home: str, n: int, repeat: int) -> None:
    from paperboy.recommend import model as rec
    from paperboy.recommend.corpus import Corpus

    rng = np.random.default_rng(1)  # the model first (sklearn's memory is not the corpus')
    x = rng.standard_normal((rec.BACKGROUND + 20, shared.DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    model = rec.fit(x[:20], x[20:])
    del x
    start = rollup()
    if kind == "before":  # as corpus.py held it: float32 rows, str ids, a dict
        ids, days, vectors = synth(n)
        xc = np.empty((n, shared.DIM), np.float32)
        s = 0
        for chunk in vectors():
            xc[s:s + len(chunk)] = chunk
            s += len(chunk)
        idarr = np.array(ids, dtype=object)
        index = {pid: i for i, pid in enumerate(idarr)}
        del ids
        assert len(index) == n

        def scores(m, lo, hi):
            s, e = int(np.searchsorted(days, lo)), int(np.searchsorted(days, hi, "right"))
            return m.score(xc[s:e])
        model.cut_on(xc[rng.choice(n, rec.BACKGROUND, replace=False)])
    else:
        corpus = Corpus.of(shared.read(Path(home) / "corpus-00000001.pbv"))
        days = corpus.base.days

        def scores(m, lo, hi):
            return corpus.scores(m, lo, hi)[1]
        model.cut_on(corpus.sample(rec.BACKGROUND))
    hi = int(days[-1])
    recent = []
    for _ in range(repeat):
        t = time.perf_counter()
        sc = scores(model, hi - 13, hi)
        np.argpartition(-sc, 2000)[:2000] if len(sc) > 2000 else sc
        recent.append(time.perf_counter() - t)
    whole = []
    for _ in range(3):
        t = time.perf_counter()
        scores(model, -10**6, 10**6)
        whole.append(time.perf_counter() - t)
    print("ready", flush=True)
    sys.stdin.readline()
    r = rollup()
    print(json.dumps({"rss": r["Rss"], "private": r["Private_Clean"] + r["Private_Dirty"],
                      "shared": r["Shared_Clean"] + r["Shared_Dirty"], "pss": r["Pss"],
                      "private_growth": r["Private_Clean"] + r["Private_Dirty"]
                      - start["Private_Clean"] - start["Private_Dirty"],
                      "window_rows": int(len(scores(model, hi - 13, hi))),
                      "recent": pct(recent), "whole": pct(whole)}), flush=True)
    sys.stdin.read()  # alive until every worker has reported (shared pages count as shared)


def run(kind: str, home: str, n: int, workers: int, repeat: int) -> None:
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", kind, "--home", home,
                               "--papers", str(n), "--repeat", str(repeat)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for i, p in enumerate(procs):
        p.stdin.write("go\n")
        p.stdin.flush()
        r = json.loads(p.stdout.readline())
        print(f"{kind:6} worker {i}: RSS {r['rss'] / 1024:,.0f} MB, private {r['private'] / 1024:,.0f} MB"
              f" (+{r['private_growth'] / 1024:,.0f} MB for the corpus), shared {r['shared'] / 1024:,.0f} MB,"
              f" PSS {r['pss'] / 1024:,.0f} MB; scoring the last 14 days ({r['window_rows']:,} rows)"
              f" p50/p95 {r['recent']}, all time {r['whole']}", flush=True)
    for p in procs:
        p.stdin.close()
        p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--only", choices=("before", "after"))
    ap.add_argument("--worker", choices=("before", "after"), help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.home, args.papers, args.repeat)
        return
    with tempfile.TemporaryDirectory() as home:
        t = time.perf_counter()
        ids, days, vectors = synth(args.papers)
        parts = [shared.encode(x) for x in vectors()]
        store = prefilter.attach(shared.make(  # as corpus.build makes it, prefilter included
            np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            days, ids, np.zeros(shared.DIM, np.float32), 1, None))
        del parts
        path = shared.write(Path(home), store)
        del store
        print(f"{args.papers:,} papers; shared file {path.stat().st_size / 2**20:,.0f} MB written in"
              f" {time.perf_counter() - t:.1f} s; {args.workers} workers of each kind side by side", flush=True)
        for kind in ("before", "after"):
            if args.only in (None, kind):
                run(kind, home, args.papers, args.workers, args.repeat)


if __name__ == "__main__":
    main()
