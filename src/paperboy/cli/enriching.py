"""`paperboy enrich`: complete stored papers from their sources now (serve does it in the
background)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out, progress_bar
from paperboy.cli.fetching import _retry_note
from paperboy.cli.searching import sync_index, sync_passages

# paperboy.enrich (httpx, the parsers) is imported inside the command, so that `paperboy
# --help` stays fast.


def _ids(values: list[str] | None) -> list[str] | None:
    """Paper ids from repeated and comma- or space-separated --ids values (arXiv ids lose
    their version: 2410.08565v2 is paper 2410.08565)."""
    if not values:
        return None
    from paperboy.papers.record import parse_arxiv_id

    ids = []
    for v in values:
        for part in v.replace(",", " ").split():
            found = parse_arxiv_id(part) if not part.startswith("t-") else None
            ids.append(found[0] if found else part)
    return list(dict.fromkeys(ids))


def enrich(
    limit: Annotated[int | None, typer.Option(min=1, help="Enrich at most this many papers.")] = None,
    ids: Annotated[list[str] | None, typer.Option(
        "--ids", help="Only these papers (arXiv ids or paper ids; commas, spaces or a repeated "
        "option), asked again even if done before.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="Only this source: arxiv (metadata by id), arxiv-title (papers "
        "without an id, matched by title), fulltext (arXiv's HTML; see `paperboy fulltext`), github "
        "(stars of the paper's code) or hub (models, datasets and Spaces on the Hugging Face Hub). "
        "Default: PAPERBOY_ENRICH_SOURCES, or all.")] = None,
) -> None:
    """Complete papers from their sources: arXiv metadata by id (dates, the latest version, the
    full author list, categories, comment, journal reference, DOI, withdrawals) for papers that
    miss some, and an arXiv id for papers without one (a title search, accepted only on an
    exact title match).

    GitHub stars of each paper's code repository (refreshed daily for a month, then weekly),
    and the models, datasets and Spaces built on it on the Hugging Face Hub.

    Fields imported or set here are never overwritten; each filled field records its source.
    Requests go at the fetcher's polite rate (PAPERBOY_ARXIV_DELAY, through PAPERBOY_ARXIV_URL).
    Each batch is committed as it finishes: safe to stop at any moment, and the next run
    continues. A failed batch is retried by later runs, with growing delays; see `paperboy
    status`. Exit status 1 if some batch failed.
    """
    _enrich(source, limit, ids, "enrich", "enriching")


def _enrich(source: list[str] | None, limit: int | None, ids: list[str] | None, verb: str, doing: str) -> None:
    """What `paperboy enrich` and `paperboy fulltext` do: queue, then work with a progress bar."""
    from paperboy import enrich as enrichment

    cfg = config.load()
    wanted = _ids(ids)
    try:
        enrichment.chosen(source or cfg.fetch.enrich_sources)
    except ValueError as e:
        raise fail(str(e), 2) from None
    with open_db() as db:
        with db.connection() as conn:
            sources = enrichment.active(source or cfg.fetch.enrich_sources or None, cfg, wanted)
            enrichment.discover(conn, sources, wanted, cfg)
            todo = enrichment.pending(conn, sources, wanted) if sources else 0
        todo = min(todo, limit) if limit else todo
        if not todo:
            out.print(f"nothing to {verb}: every paper is {'complete' if verb == 'enrich' else 'done'},"
                      " or waits for a retry (see `paperboy status`)")
            return
        out.print(f"{doing} {todo} papers (Ctrl+C stops safely; running again continues)")
        start = time.monotonic()
        with progress_bar() as bar:
            task = bar.add_task("enriching", total=todo, rate="")

            def progress(name: str, n: int) -> None:
                done = bar.tasks[0].completed + n
                bar.update(task, advance=n, description=f"enriching ({name})",
                           rate=f"{done / max(time.monotonic() - start, 1e-9):.1f} papers/s")

            outcome = enrichment.run(db, cfg, sources=source, limit=limit, ids=wanted,
                                     progress=progress, on_retry=_retry_note)
        for name in sorted(set(outcome.done) | set(outcome.failed)):
            out.print(f"{name}: {outcome.done.get(name, 0)} done, {outcome.failed.get(name, 0)} to retry later",
                      highlight=False)
        for e in outcome.errors:
            err.print(f"[yellow]note:[/] {e}", highlight=False, soft_wrap=True)
        if outcome.done:
            sync_index(db)
            if "fulltext" in outcome.done:
                sync_passages(db)
    if outcome.errors:
        raise typer.Exit(1)


def fulltext(
    limit: Annotated[int | None, typer.Option(min=1, help="Fetch at most this many papers.")] = None,
    ids: Annotated[list[str] | None, typer.Option(
        "--ids", help="Only these papers (arXiv ids or paper ids; commas, spaces or a repeated "
        "option), fetched again even if done before, whatever PAPERBOY_FULLTEXT says.")] = None,
) -> None:
    """Fetch papers' full text now: arXiv's HTML version (PAPERBOY_ARXIV_HTML_URL/{id}),
    converted to Markdown with its section outline, for the papers PAPERBOY_FULLTEXT names
    (default library: Daily papers, and papers members upvoted, saved or imported).

    One request at a time, PAPERBOY_ARXIV_DELAY seconds apart. A paper without an HTML
    version is marked "no full text" and asked again only when a newer version appears;
    failures are retried by later runs with growing delays (see `paperboy status`). Safe to
    stop at any moment; the next run continues. Exit status 1 if some paper failed.
    """
    _enrich(["fulltext"], limit, ids, "fetch", "fetching the full text of")
