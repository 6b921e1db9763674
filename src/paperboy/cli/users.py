"""`paperboy user …`: members from the command line — add, list, role, remove, token,
password, link. Actions an admin could take on /admin are logged in the moderation log as
by "command line"."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import err, fail, open_db, out

# paperboy.community (argon2, the digest's mail rendering) is imported inside the commands,
# so that `paperboy --help` stays fast.

app = typer.Typer(
    help="Members of this instance: add them (many at once), list them, change a role, remove "
    "one, give API tokens, and, for instances without mail, set a password or print a sign-in "
    "link. Who may join by signing in is PAPERBOY_SIGNUP.",
    no_args_is_help=True)

Email = Annotated[str, typer.Argument(help="The member's email address.", show_default=False)]


def _member(conn, email: str):
    """The member with this address, or exit 2 saying there is none."""
    from paperboy.community import members

    try:
        address = members.address(email)
    except members.MemberError as e:
        raise fail(str(e), 2) from None
    member = members.by_email(conn, address)
    if member is None:
        raise fail(f"{address} is not a member (add it with `paperboy user add {address}`)", 2)
    return member


@app.command("add", short_help="Make addresses members (an existing member is reported, unchanged).")
def add(
    emails: Annotated[list[str], typer.Argument(help="Email addresses to make members.", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="The role of the new members: member, curator or admin.")]
    = "member",
) -> None:
    """Make each address a member (no email is sent; they sign in by link or password). An
    address that is a member already is reported and left as it is, role included: running
    the same command twice changes nothing."""
    from paperboy.community import members

    try:
        members.check_role(role)
    except members.MemberError as e:
        raise fail(str(e), 2) from None
    bad = 0
    with open_db() as db, db.connection() as conn:
        for raw in emails:
            try:
                member, new = members.add(conn, raw, role)
            except members.MemberError as e:
                err.print(f"[bold red]error:[/] {raw!r}: {e}", highlight=False, soft_wrap=True)
                bad += 1
                continue
            if new:
                typer.echo(f"{member.email}: added as {member.role} (name {member.name})")
            else:
                typer.echo(f"{member.email}: already a member ({member.role}, name {member.name}); unchanged")
    if bad:
        raise typer.Exit(2)


@app.command("list", short_help="List the members.")
def list_() -> None:
    """Every member: email, name, role, when they joined, and whether they have a password."""
    from paperboy.community import members

    with open_db() as db, db.connection() as conn:
        people = members.all_members(conn, 0, 1_000_000)
    if not people:
        err.print("no members yet: add some with `paperboy user add EMAIL...`")
        return
    width = max(len(m.email) for m in people)
    for m in people:
        joined = f"{m.created:%Y-%m-%d}" if m.created else ""
        typer.echo(f"{m.email:<{width}}  {m.name:<20}  {m.role:<7}  {joined}  "
                   f"{'password' if m.has_password else 'link only'}")


@app.command("role", short_help="Give a member another role.")
def role(email: Email,
         new_role: Annotated[str, typer.Argument(metavar="ROLE", help="member, curator or admin.",
                                                 show_default=False)]) -> None:
    """Give a member another role."""
    from paperboy.community import admin, members

    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        try:
            changed = admin.change_role(conn, admin.COMMAND_LINE, member.id, new_role)
        except members.MemberError as e:
            raise fail(str(e), 2) from None
    out.print(f"{changed.email} is now {changed.role}", highlight=False)


@app.command("remove", short_help="Delete a member's account.")
def remove(email: Email) -> None:
    """Delete a member's account, as they could from their account page: their votes,
    sessions, tokens and digest subscription go; their comments and submissions stay,
    shown as by a deleted member."""
    from paperboy.community import admin

    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        admin.remove(conn, admin.COMMAND_LINE, member.id)
    out.print(f"removed {member.email}", highlight=False)


@app.command("token", short_help="A new API token for each member: lines of email, space, token.")
def token(
    emails: Annotated[list[str], typer.Argument(help="Members' email addresses.", show_default=False)],
    name: Annotated[str, typer.Option("--name", help="What the tokens are for (shown on the account page).")]
    = "command line",
) -> None:
    """Make a new API token for each member and print one line per member: the email, a
    space, the token (for scripts that onboard a lab). The tokens are not shown again. An
    address that is not a member is reported on stderr (exit status 2); the others still
    get their token."""
    from paperboy.community import members, tokens

    missing = 0
    with open_db() as db, db.connection() as conn:
        for raw in emails:
            try:
                member = members.by_email(conn, members.address(raw))
            except members.MemberError as e:
                member, why = None, str(e)
            else:
                why = "not a member (add it with `paperboy user add`)"
            if member is None:
                err.print(f"[bold red]error:[/] {raw!r}: {why}", highlight=False, soft_wrap=True)
                missing += 1
                continue
            typer.echo(f"{member.email} {tokens.create(conn, member.id, name)}")
    if missing:
        raise typer.Exit(2)


@app.command("password", short_help="Set (or --remove) a member's password.")
def password(
    email: Email,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the password: sign-in by emailed link only.")]
    = False,
) -> None:
    """Set a member's password, for instances without mail: typed twice at a prompt, or read
    from the first line of stdin when it is not a terminal (at least 10 characters)."""
    from paperboy.community import members, passwords

    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        if remove:
            passwords.remove_password(conn, member.id)
            out.print(f"{member.email} has no password now", highlight=False)
            return
        if sys.stdin.isatty():
            secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        else:
            secret = sys.stdin.readline().rstrip("\r\n")
        try:
            passwords.set_password(conn, member.id, secret)
        except members.MemberError as e:
            raise fail(str(e), 2) from None
    out.print(f"{member.email} can now sign in with this password", highlight=False)


@app.command("link", short_help="Print a one-time sign-in link for a member.")
def link(
    email: Email,
    minutes: Annotated[int, typer.Option("--minutes", min=1, max=7 * 24 * 60,
                                         help="How long the link works.")] = 15,
) -> None:
    """Print a one-time sign-in link for a member (for instances without mail): give it to
    them; it works once. It starts with PAPERBOY_BASE_URL."""
    from datetime import timedelta

    from paperboy.community import signin

    cfg = config.load()
    with open_db() as db, db.connection() as conn:
        member = _member(conn, email)
        secret = signin.new_link(conn, member.email, timedelta(minutes=minutes))
    typer.echo(signin.link_url(cfg.base_url, secret))
