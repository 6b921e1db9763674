"""`paperboy status` and `paperboy migrate`: operations on the hub as a whole."""

from __future__ import annotations

from rich.table import Table

from paperboy import config
from paperboy.cli.console import fail, open_db, out
from paperboy.db import DatabaseError, connect

# paperboy.status (and through it search, fetch and embeddings: tantivy, httpx, numpy) is
# imported inside status(), so that `paperboy --help` stays fast.


def status() -> None:
    """Show where the data is, how many papers there are, how far embedding and the keyword
    index have got, the full texts stored within their budget, the digest subscribers, what is fetched and when, the database server's
    memory settings, the enrichment backlog per source, the latest fetch runs and the latest imports."""
    from paperboy.fetch.runs import NAMES
    from paperboy.status import report

    cfg = config.load()
    with open_db() as db, db.connection() as conn:
        s = report(conn, cfg)
    out.print(f"database: {s.database}")
    out.print(f"papers: {s.papers}")
    out.print(f"latest listed day: {s.latest_day or '—'}")
    out.print(f"embedded: {s.embedded} of {s.papers}"
              + (" (run `paperboy embed`)" if s.pending_embedding else ""))
    out.print(f"keyword index: {s.index_path} · "
              + ("up to date" if not s.index_behind else f"{s.index_behind} papers behind"))
    f = s.fulltext
    out.print(f"full texts: {f['stored']} stored, {f['bytes'] / 1e6:,.1f} MB of the {f['budget'] / 1e9:g} GB budget"
              f" (PAPERBOY_FULLTEXT_MAX_GB); {f['evicted']} evicted, {f['none']} without one · passage index: "
              + ("up to date" if not s.passages_behind else f"{s.passages_behind} texts behind"), highlight=False)
    out.print(f"digest subscribers: {s.subscribers_active} active, {s.subscribers_pending} awaiting "
              f"confirmation; {s.outbox_queued} messages queued")
    out.print(f"fetching: {s.schedule}", highlight=False)
    out.print(memory_line(s.db_memory, external=bool(cfg.database_url)), highlight=False, soft_wrap=True)
    out.print(enrichment_line(s.enrichment), highlight=False, soft_wrap=True)
    if s.fetch_runs:
        t = Table(title="latest fetch runs")
        for col in ("source", "trigger", "started", "took", "state", "new", "updated", "requests",
                    "what happened"):
            t.add_column(col)
        for r in s.fetch_runs:
            what = r["message"] or ""
            if r["error"]:
                what = f"{what} — {r['error']}" if what else r["error"]
            style = {"failed": "red", "interrupted": "yellow"}.get(r["status"], "")
            t.add_row(NAMES[r["source"]], r["trigger"], f"{r['started']:%Y-%m-%d %H:%M}",
                      f"{r['seconds']:.0f} s", f"[{style}]{r['status']}[/]" if style else r["status"],
                      str(r["new"]), str(r["updated"]), str(r["requests"]), what)
        out.print(t)
    if s.imports:
        t = Table(title="latest imports")
        for col in ("file", "format", "started", "state", "new", "updated", "unchanged", "rejected"):
            t.add_column(col)
        for r in s.imports:
            state = "done" if r["finished"] else "interrupted or running"
            t.add_row(r["path"], r["format"], f"{r['started']:%Y-%m-%d %H:%M}", state,
                      str(r["new"]), str(r["updated"]), str(r["unchanged"]), str(r["rejected"]))
        out.print(t)


def enrichment_line(backlog: dict[str, dict]) -> str:
    """The enrichment backlog on one line: per source, papers pending (due now), done, failed."""
    if not backlog:
        return "enrichment: nothing queued yet (`paperboy enrich`, or serve's background job)"
    parts = []
    for name, b in backlog.items():
        part = f"{name} {b['pending']} pending ({b['due']} due now), {b['done']} done, {b['failed']} failed"
        if b["last_error"] and (b["pending"] or b["failed"]):
            part += f" — last error: {b['last_error'][:120]}"
        parts.append(part)
    return "enrichment: " + "; ".join(parts)


def memory_line(settings: list[dict], external: bool) -> str:
    """The server's memory settings on one line: each value the server uses and where it came
    from, and what waits for the server's next start (an external server's are its own)."""
    from paperboy.config import parse_size
    from paperboy.db.tuning import human

    def shown(value: str) -> str:
        try:
            size = parse_size(value)
        except ValueError:
            return value
        return human(size) if size else value

    parts = []
    for x in settings:
        said = f"{x['origin']}, {x['why']}" if x["origin"] == "auto" else x["origin"]
        if x["pending"]:
            said += f"; {shown(x['pending'])} at the server's next start"
        parts.append(f"{x['name']} {shown(x['value'])}" + ("" if x["origin"] == "server" else f" ({said})"))
    head = "database memory (the server's own settings)" if external else "database memory"
    return f"{head}: {', '.join(parts)}"


def migrate() -> None:
    """Bring the database schema up to date (done automatically by every command)."""
    try:
        applied = connect.migrate_database(config.load())
    except DatabaseError as e:
        raise fail(str(e), 2) from None
    out.print("applied: " + ", ".join(applied) if applied else "schema is current")
