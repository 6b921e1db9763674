"""What the full-text converter costs: pages a second and CPU seconds a page, for the recorded
real arXiv HTML page(s) in shared/data/arxiv-html-recorded/, and what a paper takes stored
(the Markdown zlib-compressed, as fulltext/store.py keeps it, plus its outline as JSON).

    .venv/bin/python bench/fulltext_convert.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from paperboy.fulltext.convert import convert  # noqa: E402
from paperboy.fulltext.store import LEVEL  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-html-recorded"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    for page in sorted(SHARED.glob("*.html")):
        data = page.read_bytes()
        c = convert(data)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.rounds):
            convert(data)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        packed = len(zlib.compress(c.markdown.encode("utf-8"), LEVEL))
        outline = len(json.dumps([h.as_dict() for h in c.outline]))
        print(f"{page.name}: {len(data):,} bytes of HTML -> {len(c.markdown):,} characters of Markdown, "
              f"{len(c.outline)} headings; {args.rounds / wall:.1f} pages/s (wall), {cpu / args.rounds * 1000:.0f} ms "
              f"CPU a page; stored {packed:,} bytes compressed + {outline:,} bytes of outline "
              f"(~{(packed + outline) * 1000 / 1e6:.0f} MB per 1,000 such papers)")


if __name__ == "__main__":
    main()
