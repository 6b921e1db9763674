"""`paperboy search`, `embed`, `keyphrases` and `reindex`: the read side and the state
derived for it (vectors, keyphrases, the keyword index)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.text import Text

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out, progress_bar, when
from paperboy.db import Database, locks
from paperboy.papers import view

T = TypeVar("T")

# paperboy.search (tantivy, numpy) and paperboy.embeddings (numpy, then torch) are imported
# inside the functions that use them, so that `paperboy --help` stays fast.


def sync_index(db: Database) -> None:
    """Bring the keyword index up to date with the database, with a progress bar."""
    from paperboy.search.keyword import KeywordIndex, index_dir

    cfg = config.load()
    with db.connection() as conn:
        index = KeywordIndex(index_dir(cfg.home, conn))
        behind = index.behind(conn)
        if not behind:
            return
        with progress_bar() as bar:
            task = bar.add_task("keyword index", total=behind, rate="")
            index.sync(conn, lambda n: bar.advance(task, n), wait=True)


def sync_passages(db: Database) -> None:
    """Keep the stored full texts within PAPERBOY_FULLTEXT_MAX_GB, then bring the passage index
    up to date with them (what serve's jobs do after each round)."""
    from paperboy.fulltext import budget
    from paperboy.passages.index import PassageIndex, passage_dir

    cfg = config.load()
    with db.connection() as conn:
        index = PassageIndex(passage_dir(cfg.home, conn))
        evicted = budget.enforce(conn, cfg.fetch.fulltext_max_bytes)
        if evicted:
            out.print(f"{len(evicted)} full texts evicted to stay within PAPERBOY_FULLTEXT_MAX_GB")
        behind = index.behind(conn)
        if not behind:
            return
        with progress_bar() as bar:
            task = bar.add_task("passage index", total=behind, rate="")
            index.sync(conn, lambda n: bar.advance(task, n), wait=True)


def _with_model(conn, label: str, pending: int, work: Callable[[Callable[[int], None]], T]) -> T:
    """``work(advance)`` with a progress bar of ``pending`` papers (and their rate), the model
    loaded first and the embedding lock held: one embedder at a time per database (serve's
    job takes the lock a batch at a time, so this waits at most one of its batches, then the
    job skips while this runs)."""
    from paperboy import embeddings

    start = time.monotonic()
    with progress_bar() as bar:
        task = bar.add_task(label, total=pending, rate="")

        def advance(n: int) -> None:
            done = bar.tasks[0].completed + n
            bar.update(task, advance=n, rate=f"{done / (time.monotonic() - start):.1f} papers/s")

        embeddings.model()  # load before the clock matters
        locks.lock(conn, locks.EMBED)
        conn.commit()
        try:
            return work(advance)
        finally:
            conn.rollback()
            locks.unlock(conn, locks.EMBED)
            conn.commit()


def run_embed(db: Database, limit: int | None = None, batch: int | None = None) -> int:
    """Embed papers that lack a vector, with a progress bar; return how many were embedded."""
    from paperboy import embeddings

    with db.connection() as conn:
        pending = embeddings.pending_count(conn)
        if limit is not None:
            pending = min(pending, limit)
        if not pending:
            out.print("every paper is embedded")
            return 0
        out.print(f"embedding {pending} papers with {embeddings.MODEL_NAME} (Ctrl+C stops safely; "
                  "running again continues)")
        start = time.monotonic()
        stats = _with_model(conn, "embedding", pending, lambda advance: embeddings.embed_pending(
            conn, advance, batch=batch or embeddings.BATCH, limit=limit))
    elapsed = time.monotonic() - start
    out.print(f"embedded {stats.embedded} papers in {elapsed:.0f} s "
              f"({stats.embedded / max(elapsed, 1e-9):.1f} papers/s)")
    return stats.embedded


def embed(
    limit: Annotated[int | None, typer.Option(min=1, help="Embed at most this many papers.")] = None,
    batch: Annotated[int, typer.Option(min=1, max=4096, help="Papers per committed batch.")] = 256,
) -> None:
    """Embed every paper that lacks a vector (all-MiniLM-L6-v2 over title + abstract), in
    batches committed as they finish: safe to stop at any moment, and the next run continues.
    Vectors record their model, so a model change re-embeds."""
    with open_db() as db:
        run_embed(db, limit, batch)


def run_keyphrases(db: Database, limit: int | None = None) -> int:
    """Compute the keyphrases of papers lacking them, with a progress bar; return how many."""
    from paperboy import keyphrases
    from paperboy.keyphrases import store as keyphrase_store

    with db.connection() as conn:
        pending = keyphrase_store.pending_count(conn)
        if limit is not None:
            pending = min(pending, limit)
        if not pending:
            out.print("every paper has its keyphrases")
            return 0
        out.print(f"computing the keyphrases of {pending} papers ({keyphrases.METHOD} v{keyphrases.VERSION};"
                  " Ctrl+C stops safely; running again continues)")
        start = time.monotonic()
        stats = _with_model(conn, "keyphrases", pending,
                            lambda advance: keyphrase_store.compute_pending(conn, advance, limit=limit))
    elapsed = time.monotonic() - start
    out.print(f"computed the keyphrases of {stats.computed} papers in {elapsed:.0f} s")
    return stats.computed


def keyphrases(
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many papers.")] = None,
) -> None:
    """Compute now the keyphrases of every paper that lacks them (KeyBERT's recipe over the
    paper's all-MiniLM-L6-v2 vector, from title and abstract; `paperboy serve` does it in the
    background too), in batches committed as they finish: safe to stop, the next run continues."""
    with open_db() as db:
        run_keyphrases(db, limit)


def reindex() -> None:
    """Drop the keyword index and the passage index and rebuild them from the database (nothing
    is lost: they are derived from PostgreSQL, which stays the source of truth)."""
    from paperboy.passages.index import passage_dir
    from paperboy.search.keyword import index_dir, rebuild

    cfg = config.load()
    with open_db() as db:
        with db.connection() as conn:
            path, passages = index_dir(cfg.home, conn), passage_dir(cfg.home, conn)
        rebuild(path)
        sync_index(db)
        out.print(f"keyword index rebuilt in {path}")
        rebuild(passages)  # (the same: drop the folder, the next sync refills it)
        sync_passages(db)
        out.print(f"passage index rebuilt in {passages}")


def search(
    query: Annotated[str, typer.Argument(help='What to look for: words, "a phrase", -excluded, '
                                              "a OR b, author:Name, title:word, in:text (full texts too), or an arXiv id.")],
    limit: Annotated[int, typer.Option(min=1, max=120, help="How many results.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid (default), keyword or semantic.")] = "hybrid",
    sort: Annotated[str, typer.Option(help="relevance (default), date or upvotes.")] = "relevance",
    since: Annotated[str | None, typer.Option(help="Only papers from this day on (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Only papers up to this day (YYYY-MM-DD).")] = None,
    code: Annotated[bool, typer.Option("--code", help="Only papers with a code repository.")] = False,
    category: Annotated[str | None, typer.Option(help="Only this arXiv category, e.g. cs.CL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON (HF shape).")] = False,
) -> None:
    """Search the hub: keyword (BM25) and semantic (meaning) search fused into one ranking."""
    from paperboy.search import Filters, Searcher
    from paperboy.search import query as q
    from paperboy.search.highlight import spans
    from paperboy.search.hybrid import MODES, SORTS

    if mode not in MODES:
        raise fail(f"--mode must be one of {', '.join(MODES)}", 2)
    if sort not in SORTS:
        raise fail(f"--sort must be one of {', '.join(SORTS)}", 2)
    # A blank --since or --until has always meant "not given".
    start = when(since or None, "--since", "2024-11-08", paper_dates=True)
    end = when(until or None, "--until", "2024-11-08", paper_dates=True)
    filters = Filters(since=start, until=end, has_code=code, category=category)
    cfg = config.load()
    with open_db() as db:
        sync_index(db)
        with db.connection() as conn:
            result = Searcher(cfg.home, conn).search(conn, query, filters=filters, sort=sort,
                                                     mode=mode, limit=limit)
    if as_json:
        print(json.dumps([{"paper": view.of(r).hf_paper(), "title": r["title"]} for r in result.items],
                         indent=2))
        return
    for notice in result.notices:
        err.print(f"[yellow]note:[/] {notice}", highlight=False)
    if not result.items:
        out.print("no papers found")
        return
    words = q.parse(query).words
    for i, r in enumerate(result.items, 1):
        shown = r.get("listed_on") or r.get("published_at")
        title = Text(f"{i:2d}. ", style="bold") + Text(r["title"])
        for a, b in spans(r["title"], words):
            title.stylize("reverse", a + 4, b + 4)
        out.print(title)
        out.print(Text(f"    {r['id']} · {shown or ''} · ▲ {r['upvotes'] or 0} · "
                       f"{', '.join(r['authors'][:3])}", style="dim"))
        if r.get("passage"):  # in:text: where in the paper's text it matched
            out.print(Text(f"    {r['passage']['label'] or 'Text'}: {r['passage']['snippet']}"), highlight=False)
    out.print(f"[dim]{result.total} matches · {result.mode} search[/]")
