"""Reading papers' changes without missing one that commits out of order.

Every write to a paper takes a number (``change_seq``) and records its transaction
(``change_xid``, migration 0027). A reader reads the rows numbered above the highest it read
before. Numbers are taken at write time and rows appear at commit time, so a transaction that
took 100 can commit after one that took 101, and after the reader read 101. A :class:`Mark`
therefore also notes, from a snapshot taken *before* the rows were read, which transactions
were still open (``open``) and the first that had not begun (``xmax``). The rows those wrote
are the only ones that can appear later below the mark's number (:data:`STRAGGLERS`).

A transaction takes its id at its first write, an instant after its number, so one that had
its number but no id at the snapshot is ``>= xmax``: covered too. Ids above the server's own
``xmax`` are impossible except in rows restored from another server's backup; they are left
out, so they cannot keep waking the readers.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Mark:
    seq: int = 0  # the highest change_seq read
    open: tuple[int, ...] = ()  # transactions in progress at the snapshot
    xmax: int = 0  # the first transaction not begun at the snapshot

    def after(self, seq: int) -> Mark:
        """This snapshot, with the highest number read since."""
        return Mark(max(seq, self.seq), self.open, self.xmax)

    def as_json(self) -> dict:
        return {"watermark": self.seq, "open": list(self.open), "xmax": self.xmax}

    @classmethod
    def from_json(cls, data: dict) -> Mark:
        return cls(int(data.get("watermark", 0)), tuple(int(x) for x in data.get("open", ())),
                   int(data.get("xmax", 0)))


# Rows at or below the mark's number that transactions open at its snapshot (or begun after
# it) wrote: the ones a reader at this mark may not have seen.
STRAGGLERS = ("change_seq <= %(seq)s AND change_xid < pg_snapshot_xmax(pg_current_snapshot())"
              " AND (change_xid = ANY(%(open)s::text[]::xid8[]) OR change_xid >= %(xmax)s::text::xid8)")


def params(mark: Mark) -> dict:
    return {"seq": mark.seq, "open": [str(x) for x in mark.open], "xmax": str(mark.xmax)}


def snapshot(conn: psycopg.Connection, seq: int = 0) -> Mark:
    """A mark at ``seq`` whose open transactions are those of a snapshot taken now: take it
    before reading the rows it will vouch for."""
    row = conn.execute(
        "SELECT pg_snapshot_xmax(s)::text AS xmax,"
        " coalesce((SELECT array_agg(x::text) FROM pg_snapshot_xip(s) AS x), '{}') AS open"
        " FROM pg_current_snapshot() AS s").fetchone()
    values = row if isinstance(row, tuple) else (row["xmax"], row["open"])
    return Mark(seq, tuple(sorted(int(x) for x in values[1])), int(values[0]))


def newest(conn: psycopg.Connection) -> Mark:
    """The mark of everything committed now: a snapshot, then the highest number."""
    mark = snapshot(conn)
    row = conn.execute("SELECT coalesce(max(change_seq), 0) FROM papers").fetchone()
    return mark.after(int(row[0] if isinstance(row, tuple) else next(iter(row.values()))))


def changed_since(conn: psycopg.Connection, mark: Mark) -> bool:
    """Whether any paper was written, and committed, that a reader at ``mark`` has not read."""
    query = f"SELECT EXISTS (SELECT 1 FROM papers WHERE change_seq > %(seq)s) OR EXISTS (SELECT 1 FROM papers WHERE {STRAGGLERS})"  # noqa: S608, E501 - a constant
    row = conn.execute(query, params(mark)).fetchone()
    return bool(row[0] if isinstance(row, tuple) else next(iter(row.values())))
