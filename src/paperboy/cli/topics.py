"""`paperboy topics build` and `paperboy topics list`: the topic map's topics, built now or
listed (serve rebuilds them every PAPERBOY_TOPICS_EVERY)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from paperboy.cli.console import err, open_db, out, progress_bar, when

# paperboy.topics (numpy, scipy, scikit-learn) is imported inside the commands, so that
# `paperboy --help` stays fast.

app = typer.Typer(
    help="Topics: the papers of a period grouped by their vectors, named by their distinctive "
    "words, counted by week (the map at /topics). `paperboy serve` rebuilds them every "
    "PAPERBOY_TOPICS_EVERY.",
    no_args_is_help=True)

STAGES = ("reading", "clustering", "naming", "placing", "matching", "storing")


def _print(topics: list[dict]) -> None:
    table = Table(title=f"{len(topics)} topics", title_justify="left")
    for name, justify in (("id", "right"), ("label", "left"), ("papers", "right"), ("growth", "right"),
                          ("keywords", "left")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for t in topics:
        table.add_row(str(t["id"]), t["label"], str(t["size"]), f"{t['growth']:+.0%}", ", ".join(t["keywords"][3:]))
    out.print(table)


@app.command("build")
def build(
    since: Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD; 1900-01-01: all time). "
                                                   "Default: 90 days before --until.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this day (default: the latest paper's).")] = None,
) -> None:
    """Build the topics now (under the same lock as serve's schedule) and print them. Topics
    that continue one of the last build keep its id."""
    from paperboy.topics import build as topic_build
    from paperboy.topics import queries

    start, end = when(since, "--since", "2026-03-01"), when(until, "--until", "2026-06-01")
    with open_db() as db, db.connection() as conn, progress_bar() as bar:
        task = bar.add_task("topics", total=len(STAGES), rate="")

        def step(name: str) -> None:
            bar.update(task, description=f"topics: {name}",
                       completed=STAGES.index(name) if name in STAGES else 0)

        outcome = topic_build.run(conn, since=start, until=end, step=step)
        bar.update(task, completed=len(STAGES))
        topics = queries.listing(conn)
    err.print(f"{outcome.papers} papers ({outcome.since} … {outcome.until}) in {outcome.seconds:.1f} s: "
              f"{len(outcome.ids)} topics, {outcome.kept} kept their id, {outcome.retired} retired",
              highlight=False)
    if not outcome.ids:
        out.print("no topics: too few papers with vectors in this period (try --since 1900-01-01, "
                  "or `paperboy embed` first)")
        return
    _print(topics)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON (the API's /api/topics).")] = False,
) -> None:
    """List the topics of the last build, largest first."""
    from paperboy.topics import build as topic_build
    from paperboy.topics import queries

    with open_db() as db, db.connection() as conn:
        topics = queries.listing(conn)
        done = topic_build.last(conn)
    if as_json:
        print(json.dumps(topics, indent=2))
        return
    if not topics:
        out.print("no topics yet: run `paperboy topics build` (or wait for serve's schedule)")
        return
    if done:
        err.print(f"built {done['at']} over {done['papers']} papers ({done['since']} … {done['until']})",
                  highlight=False)
    _print(topics)
