"""What admins do to members (from /admin or, as the operator, with `paperboy user`):
invite, change a role, remove. Each action is written to the moderation log in its own
transaction; the command line's actions are logged as by "command line"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import psycopg

from paperboy.community import account, members, modlog, signin
from paperboy.community.members import Member, MemberError
from paperboy.config import Config

# The operator at the command line (no member: the log's actor_id stays NULL).
COMMAND_LINE = Member(id=None, email="", name="command line", role="admin")  # type: ignore[arg-type]
MAX_INVITES = 200  # addresses in one invitation form


@dataclass(frozen=True)
class Invited:
    email: str
    outcome: str  # "invited", "already a member", or what is wrong with the address
    member: Member | None = None


def addresses(text: str) -> list[str]:
    """The addresses of an invitation form: separated by spaces, commas, semicolons or lines.

    >>> addresses("ada@example.org, bob@example.org;\\ncy@example.org ada@example.org")
    ['ada@example.org', 'bob@example.org', 'cy@example.org']
    """
    return list(dict.fromkeys(a for a in re.split(r"[\s,;]+", text) if a))


def invite(conn: psycopg.Connection, cfg: Config, base_url: str, actor: Member, emails: list[str],
           role: str = "member") -> list[Invited]:
    """Make each address a member with ``role`` and queue them an invitation with a sign-in
    link (valid signin.INVITE_DAYS days). An existing member is reported and left as is."""
    members.check_role(role)
    if len(emails) > MAX_INVITES:
        raise MemberError(f"invite at most {MAX_INVITES} addresses at once")
    done = []
    for raw in emails:
        try:
            email = members.address(raw)
        except MemberError as e:
            done.append(Invited(raw[:254], str(e)))
            continue
        with conn.transaction():
            member, new = members.add(conn, email, role)
            if new:
                token = signin.new_link(conn, email, timedelta(days=signin.INVITE_DAYS))
                signin.queue_mail(conn, cfg, "invite", email, signin.link_url(base_url, token),
                                  inviter=None if actor is COMMAND_LINE else actor.name)
                modlog.record(conn, actor, "invite", member, {"role": role})
        done.append(Invited(email, "invited" if new else "already a member", member))
    return done


def change_role(conn: psycopg.Connection, actor: Member, member_id: int, role: str) -> Member:
    members.check_role(role)
    if actor.id == member_id:
        raise MemberError("you cannot change your own role (another admin can)")
    with conn.transaction():
        before = members.get(conn, member_id)
        if before is None:
            raise MemberError("no such member")
        after = members.set_role(conn, member_id, role)
        if before.role != role:
            modlog.record(conn, actor, "role", after, {"from": before.role, "to": role})
    return after


def remove(conn: psycopg.Connection, actor: Member, member_id: int) -> Member:
    """Delete a member's account as they could themselves (community/account.py)."""
    if actor.id == member_id:
        raise MemberError("you cannot remove yourself here: delete your account from your account page")
    with conn.transaction():
        gone = account.delete(conn, member_id)
        modlog.record(conn, actor, "remove-member", account.DELETED, {"role": gone.role})
    return gone
