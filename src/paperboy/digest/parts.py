"""A digest in the outbox as its own bytes plus shared parts, stored once per run.

Readers share sections far more than whole digests (digest/layout.py), and a digest is about
40 kB, most of it sections that hundreds of other readers get too. Writing each digest whole
was the largest cost of a run at 100,000 readers (4 GB through the database, and as much read
back), so a digest's row holds only what is its own: headers, its links, the MIME glue
(``outbox.message``, about 1 kB), and where each shared part goes (``part_ids`` at byte
offsets ``part_at``). The parts live in ``mail_parts``, keyed by the hash of their bytes.

Parts are immutable, so a sender keeps the ones it has read (:class:`PartCache`). A part is
deleted once no message holds it and it has not been written for :data:`KEEP_UNUSED`
(:func:`forget_unused`): a run that found it already stored marks it used again, so a part
a composer is about to refer to is never one being deleted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import psycopg

from paperboy.digest.render import Segment, Shared

KEEP_UNUSED = timedelta(days=2)  # far longer than a run: a run's known part ids stay valid
KNOWN_KEPT = 65_536  # part ids a run remembers (a few MB); beyond, it asks the database again


@dataclass
class Stored:
    """What the outbox stores of one message: its own bytes, and which parts go where."""

    message: bytes
    part_ids: list[int] | None
    part_at: list[int] | None


class MissingPart(Exception):
    """A message refers to a part that is not stored (it cannot be sent whole)."""


def store(conn: psycopg.Connection, messages: list[list[Segment]],
          known: dict[bytes, int]) -> tuple[list[Stored], dict[bytes, int]]:
    """Write the shared parts of ``messages`` that ``known`` (hash -> id, this run's) does not
    hold, in the caller's transaction; return each message as the outbox stores it, and the
    ids written (hash -> id).

    Those ids go into ``known`` through :func:`remember`, once the caller has committed: ids
    of a transaction rolled back must not be used by the next one."""
    fresh: dict[bytes, Shared] = {}
    for segments in messages:
        for s in segments:
            if isinstance(s, Shared) and s.hash not in known:
                fresh.setdefault(s.hash, s)
    written: dict[bytes, int] = {}
    if fresh:
        # DO UPDATE, not NOTHING: a part stored by an earlier run is marked used again (and
        # RETURNING then gives its id too)
        for r in conn.execute(
            "INSERT INTO mail_parts (hash, body) SELECT * FROM unnest(%b::bytea[], %b::bytea[])"
            " ON CONFLICT (hash) DO UPDATE SET used = now() RETURNING id, hash",
            ([h for h in fresh], [s.body for s in fresh.values()]),
        ):
            written[bytes(r["hash"])] = r["id"]
    out = []
    for segments in messages:
        own, part_ids, part_at = bytearray(), [], []
        for s in segments:
            if isinstance(s, Shared):
                part_ids.append(known[s.hash] if s.hash in known else written[s.hash])
                part_at.append(len(own))
            else:
                own += s
        out.append(Stored(bytes(own), part_ids or None, part_at or None))
    return out, written


def remember(known: dict[bytes, int], written: dict[bytes, int]) -> None:
    """After the commit: add the ids :func:`store` wrote to this run's ``known`` (bounded)."""
    if len(known) + len(written) > KNOWN_KEPT:
        known.clear()
    known.update(written)


class PartCache:
    """Parts a sender has read, least recently used dropped beyond ``limit`` bytes. Shared by
    the sender threads of one process; parts never change, so nothing is ever stale."""

    def __init__(self, limit: int = 64 * 2**20) -> None:
        self.limit, self.size = limit, 0
        self._parts: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: psycopg.Connection, ids: list[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        with self._lock:
            for i in ids:
                body = self._parts.get(i)
                if body is not None:
                    self._parts.move_to_end(i)
                    found[i] = body
        missing = [i for i in set(ids) if i not in found]
        if missing:
            with conn.cursor(binary=True) as cur:
                rows = cur.execute("SELECT id, body FROM mail_parts WHERE id = ANY(%s)", (missing,)).fetchall()
            with self._lock:
                for r in rows:
                    body = found[r["id"]] = bytes(r["body"])
                    if r["id"] not in self._parts:
                        self._parts[r["id"]] = body
                        self.size += len(body)
                while self.size > self.limit and self._parts:
                    self.size -= len(self._parts.popitem(last=False)[1])
        return found


def assemble(conn: psycopg.Connection, row: dict, cache: PartCache) -> bytes:
    """The whole message of an outbox row (``message``, ``part_ids``, ``part_at``)."""
    own = bytes(row["message"])
    if not row.get("part_ids"):
        return own
    bodies = cache.get(conn, row["part_ids"])
    out, prev = [], 0
    for pid, at in zip(row["part_ids"], row["part_at"], strict=True):
        body = bodies.get(pid)
        if body is None:
            raise MissingPart(f"part {pid} of this message is no longer stored")
        out += [own[prev:at], body]
        prev = at
    out.append(own[prev:])
    return b"".join(out)


def forget_unused(conn: psycopg.Connection) -> int:
    """Delete the parts that no message holds and no run has written for KEEP_UNUSED; how
    many. Reads the part ids of every message still kept (once a day: seconds at a million)."""
    n = conn.execute(
        "DELETE FROM mail_parts WHERE used < now() - %s AND id NOT IN"
        " (SELECT unnest(part_ids) FROM outbox WHERE part_ids IS NOT NULL)", (KEEP_UNUSED,)).rowcount
    conn.commit()
    return n
