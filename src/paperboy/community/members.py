"""Members: who they are, their role, and who may join (PAPERBOY_SIGNUP).

A member is an email address with a handle (``name``, shown beside their votes,
submissions and comments and used in @mentions) and a role. Roles are ordered: a curator
may do what a member may, an admin what a curator may.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from paperboy.config import CommunitySettings
from paperboy.digest.subscriptions import normalise_email

ROLES = ("member", "curator", "admin")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,38}$")


class MemberError(ValueError):
    """A request about members that cannot be done; the message says why."""


@dataclass(frozen=True)
class Member:
    id: int
    email: str
    name: str
    role: str
    created: datetime | None = None
    has_password: bool = False
    # when a browser or token of theirs was last seen (touch); not part of who they are
    last_seen: datetime | None = field(default=None, compare=False)

    def can(self, role: str) -> bool:
        """Whether this member has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def is_curator(self) -> bool:
        return self.can("curator")

    @property
    def is_admin(self) -> bool:
        return self.can("admin")


_COLUMNS = "id, email, name, role, created, password_hash IS NOT NULL AS has_password, last_seen"


def _member(row: dict[str, Any] | None) -> Member | None:
    return Member(**row) if row else None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise MemberError(f"unknown role {role[:40]!r}: use member, curator or admin")
    return role


def address(raw: str) -> str:
    """A normalised email address, or MemberError saying what is wrong with it."""
    try:
        return normalise_email(raw)
    except ValueError as e:
        raise MemberError(str(e)) from None


def may_join(settings: CommunitySettings, email: str) -> bool:
    """Whether PAPERBOY_SIGNUP lets this address become a member by signing in."""
    if settings.signup == "open":
        return True
    if settings.signup == "domain":
        domain = email.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in settings.signup_domains)
    return False  # invite: only addresses an admin added


def get(conn: psycopg.Connection, member_id: int) -> Member | None:
    return _member(conn.execute(f"SELECT {_COLUMNS} FROM members WHERE id = %s", (member_id,)).fetchone())  # noqa: S608


def by_email(conn: psycopg.Connection, email: str) -> Member | None:
    return _member(conn.execute(f"SELECT {_COLUMNS} FROM members WHERE email = %s",  # noqa: S608
                                (email.strip().lower(),)).fetchone())


def by_name(conn: psycopg.Connection, name: str) -> Member | None:
    return _member(conn.execute(f"SELECT {_COLUMNS} FROM members WHERE lower(name) = lower(%s)",  # noqa: S608
                                (name,)).fetchone())


def find(conn: psycopg.Connection, who: str) -> Member | None:
    """A member by email address or by name."""
    return by_email(conn, who) if "@" in who else by_name(conn, who)


def _free_name(conn: psycopg.Connection, email: str) -> str:
    """A handle made from the address's local part, numbered when taken: ada, ada2, …"""
    base = re.sub(r"[^A-Za-z0-9_.-]", "", email.partition("@")[0].split("+", 1)[0])
    base = re.sub(r"^[^A-Za-z0-9]+", "", base)[:30] or "member"
    taken = {r["n"] for r in conn.execute(
        "SELECT lower(name) AS n FROM members WHERE lower(name) LIKE lower(%s) || '%%'", (base,))}
    if base.lower() not in taken:
        return base
    n = 2
    while f"{base}{n}".lower() in taken:
        n += 1
    return f"{base}{n}"


def add(conn: psycopg.Connection, email: str, role: str = "member") -> tuple[Member, bool]:
    """The member with this address, created with ``role`` if new; and whether it was new.
    Adding an existing member changes nothing (not even the role)."""
    check_role(role)
    email = address(email)
    with conn.transaction():
        # One add at a time: two concurrent adds must neither fail nor pick the same name.
        conn.execute("LOCK TABLE members IN SHARE ROW EXCLUSIVE MODE")
        existing = by_email(conn, email)
        if existing:
            return existing, False
        row = conn.execute(
            f"INSERT INTO members (email, name, role) VALUES (%s, %s, %s) RETURNING {_COLUMNS}",  # noqa: S608
            (email, _free_name(conn, email), role),
        ).fetchone()
    return Member(**row), True


def all_members(conn: psycopg.Connection, offset: int = 0, limit: int = 1000) -> list[Member]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM members ORDER BY id OFFSET %s LIMIT %s",  # noqa: S608
                        (offset, limit)).fetchall()
    return [Member(**r) for r in rows]


def count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) AS n FROM members").fetchone()["n"]


def set_role(conn: psycopg.Connection, member_id: int, role: str) -> Member:
    check_role(role)
    with conn.transaction():
        row = conn.execute(f"UPDATE members SET role = %s WHERE id = %s RETURNING {_COLUMNS}",  # noqa: S608
                           (role, member_id)).fetchone()
    if row is None:
        raise MemberError("no such member")
    return Member(**row)


def rename(conn: psycopg.Connection, member_id: int, name: str) -> Member:
    name = name.strip()
    if not NAME.match(name):
        raise MemberError("a name is 1–39 letters, digits, '.', '_' or '-', starting with a letter or digit")
    try:
        with conn.transaction():
            other = by_name(conn, name)
            if other and other.id != member_id:
                raise MemberError(f"the name {name!r} is taken")
            row = conn.execute(f"UPDATE members SET name = %s WHERE id = %s RETURNING {_COLUMNS}",  # noqa: S608
                               (name, member_id)).fetchone()
    except psycopg.errors.UniqueViolation:
        # Another member took the name between the check and the update (two renames at once):
        # the unique index decides, and the loser hears what the check would have said.
        raise MemberError(f"the name {name!r} is taken") from None
    if row is None:
        raise MemberError("no such member")
    return Member(**row)


# (our own column list, with last_seen as this statement leaves it)
_SEEN = ("WITH seen AS (UPDATE members SET last_seen = now() WHERE id = %(id)s"  # noqa: S608
         " AND (last_seen IS NULL OR last_seen < now() - interval '1 minute') RETURNING last_seen)"
         f" SELECT {_COLUMNS.removesuffix('last_seen')}coalesce((SELECT last_seen FROM seen), last_seen)"
         " AS last_seen FROM members WHERE id = %(id)s")


def seen(conn: psycopg.Connection, member_id: int) -> Member | None:
    """The member a request came from, noted as seen now (``last_seen`` written at most once a
    minute), in one statement: each signed-in request pays it."""
    with conn.transaction():
        return _member(conn.execute(_SEEN, {"id": member_id}).fetchone())
