"""`paperboy serve` and `paperboy demo`: the web app, with its background worker."""

from __future__ import annotations

from typing import Annotated

import typer

from paperboy import config, logs
from paperboy.cli.console import open_db, out
from paperboy.cli.importing import run_import
from paperboy.db import Database
from paperboy.db import migrate as migrations
from paperboy.demo import corpus_files

# uvicorn, the web app (fastapi) and paperboy.fetch (httpx) are imported inside _serve, so
# that `paperboy --help` stays fast.

HostOpt = Annotated[str | None, typer.Option(help="Address to listen on (default PAPERBOY_HOST or 127.0.0.1).")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on (default PAPERBOY_PORT or 8000).")]
WorkersOpt = Annotated[int, typer.Option(min=1, max=32, help="Worker processes (each with its own connection pool).")]
EmbedOpt = Annotated[bool, typer.Option(
    "--embed/--no-embed", help="Embed new papers and compute their keyphrases in the background "
    "(uses the CPU; with --no-embed, run `paperboy embed` and `paperboy keyphrases` yourself, e.g. from cron).")]
FetchOpt = Annotated[bool, typer.Option(
    "--fetch/--no-fetch", help="Fetch new papers on the schedule of PAPERBOY_FETCH_EVERY (default "
    "every 6 h: Hugging Face, and arXiv for PAPERBOY_ARXIV_CATEGORIES), and complete papers from "
    "their sources every PAPERBOY_ENRICH_EVERY (default 10 min; see `paperboy enrich`).")]


def _serve(db: Database, host: str | None, port: int | None, workers: int = 1, embed: bool = True,
           fetch: bool = True) -> None:
    from functools import partial

    import uvicorn

    from paperboy import fetch as fetching
    from paperboy.web.app import create_app
    from paperboy.web.server import NoDelayH11

    cfg = config.load()
    logs.configure(cfg.log_level, cfg.log_format)
    host, port = host or cfg.host, port or cfg.port
    # Our handler renders uvicorn's records too (log_config=None keeps uvicorn from installing
    # its own); the access log is ours (web/requestlog.py: with the request id, secrets cut).
    # Behind a reverse proxy, X-Forwarded-For/-Proto are believed from forwarded_allow_ips.
    # A half-sent request is cut off after PAPERBOY_READ_TIMEOUT (web/server.py; its body: web/bodies.py).
    http = partial(NoDelayH11, read_timeout=cfg.read_timeout)
    server_options = dict(log_config=None, log_level=cfg.log_level, access_log=False, http=http,
                          proxy_headers=True, forwarded_allow_ips=cfg.forwarded_allow_ips,
                          timeout_graceful_shutdown=30)  # a stuck client cannot hold a stop forever
    out.print(f"paperboy is serving on [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    if fetch:
        out.print(f"[dim]fetching: {fetching.describe_schedule(cfg)} · runs: "
                  f"http://{host}:{port}/admin/status[/]", highlight=False)
    migrations.migrate_later(db.url)  # index builds that need no downtime, while it answers
    if workers == 1:
        app_ = create_app(db, background=True, background_embed=embed, background_fetch=fetch, cfg=cfg)
        uvicorn.run(app_, host=host, port=port, **server_options)
    else:
        # Workers are separate processes: each opens the database itself (joining the
        # embedded server this process started).
        config.hand_off_to_workers(embed, fetch)
        uvicorn.run("paperboy.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, **server_options)


def serve(host: HostOpt = None, port: PortOpt = None, workers: WorkersOpt = 1, embed: EmbedOpt = True,
          fetch: FetchOpt = True) -> None:
    """Serve the web app: the daily feed, trending, search, paper pages, the JSON API (/docs),
    Atom feeds and the status page (/admin/status). In the background it keeps the keyword
    index current, embeds new papers, sends the email digests that are due and fetches new
    papers on schedule."""
    with open_db(later=True) as db:
        _serve(db, host, port, workers, embed, fetch)


def demo(
    host: HostOpt = None,
    port: PortOpt = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo data and exit.")] = False,
) -> None:
    """Load the small real corpus shipped with paperboy (a few weeks of HF Daily Papers and
    three saved listing pages), then serve it. Loading again changes nothing. The demo does
    not fetch live papers; `paperboy serve` does."""
    with open_db() as db:
        run_import(db, corpus_files())
        if not no_serve:
            out.print("[dim]Semantic search and similar papers fill in as the background worker "
                      "embeds the demo papers (about a minute).[/]")
            _serve(db, host, port, fetch=False)
