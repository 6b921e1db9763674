"""What the full-text converter costs: pages a second and CPU seconds a page, for the recorded
real arXiv HTML pages (the whole page in shared/data/arxiv-html-recorded/, and the excerpts of
five more in tests/fixtures/arxiv_html/), what a paper takes stored (the Markdown
zlib-compressed, as fulltext/store.py keeps it, plus its outline as JSON), and what the Read
view (fulltext/render.py: Markdown to sanitised HTML, with and without ?hl= marks) costs a page.

    .venv/bin/python bench/fulltext_convert.py [--rounds 20]

The excerpts are slices of pages, so their sizes say nothing of a whole paper's; the totals are
given for the whole page(s) alone and for all pages.
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
from paperboy.fulltext.render import render  # noqa: E402
from paperboy.fulltext.store import LEVEL  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WHOLE = sorted((ROOT.parent / "shared" / "data" / "arxiv-html-recorded").glob("*.html"))
EXCERPTS = sorted((ROOT / "tests" / "fixtures" / "arxiv_html").glob("*.html"))


def _timed(fn, rounds: int) -> tuple[float, float]:
    """(wall, CPU) seconds a call of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - wall) / rounds, (time.process_time() - cpu) / rounds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    totals: dict[str, list[float]] = {"whole": [0, 0, 0, 0], "all": [0, 0, 0, 0]}  # pages, wall s, stored B, cpu s
    for page in WHOLE + EXCERPTS:
        data = page.read_bytes()
        c = convert(data)
        wall, cpu = _timed(lambda data=data: convert(data), args.rounds)
        packed = len(zlib.compress(c.markdown.encode("utf-8"), LEVEL))
        outline = len(json.dumps([h.as_dict() for h in c.outline]))
        read, _ = _timed(lambda c=c: render(c.markdown, c.outline), max(1, args.rounds // 2))
        marked, _ = _timed(lambda c=c: render(c.markdown, c.outline, hl="the model"), max(1, args.rounds // 2))
        kind = "whole" if page in WHOLE else "excerpt"
        print(f"{page.name} ({kind}): {len(data):,} bytes of HTML -> {len(c.markdown):,} characters of Markdown, "
              f"{len(c.outline)} headings; {1 / wall:.1f} pages/s (wall), {cpu * 1000:.0f} ms CPU a page; stored "
              f"{packed:,} B compressed + {outline:,} B of outline; Read view {read * 1000:.0f} ms "
              f"({marked * 1000:.0f} ms with ?hl=)")
        for key in (["whole", "all"] if kind == "whole" else ["all"]):
            t = totals[key]
            t[0], t[1], t[2], t[3] = t[0] + 1, t[1] + wall, t[2] + packed + outline, t[3] + cpu
    for key, (n, wall, stored, cpu) in totals.items():
        if n:
            print(f"{key} ({int(n)} pages): {n / wall:.1f} pages/s (wall, on a shared machine), {n / cpu:.1f} pages/s"
                  f" of one core's CPU, {stored / n / 1000:.1f} kB stored a paper (~{stored / n / 1000:.0f} MB per"
                  " 1,000 such papers)")


if __name__ == "__main__":
    main()
