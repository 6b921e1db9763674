"""The search page's small chart: how many papers match the query in each month, as a
server-side SVG (no script), one bar per month from the first match to the last, each with its
month and count as a tooltip, the whole named for screen readers."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 480, 90, 16
MAX_MONTHS = 120  # the last ten years of matches at most: older months are left out


def _every_month(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly_svg(months: list[dict], query: str) -> Markup:
    """An accessible SVG bar chart of ``[{month: "2025-01", n}]``, empty months drawn as gaps;
    an empty Markup for fewer than two months (a chart of one bar says nothing)."""
    if len(months) < 2:
        return Markup("")
    counts = {m["month"]: int(m["n"]) for m in months}
    every = _every_month(months[0]["month"], months[-1]["month"])[-MAX_MONTHS:]
    top = max(counts.get(m, 0) for m in every) or 1
    step = (WIDTH - 2 * PAD) / len(every)
    bar = max(1.0, step * 0.8)
    peak = max(every, key=lambda m: counts.get(m, 0))
    name = (f"Papers matching {query} per month, {_label(every[0])} to {_label(every[-1])}; "
            f"most, {counts.get(peak, 0)}, in {_label(peak)}")
    parts = [f'<svg class="months" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(name)}"'
             f' xmlns="http://www.w3.org/2000/svg">']
    for i, m in enumerate(every):
        n = counts.get(m, 0)
        h = (HEIGHT - 2 * PAD) * n / top
        parts.append(f'<rect x="{PAD + i * step:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar:.1f}"'
                     f' height="{h:.1f}"><title>{escape(_label(m))}: {n} papers</title></rect>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 3}" class="tick">{escape(_label(every[0]))}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 3}" text-anchor="end" class="tick">'
                 f'{escape(_label(every[-1]))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _label(month: str) -> str:
    return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")
