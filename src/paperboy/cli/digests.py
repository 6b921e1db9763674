"""`paperboy digest send` and `paperboy digest preview`."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import fail, open_db, out, progress_bar, when
from paperboy.cli.searching import sync_index

# paperboy.digest (email_validator, jinja2, smtplib; tantivy through search) and the email
# package are imported inside the functions, so that `paperboy --help` stays fast.

app = typer.Typer(help="Email digests: compose what is due and send it, or preview one.",
                  no_args_is_help=True)

NowOpt = Annotated[str | None, typer.Option(
    "--now", help="Act as if it were this time (ISO, UTC unless it says otherwise), e.g. to test a schedule.")]


def _context(conn, home: Path, now_text: str | None, url: str | None = None):
    """What every digest of this run shares (links, secret, sender, clock, search). With ``url``
    a topic's search runs its vector leg on a thread and connection of its own beside its
    keyword leg, as serve's do (close ``ctx.searcher`` after)."""
    from paperboy.digest import compose, subscriptions
    from paperboy.search import Searcher

    cfg = config.load()
    # A blank --now has always meant "now".
    now: datetime = when(now_text or None, "--now", "2024-11-08T09:00", time=True) or compose.now_utc()
    return compose.Context(
        base_url=cfg.base_url, secret=subscriptions.secret_key(conn, cfg.secret_key), sender=cfg.mail_from,
        now=now, searcher=Searcher(home, conn, url=url), latest=compose.latest_day(conn))


def _address(raw: str) -> str:
    from paperboy.digest import subscriptions

    try:
        return subscriptions.normalise_email(raw)
    except subscriptions.InvalidInput as e:
        raise fail(str(e), 2) from None


@app.command("send")
def send(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say who is due; compose and send nothing.")] = False,
    to: Annotated[str | None, typer.Option("--to", help="Only this subscriber, even if not due yet "
                                                        "(still at most one digest per period).")] = None,
    now: NowOpt = None,
    senders: Annotated[int, typer.Option(min=1, max=16, help="SMTP connections used at once.")] = 4,
) -> None:
    """Compose the digests due now (one per subscriber and period, never twice) and deliver the
    outbox: over SMTP when PAPERBOY_SMTP_HOST is set, else as .eml files in PAPERBOY_HOME/outbox."""
    from paperboy.digest import compose, outbox, subscriptions

    cfg = config.load()
    with open_db() as db:
        with db.connection() as conn, ExitStack() as finish:
            only = None
            if to:
                only = _address(to)
                if not subscriptions.is_active(conn, only):
                    raise fail(f"{only} is not an active subscriber", 2)
            ctx = _context(conn, cfg.home, now, url=db.url)
            finish.callback(ctx.searcher.close)  # its vector leg's threads and connections
            sync_index(db)
            n = 1 if only else subscriptions.counts(conn)["active"]
            if dry_run:
                stats = compose.compose_due(conn, ctx, only=only, force=bool(only), dry_run=True)
                out.print(f"due: {stats.due} · would compose: {stats.composed} · nothing new: {stats.empty}"
                          f" · already done this period: {stats.already}")
                for address in stats.messages[:50]:
                    out.print(f"  would send to {address}")
                return
            # Messages go out while later ones are still being composed.
            with progress_bar() as bar:
                composing = bar.add_task("composing", total=n, rate="")
                sending = bar.add_task("sending", total=None, rate="")
                with outbox.sending_alongside(db, cfg, senders if cfg.smtp else 1,
                                              progress=lambda k: bar.advance(sending, k), expected=n) as sent:
                    stats = compose.compose_due(conn, ctx, only=only, force=bool(only),
                                                progress=lambda k: bar.advance(composing, k))
            forgotten = outbox.forget_sent_messages(conn)
        out.print(f"due: {stats.due} · composed: {stats.composed} · nothing new: {stats.empty} · "
                  f"already done this period: {stats.already}")
        where = (f"SMTP {cfg.smtp.host}:{cfg.smtp.port}" if cfg.smtp
                 else f".eml files in {cfg.home / 'outbox'} (no PAPERBOY_SMTP_HOST set)")
        out.print(f"sent: {sent.sent} · to retry later: {sent.retry} · failed: {sent.failed} · via {where}")
        if forgotten:
            out.print(f"emptied the text of {forgotten} messages sent over {outbox.KEEP_DAYS} days ago")


@app.command("preview")
def preview(
    email: Annotated[str, typer.Argument(help="A subscriber's address.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the HTML.")] = Path("digest-preview.html"),
    now: NowOpt = None,
) -> None:
    """Write the HTML of the digest this subscriber would get now to a file (nothing is sent or
    recorded)."""
    import email as email_lib
    from email import policy

    from paperboy.digest import compose, subscriptions

    cfg = config.load()
    with open_db() as db, db.connection() as conn:
        address = _address(email)
        sub = subscriptions.by_email(conn, address)
        if sub is None:
            raise fail(f"{address} is not a subscriber", 2)
        ctx = _context(conn, cfg.home, now)
        built = compose.build(conn, ctx, sub, compose.period_of(sub, ctx.now, force=True), sub["topics"])
    if built is None:
        raise fail("nothing new to send this subscriber for the current period", 1)
    msg = email_lib.message_from_bytes(built.message, policy=policy.default)
    html_part = msg.get_body(("html",))
    out_file.write_text(html_part.get_content().replace("\r\n", "\n"), encoding="utf-8")  # (CRLF on the wire)
    out.print(f"wrote {out_file} ({len(built.papers)} papers, subject: {built.subject})")
