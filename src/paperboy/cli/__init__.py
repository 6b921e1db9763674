"""The ``paperboy`` command: the Typer app, and every verb registered in the order `--help`
lists them. Each verb group lives in its own module; console.py holds what they share."""

from __future__ import annotations

import signal
import sys

import typer

from paperboy import config, logs
from paperboy.cli import (
    agents,
    digests,
    enriching,
    fetching,
    importing,
    library,
    ops,
    recommending,
    searching,
    serving,
    settings,
    status,
    topics,
    users,
)
from paperboy.cli.console import err

app = typer.Typer(
    name="paperboy",
    help="A self-hosted hub for research papers: import papers, then serve a daily feed.\n\n"
    "With no DATABASE_URL set, paperboy runs its own PostgreSQL in PAPERBOY_HOME "
    "(default ~/.local/share/paperboy).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Docstrings are wrapped at 100 columns in the source: Markdown mode joins the lines of
    # a paragraph, so --help rewraps them to the terminal instead of breaking mid-sentence.
    rich_markup_mode="markdown",
)
app.command("import")(importing.import_)
app.command()(status.status)
app.command()(status.migrate)
app.command("config")(settings.show)
app.command()(ops.backup)
app.command()(ops.restore)
app.command()(searching.embed)
app.command()(searching.keyphrases)
app.command()(searching.reindex)
app.command()(enriching.enrich)
app.command()(enriching.fulltext)
app.command()(searching.search)
app.command()(recommending.recommend)
app.command()(serving.serve)
app.command()(serving.demo)
app.command()(agents.mcp)
app.add_typer(digests.app, name="digest")
app.add_typer(fetching.app, name="fetch")
app.add_typer(library.app, name="library")
app.add_typer(topics.app, name="topics")
app.add_typer(users.app, name="user")


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (what systemd, docker and kill send) ends paperboy like Ctrl+C does: the
    stack unwinds and exit handlers run, so the embedded PostgreSQL is stopped too. uvicorn
    re-raises the signal once it has shut down; Python's default would die on the spot."""
    raise SystemExit(128 + signum)


def _configure_logs() -> None:
    """Warnings only for commands at a terminal, unless PAPERBOY_LOG_LEVEL says otherwise;
    `serve` logs at the level of the settings (cli/serving.py)."""
    cfg, values = config.load_with_sources()
    chosen = values.read["PAPERBOY_LOG_LEVEL"].origin != "default"
    logs.configure(cfg.log_level if chosen else "warning", cfg.log_format)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        _configure_logs()
        app()
    except config.ConfigError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
