"""A weekly chart as server-side SVG (no script): one bar per week, each with a title that
says its week and count; the whole chart is an image named by what it shows."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 120, 18


def svg(weeks: list[tuple[date, int]], what: str = "papers") -> Markup:
    """The chart of ``weeks`` ((Monday, count), oldest first); "" when there is none."""
    if not weeks:
        return Markup("")
    top = max(n for _, n in weeks) or 1
    step = WIDTH / len(weeks)
    bar = max(step - 1, 1)
    total = sum(n for _, n in weeks)
    label = (f"{total} {what} over {len(weeks)} weeks, {weeks[0][0].isoformat()} to {weeks[-1][0].isoformat()};"
             f" at most {top} in a week")
    bars = []
    for i, (week, n) in enumerate(weeks):
        h = (HEIGHT - PAD) * n / top
        bars.append(f'<rect x="{i * step:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                    f"<title>week of {week.isoformat()}: {n}</title></rect>")
    axis = (f'<text x="0" y="{HEIGHT - 4}">{weeks[0][0].isoformat()}</text>'
            f'<text x="{WIDTH}" y="{HEIGHT - 4}" text-anchor="end">{weeks[-1][0].isoformat()}</text>')
    return Markup(f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}"'
                  f' xmlns="http://www.w3.org/2000/svg">{"".join(bars)}{axis}</svg>')
