"""Fit time and peak memory of one For you refit at 3,000, 10,000 and 50,000 library entries
(the allowed maximum), each in a fresh process (peak RSS from ru_maxrss).

Run by hand:  PYTHONPATH=src .venv/bin/python bench/recommend_refit.py [--before]

Positives are real all-MiniLM-L6-v2 vectors (a random sample of the 74,728 arXiv papers of
../shared/data), centred; the background is 2,000 of them, as the product samples. "after" is
recommend/model.py as it runs now (at most MAX_FIT positives, a fixed sample of the rest);
``--before`` also fits every positive (``MAX_FIT`` lifted), as before the bound: skipped past
10,000 (clustering holds an n x n distance matrix: about 20 GB at 50,000).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / ".." / "shared" / "data" / "arxiv-cs-2025-2026.minilm-l6-v2.f16.npy"

ONE = """
import json, resource, sys, time
import numpy as np
from paperboy.recommend import model as rec
n, before = int(sys.argv[2]), sys.argv[3] == "1"
if before:
    rec.MAX_FIT = 10**9
x = np.load(sys.argv[1], mmap_mode="r")
rng = np.random.default_rng(0)
mean = x[:5000].astype(np.float32).mean(0)
xc = rec.centre(np.asarray(x[rng.choice(len(x), n, replace=False)], np.float32), mean)
bg = rec.centre(np.asarray(x[rng.choice(len(x), rec.BACKGROUND, replace=False)], np.float32), mean)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.process_time()
m = rec.fit(xc, bg, labels=[{"kind": "library", "id": None, "title": str(i), "url": None} for i in range(n)])
print(json.dumps({"cpu_s": time.process_time() - t, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "before_fit_mb": base, "positives_fit": len(m.pos), "interests": m.w.shape[1]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", action="store_true", help="also fit every positive, as before (up to 10,000)")
    args = ap.parse_args()
    if not VECTORS.exists():
        sys.exit(f"needs {VECTORS} (see ../shared/data/README.md)")
    print("| entries | fit | CPU s | peak RSS MB | RSS before the fit MB | positives fitted | interests |")
    print("|---|---|---|---|---|---|---|")
    for n in (3000, 10_000, 50_000):
        for before in ((True, False) if args.before and n <= 10_000 else (False,)):
            out = subprocess.run([sys.executable, "-c", ONE, str(VECTORS), str(n), "1" if before else "0"],
                                 capture_output=True, text=True, check=True,
                                 env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {n:,} | {'before' if before else 'after'} | {r['cpu_s']:.1f} | {r['peak_mb']:.0f} |"
                  f" {r['before_fit_mb']:.0f} | {r['positives_fit']:,} | {r['interests']} |", flush=True)


if __name__ == "__main__":
    main()
