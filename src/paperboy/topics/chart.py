"""A topic's weekly chart as a small server-side SVG (no script): one bar per week, each with
its week and count as a tooltip, the whole named for screen readers."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 640, 160, 24


def weekly_svg(weekly: list[dict], title: str) -> str:
    """An accessible SVG bar chart of ``[{week, n}]``."""
    if not weekly:
        return ""
    top = max(1, max(w["n"] for w in weekly))
    step = (WIDTH - 2 * PAD) / len(weekly)
    bar = max(1.0, step * 0.8)
    first, last = weekly[0], weekly[-1]
    peak = max(weekly, key=lambda w: w["n"])
    name = (f"{title}: papers per week, from {first['n']} in the week of {first['week']} to {last['n']} in the "
            f"week of {last['week']}; most, {peak['n']}, in the week of {peak['week']}")
    parts = [f'<svg class="weekly" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(name)}"'
             f' xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>']
    for i, w in enumerate(weekly):
        h = (HEIGHT - 2 * PAD) * w["n"] / top
        x = PAD + i * step
        parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                     f'<title>week of {escape(w["week"])}: {w["n"]} papers</title></rect>')
    parts.append(f'<text x="{PAD}" y="{HEIGHT - 6}" class="tick">{escape(first["week"])}</text>')
    parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 6}" text-anchor="end" class="tick">{escape(last["week"])}</text>')
    parts.append(f'<text x="{PAD}" y="{PAD - 8}" class="tick">{top} a week at most</text>')
    parts.append("</svg>")
    return "".join(parts)
