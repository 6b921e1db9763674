"""What a member follows: an author (by the main key of their name, paperboy.authors) or a
topic (by id). Following twice, or unfollowing what one does not follow, changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import psycopg

from paperboy.authors import names, page


class NotFound(LookupError):
    """No such author or topic (the message says which)."""


@dataclass(frozen=True)
class Follow:
    kind: str  # "author" | "topic"
    key: str   # the author's main key, or the topic's id
    label: str  # the author's name or the topic's label, as shown when followed

    @property
    def href(self) -> str:
        return author_href(self.label) if self.kind == "author" else f"/topics/{self.key}"

    def as_json(self, following: bool = True) -> dict[str, object]:
        return {"kind": self.kind, "key": self.key, "label": self.label, "following": following}


def author_href(name: str) -> str:
    """An author's page: ``/authors/`` and the name, escaped (a slash too)."""
    return "/authors/" + quote(name, safe="")


def author(conn: psycopg.Connection, name: str) -> Follow:
    """The follow of the author a name means (NotFound: no paper has that name)."""
    found = page.resolve(conn, name)
    if found is None:
        raise NotFound(f"No author named {name[:80]!r} in this hub.")
    return Follow("author", found.key, found.name)


def topic(conn: psycopg.Connection, topic_id: int) -> Follow:
    row = conn.execute("SELECT id, label FROM topics WHERE id = %s", (topic_id,)).fetchone()
    if row is None:
        raise NotFound(f"No topic {topic_id} in this hub.")
    return Follow("topic", str(row["id"]), row["label"])


def follow(conn: psycopg.Connection, member_id: int, f: Follow) -> None:
    conn.execute("INSERT INTO follows (member_id, kind, key, label) VALUES (%s, %s, %s, %s)"
                 " ON CONFLICT (member_id, kind, key) DO NOTHING", (member_id, f.kind, f.key, f.label))


def unfollow(conn: psycopg.Connection, member_id: int, kind: str, key: str) -> None:
    conn.execute("DELETE FROM follows WHERE member_id = %s AND kind = %s AND key = %s", (member_id, kind, key))


def unfollow_author(conn: psycopg.Connection, member_id: int, name: str) -> Follow:
    """Unfollow an author by any spelling; also one whose papers are gone (by the name's key)."""
    found = page.resolve(conn, name)
    if found is None and ("\x00" in name or len(name) > page.MAX_NAME):
        raise NotFound(f"No author named {name[:80]!r} in this hub.")
    f = Follow("author", found.key, found.name) if found else Follow("author", names.key(name), name)
    unfollow(conn, member_id, f.kind, f.key)
    return f


def unfollow_topic(conn: psycopg.Connection, member_id: int, topic_id: int) -> Follow:
    """Unfollow a topic, also one that is gone."""
    row = conn.execute("SELECT label FROM topics WHERE id = %s", (topic_id,)).fetchone()
    f = Follow("topic", str(topic_id), row["label"] if row else "")
    unfollow(conn, member_id, f.kind, f.key)
    return f


def following(conn: psycopg.Connection, member_id: int, kind: str, keys: list[str]) -> set[str]:
    """Which of ``keys`` (of one kind) the member follows."""
    rows = conn.execute("SELECT key FROM follows WHERE member_id = %s AND kind = %s AND key = ANY(%s)",
                        (member_id, kind, keys)).fetchall()
    return {r["key"] for r in rows}


def of_member(conn: psycopg.Connection, member_id: int) -> list[Follow]:
    """Everything the member follows, authors first, then topics, by name."""
    rows = conn.execute(
        "SELECT f.kind, f.key, coalesce(t.label, f.label) AS label FROM follows f"
        " LEFT JOIN topics t ON f.kind = 'topic' AND t.id::text = f.key"
        " WHERE f.member_id = %s ORDER BY f.kind, lower(coalesce(t.label, f.label))", (member_id,)).fetchall()
    return [Follow(r["kind"], r["key"], r["label"]) for r in rows]


def follow_author(conn: psycopg.Connection, member_id: int, name: str) -> Follow:
    f = author(conn, name)
    follow(conn, member_id, f)
    return f


def follow_topic(conn: psycopg.Connection, member_id: int, topic_id: int) -> Follow:
    f = topic(conn, topic_id)
    follow(conn, member_id, f)
    return f


def slots(conn: psycopg.Connection, member_id: int, targets: list[str]) -> list[bool]:
    """For the Follow buttons of a page ("author:<name>" or "topic:<id>"): whether the member
    follows each (an author by their main spelling's key, as the pages name them)."""
    keys = [("author", names.key(t.removeprefix("author:"))) if t.startswith("author:")
            else ("topic", t.removeprefix("topic:").partition(":")[0]) for t in targets]
    rows = conn.execute("SELECT kind, key FROM follows WHERE member_id = %s", (member_id,)).fetchall()
    mine = {(r["kind"], r["key"]) for r in rows}
    return [k in mine for k in keys]
