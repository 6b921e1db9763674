"""`paperboy recommend EMAIL`: a member's For you picks on the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out, when

# paperboy.recommend (numpy, scikit-learn) and paperboy.community are imported inside the
# command, so that `paperboy --help` stays fast.


def recommend(
    email: Annotated[str, typer.Argument(help="The member's email address.", show_default=False)],
    since: Annotated[str | None, typer.Option(help="Only papers from this day on (YYYY-MM-DD; "
                                                   "1900-01-01: all time).")] = None,
    until: Annotated[str | None, typer.Option(help="Only papers up to this day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many picks.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the picks as JSON (the API's items).")] = False,
) -> None:
    """A member's For you picks: the papers most like those they upvoted, saved or have in
    their library, each with the one or two of theirs it is closest to. Papers of the last
    PAPERBOY_FOR_YOU_DAYS days unless --since/--until say otherwise. With fewer than 3
    signals (a cold start) it says so and shows trending papers."""
    from paperboy.community import members
    from paperboy.papers import picks

    start = when(since or None, "--since", "2024-11-08", paper_dates=True)
    end = when(until or None, "--until", "2024-11-08", paper_dates=True)
    if start and end and end < start:
        raise fail("--until is before --since", 2)
    try:
        address = members.address(email)
    except members.MemberError as e:
        raise fail(str(e), 2) from None
    cfg = config.load()
    with open_db() as db, db.connection() as conn:
        member = members.by_email(conn, address)
        if member is None:
            raise fail(f"{address} is not a member (add it with `paperboy user add {address}`)", 2)
        found = picks.for_you(conn, member.id, since=start, until=end, limit=limit, days=cfg.recommend.days)
    if as_json:
        print(json.dumps([s.hf_item() for s in found.items], indent=2))
        return
    if found.cold_start:
        err.print(f"[yellow]cold start:[/] {address} has {found.signals} signal{'' if found.signals == 1 else 's'} "
                  "(fewer than 3 upvotes, saves or library entries): showing trending papers instead.",
                  highlight=False)
    elif found.pending:
        err.print("[yellow]note:[/] the picks are being refitted after a change (the background job "
                  "of `paperboy serve` does it within seconds); these are the last fitted ones.", highlight=False)
    if not found.items:
        out.print("no papers to pick from in this period (try --since 1900-01-01)")
        return
    table = Table(title=f"{'Trending' if found.cold_start else 'For you'} · {address}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("title", overflow="fold")
    table.add_column("arXiv id", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("because", overflow="fold")
    for i, s in enumerate(found.items, 1):
        table.add_row(str(i), s.paper.title, s.paper.arxiv_id or s.paper.id, f"{s.score:.3f}",
                      "(trending)" if s.trending else "; ".join(b.title for b in s.because))
    out.print(table)
