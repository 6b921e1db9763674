"""A member's collections (named reading lists): making, renaming, deleting, listing, and
who may see one.

A private collection is its owner's alone: :func:`get` answers None for it to anyone else,
exactly as for a collection that does not exist, so the web answers 404 and never tells a
stranger that it is there. A public one may be read by anyone (its page, its Atom feed, its
exports); only its owner changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

from paperboy.errors import Refused
from paperboy.papers.limits import forbidden

MAX_NAME = 100  # characters (the table's CHECK says the same)
MAX_DESCRIPTION = 2_000
MAX_COLLECTIONS = 200  # per member
MAX_PAPERS = 5_000  # per collection


class CollectionError(Refused):
    """A collection request that cannot be done: ``status`` (400, 404, 409) and why."""


def not_found(collection_id: int) -> CollectionError:
    """The one answer for a collection that does not exist or is not the asker's to see."""
    return CollectionError(404, f"No collection {collection_id}.")


def iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


@dataclass(frozen=True)
class Collection:
    id: int
    member_id: int
    owner: str  # the owner's name
    name: str
    description: str
    public: bool
    created: datetime
    modified: datetime
    n_papers: int = 0

    @property
    def path(self) -> str:
        return f"/collections/{self.id}"

    def api(self) -> dict[str, Any]:
        """The JSON shape (without its papers)."""
        return {"id": self.id, "name": self.name, "description": self.description, "public": self.public,
                "owner": {"name": self.owner}, "numPapers": self.n_papers,
                "created": iso(self.created), "modified": iso(self.modified)}


_SELECT = ("SELECT c.id, c.member_id, m.name AS owner, c.name, c.description, c.public, c.created,"
           " c.modified, (SELECT count(*) FROM collection_papers cp WHERE cp.collection_id = c.id)"
           " AS n_papers FROM collections c JOIN members m ON m.id = c.member_id")


def _possible(collection_id: int) -> bool:
    """Whether an id can name a collection at all (a bigint): a larger number from a URL
    must be "no such collection", not a database error."""
    return 0 < collection_id < 2**63


def _collection(row: dict[str, Any] | None) -> Collection | None:
    return Collection(**row) if row else None


def check_name(name: object) -> str:
    """A collection's name as stored: trimmed, 1–100 characters, one line."""
    if not isinstance(name, str):
        raise CollectionError(400, "name must be text")
    name = name.strip()
    if not name:
        raise CollectionError(400, "Give the collection a name.")
    if len(name) > MAX_NAME:
        raise CollectionError(400, f"A collection's name is at most {MAX_NAME} characters (this one has {len(name)}).")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise CollectionError(400, "A collection's name is one line, without control characters.")
    if forbidden(name):  # "\ud800" in JSON: no valid text, nor storable
        raise CollectionError(400, "A collection's name cannot contain a lone surrogate (not valid Unicode).")
    return name


def check_description(text: object) -> str:
    if not isinstance(text, str):
        raise CollectionError(400, "description must be text")
    text = text.strip().replace("\r\n", "\n")
    if len(text) > MAX_DESCRIPTION:
        raise CollectionError(400, f"A description is at most {MAX_DESCRIPTION:,} characters (this one has {len(text):,}).")
    bad = forbidden(text)
    if bad:
        raise CollectionError(400, f"The description contains {bad}.")
    return text


def _taken(name: str) -> CollectionError:
    return CollectionError(409, f"You already have a collection named {name!r}.")


def create(conn: psycopg.Connection, member_id: int, name: str, description: str = "",
           public: bool = False) -> Collection:
    """A new collection of the member's. Raises CollectionError: 400 a bad name or
    description, or the member has MAX_COLLECTIONS already; 409 a name they use already
    (names are compared without case)."""
    name, description = check_name(name), check_description(description)
    with conn.transaction():
        # One create of a member at a time: the count cannot be raced past.
        conn.execute("SELECT 1 FROM members WHERE id = %s FOR NO KEY UPDATE", (member_id,))
        n = conn.execute("SELECT count(*) AS n FROM collections WHERE member_id = %s", (member_id,)).fetchone()["n"]
        if n >= MAX_COLLECTIONS:
            raise CollectionError(400, f"You have {MAX_COLLECTIONS} collections, the most one may have:"
                                       " delete one to make another.")
        row = conn.execute(
            "INSERT INTO collections (member_id, name, description, public) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (member_id, lower(name)) DO NOTHING RETURNING id",
            (member_id, name, description, bool(public))).fetchone()
        if row is None:
            raise _taken(name)
        made = get(conn, row["id"], member_id)
    assert made is not None
    return made


def named(conn: psycopg.Connection, member_id: int, name: str) -> Collection | None:
    """The member's collection with this name (compared without case), or None."""
    if "\x00" in name:  # no name holds one (nor may SQL text)
        return None
    return _collection(conn.execute(_SELECT + " WHERE c.member_id = %s AND lower(c.name) = lower(%s)",
                                    (member_id, name.strip())).fetchone())


def get(conn: psycopg.Connection, collection_id: int, viewer_id: int | None) -> Collection | None:
    """The collection, if ``viewer_id`` (None: no one) may see it: its owner always, anyone
    when it is public. None when it does not exist or is private and not theirs."""
    if not _possible(collection_id):
        return None
    row = conn.execute(_SELECT + " WHERE c.id = %s AND (c.public OR c.member_id = %s)",
                       (collection_id, viewer_id if viewer_id is not None else -1)).fetchone()
    return _collection(row)


def own(conn: psycopg.Connection, member_id: int, collection_id: int, lock: bool = False) -> Collection:
    """The member's own collection (``lock``: locked until the transaction ends). Raises
    CollectionError 404 when it is not theirs, public or not."""
    if not _possible(collection_id):
        raise not_found(collection_id)
    if lock:
        found = conn.execute("SELECT 1 FROM collections WHERE id = %s AND member_id = %s FOR NO KEY UPDATE",
                             (collection_id, member_id)).fetchone()
        if found is None:
            raise not_found(collection_id)
    c = _collection(conn.execute(_SELECT + " WHERE c.id = %s AND c.member_id = %s",
                                 (collection_id, member_id)).fetchone())
    if c is None:
        raise not_found(collection_id)
    return c


def update(conn: psycopg.Connection, member_id: int, collection_id: int, name: str | None = None,
           description: str | None = None, public: bool | None = None) -> Collection:
    """Rename the member's collection, change its description or make it public or
    private (what is None stays). Raises CollectionError (404 not theirs, 400, 409)."""
    name = check_name(name) if name is not None else None
    description = check_description(description) if description is not None else None
    with conn.transaction():
        own(conn, member_id, collection_id, lock=True)
        try:
            conn.execute(
                "UPDATE collections SET name = coalesce(%s, name), description = coalesce(%s, description),"
                " public = coalesce(%s, public), modified = now() WHERE id = %s",
                (name, description, public, collection_id))
        except psycopg.errors.UniqueViolation:
            raise _taken(name or "") from None
        return own(conn, member_id, collection_id)


def delete(conn: psycopg.Connection, member_id: int, collection_id: int) -> None:
    """Delete the member's collection (its papers stay where they are). 404 not theirs."""
    if not _possible(collection_id):
        raise not_found(collection_id)
    with conn.transaction():
        if not conn.execute("DELETE FROM collections WHERE id = %s AND member_id = %s",
                            (collection_id, member_id)).rowcount:
            raise not_found(collection_id)


def of_member(conn: psycopg.Connection, member_id: int) -> list[Collection]:
    """The member's collections, most recently changed first, with their paper counts."""
    rows = conn.execute(_SELECT + " WHERE c.member_id = %s ORDER BY c.modified DESC, c.id DESC",
                        (member_id,)).fetchall()
    return [Collection(**r) for r in rows]
