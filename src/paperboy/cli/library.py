"""`paperboy library …`: a member's library from the command line — import a BibTeX,
CSL-JSON or RIS file, list the library, export its known papers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from paperboy.cli.console import err, fail, open_db, out, progress_bar
from paperboy.cli.users import _member  # the member of an address, or exit 2

# paperboy.library (bibtexparser, pylatexenc, rispy), paperboy.community and
# paperboy.embeddings (numpy, then torch) are imported inside the commands, so that
# `paperboy --help` stays fast.

app = typer.Typer(
    help="A member's library from a reference manager: import a BibTeX (.bib), CSL-JSON "
    "(Zotero) or RIS file, list it, export its known papers.",
    no_args_is_help=True)

Email = Annotated[str, typer.Argument(help="The member's email address.", show_default=False)]
FormatOption = Annotated[str | None, typer.Option(
    "--format", help="The file's format: bibtex, csl-json or ris (default: from the file name, "
    "else its content).", show_default=False)]


def _print_summary(summary) -> None:
    out.print(f"matched: {len(summary.matched)}", highlight=False)
    for paper_id, title in summary.matched:
        out.print(f"  {escape(paper_id)}  {escape(title)}", highlight=False)
    out.print(f"library-only: {len(summary.library_only)}", highlight=False)
    for title in summary.library_only:
        out.print(f"  {escape(title)}", highlight=False)
    out.print(f"duplicates: {summary.duplicates}", highlight=False)
    out.print(f"rejected: {len(summary.rejected)}", highlight=False)
    for r in summary.rejected:
        out.print(f"  {escape(r.where)}: {escape(r.reason)}", highlight=False)


def _embed(db, member_id: int) -> None:
    """Embed the member's library-only entries now, with a progress bar."""
    from paperboy import embeddings
    from paperboy.library import embed

    with db.connection() as conn:
        pending = embed.pending_count(conn, member_id)
        if not pending:
            return
        start = time.monotonic()
        with progress_bar() as bar:
            task = bar.add_task("embedding library-only entries", total=pending, rate="")

            def advance(n: int) -> None:
                done = bar.tasks[0].completed + n
                bar.update(task, advance=n, rate=f"{done / (time.monotonic() - start):.1f} entries/s")

            embeddings.model()  # load before the clock matters
            done = embed.embed_pending(conn, member_id=member_id, progress=advance)
    err.print(f"embedded {done} library-only entries in {time.monotonic() - start:.0f} s", highlight=False)


@app.command("import", short_help="Import a .bib, CSL-JSON or .ris file into a member's library.")
def import_(
    email: Email,
    file: Annotated[Path, typer.Argument(help="A .bib, .json (CSL-JSON) or .ris file.", show_default=False)],
    fmt: FormatOption = None,
    embed: Annotated[bool, typer.Option(
        "--embed/--no-embed", help="Embed the library-only entries now (else serve's background "
        "job does).")] = True,
) -> None:
    """Import a reference manager's file into a member's library: entries are matched to known
    papers by arXiv id, else by title; the others are kept as library-only entries. Prints
    what was matched, what is library-only, the duplicates, and each rejected entry with why."""
    from paperboy.library.entry import LibraryError
    from paperboy.library.importer import import_library, read_text

    try:
        text = read_text(file.read_bytes())
    except OSError as e:
        raise fail(f"cannot read {file}: {e.strerror or e}", 2) from None
    except LibraryError as e:
        raise fail(f"{file}: {e}", 2) from None
    with open_db() as db:
        with db.connection() as conn:
            member = _member(conn, email)
            try:
                summary = import_library(conn, member.id, text, file.name, fmt)
            except LibraryError as e:
                raise fail(f"{file}: {e}", 2) from None
        out.print(f"{escape(member.email)}: imported {escape(file.name)} ({summary.format})", highlight=False)
        _print_summary(summary)
        if embed and summary.library_only:
            _embed(db, member.id)


@app.command("list", short_help="List a member's library, newest first.")
def list_(
    email: Email,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="Entries to list.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Entries to skip (newest first).")] = 0,
) -> None:
    """A member's library, newest first: each entry's paper id (or "library-only") and title."""
    from paperboy.library.importer import library

    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        page = library(conn, member.id, offset, limit)
    out.print(f"{escape(member.email)}: {page.total} entries, {page.matched} matched, "
              f"{page.library_only} library-only", highlight=False)
    for e in page.entries:
        where = e["paper_id"] or "library-only"
        year = f" ({e['year']})" if e["year"] else ""
        out.print(f"  {e['id']:>6}  {escape(where):<16} {escape(e['title'])}{year}", highlight=False)


@app.command("export", short_help="Export the known papers of a member's library.")
def export(
    email: Email,
    fmt: Annotated[str, typer.Option("--format", help="bibtex, csl-json or ris.")] = "bibtex",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: standard output).", show_default=False)] = None,
) -> None:
    """Export the known papers of a member's library (its matched entries) as BibTeX,
    CSL-JSON or RIS."""
    from paperboy.library.export import FORMATS
    from paperboy.library.importer import export_library

    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", 2)
    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        exported = export_library(conn, member.id, fmt)
    if output is None:
        typer.echo(exported.body, nl=False)
        return
    try:
        output.write_text(exported.body, encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror or e}", 2) from None
    err.print(f"wrote {output}", highlight=False)
