"""Members submitting papers to today's Daily list.

A paper is named by its arXiv id or address: ``2401.12345``, ``2401.12345v2``,
``hep-th/9901001``, ``arXiv:2401.12345``, ``https://arxiv.org/abs/…``, ``…/pdf/….pdf`` or
``https://huggingface.co/papers/…``. A paper not stored yet is read from the arXiv API
first, with no database connection held while arXiv answers. Then, in one transaction:
the paper (when new), a Daily listing of today (UTC) with source ``submission``, the
``submissions`` row naming the member, and the version bump that refreshes cached pages.

Every refusal is a :class:`SubmitError` carrying the HTTP status the web layer answers:
400 (not an arXiv id), 404 (arXiv has no such paper), 409 (already on a Daily list: the
day is in ``extra``), 429 (the member's daily limit) and 502 (arXiv failed; nothing was
written).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from paperboy.community.members import Member
from paperboy.db import Database, locks
from paperboy.errors import Refused
from paperboy.fetch.client import FetchError
from paperboy.papers import store
from paperboy.papers.record import ARXIV_ID, Paper, parse_arxiv_id

SOURCE = "submission"  # the source of the listing row a submission makes
MAX_INPUT = 300

_ID = rf"(?P<id>{ARXIV_ID}(?a:v[1-9][0-9]{{0,3}})?)"  # ASCII only: see papers.record.ARXIV_ID
_FORMS = [
    re.compile(rf"(?:arxiv:)?{_ID}", re.I | re.A),
    re.compile(rf"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/{_ID}(?:\.pdf)?/?(?:[?#].*)?", re.I | re.A),
    re.compile(rf"(?:https?://)?(?:www\.)?huggingface\.co/papers/{_ID}/?(?:[?#].*)?", re.I | re.A),
]
EXAMPLES = "2401.12345, hep-th/9901001, https://arxiv.org/abs/2401.12345 or https://huggingface.co/papers/2401.12345"


class SubmitError(Refused):
    """A submission refused; ``status`` is the HTTP answer, ``extra`` more JSON fields."""


def _canonical(arxiv_id: str) -> str:
    """As arXiv writes it: archives in lower case, subject classes in upper (math.GT)."""
    if "/" not in arxiv_id:
        return arxiv_id.lower()
    archive, number = arxiv_id.split("/")
    name, dot, subject = archive.partition(".")
    return f"{name.lower()}{dot}{subject.upper()}/{number.lower()}"


def parse(text: str) -> str:
    """The arXiv id a member named, with its version when they gave one. Raises
    SubmitError(400) for anything else.

    >>> parse(" https://arxiv.org/pdf/2401.12345v2.pdf ")
    '2401.12345v2'
    >>> parse("https://huggingface.co/papers/hep-th/9901001")
    'hep-th/9901001'
    """
    text = (text or "").strip()
    if not text:
        raise SubmitError(400, f"Give an arXiv id or address, like {EXAMPLES}.")
    if len(text) <= MAX_INPUT:
        for form in _FORMS:
            m = form.fullmatch(text)
            if m:
                return _canonical(m["id"])
    shown = text[:80] + ("…" if len(text) > 80 else "")
    beyond = next((c for c in text if not c.isascii()), None)
    if beyond is not None:  # "２４１１.０４９０５", "ſtat/0101001": say why, not just "not an id"
        raise SubmitError(400, f"{shown!r} is not an arXiv id: arXiv ids are written in ASCII letters and "
                               f"digits, and {beyond!r} ({unicodedata.name(beyond, 'a character')}) is not one; "
                               f"give one like {EXAMPLES}.")
    raise SubmitError(400, f"{shown!r} is not an arXiv id or an arXiv or Hugging Face paper "
                           f"address; give one like {EXAMPLES}.")


def today() -> date:
    return datetime.now(UTC).date()


def _find(conn: psycopg.Connection, arxiv_id: str) -> dict[str, Any] | None:
    """The stored paper with this arXiv id (or merged into another: its kept paper)."""
    return conn.execute(
        "SELECT * FROM papers WHERE arxiv_id = %(id)s OR id = %(id)s"
        " OR id = (SELECT paper_id FROM paper_aliases WHERE old_id = %(id)s)"
        " ORDER BY arxiv_id = %(id)s DESC NULLS LAST LIMIT 1",
        {"id": arxiv_id},
    ).fetchone()


def _check_free(conn: psycopg.Connection, row: dict[str, Any]) -> None:
    """Refuse (409) a paper already on a Daily list, already submitted, or hidden."""
    listed = conn.execute(
        "SELECT min(day) AS day FROM (SELECT day FROM listings WHERE paper_id = %(id)s"
        " UNION ALL SELECT day FROM submissions WHERE paper_id = %(id)s) d",
        {"id": row["id"]},
    ).fetchone()["day"]
    if listed is not None:
        raise SubmitError(409, f"{row['id']} is already on the Daily list of {listed.isoformat()}.",
                          day=listed.isoformat(), paper=row["id"])
    if row.get("hidden"):
        raise SubmitError(409, f"A curator hid {row['id']} from the lists; it cannot be submitted.",
                          paper=row["id"])


def submitted_today(conn: psycopg.Connection, member_id: int, day: date) -> int:
    return conn.execute("SELECT count(*) AS n FROM submissions WHERE member_id = %s AND day = %s",
                        (member_id, day)).fetchone()["n"]


def _check_limit(conn: psycopg.Connection, member: Member, per_day: int, day: date) -> None:
    if member.can("curator"):
        return  # curators and admins: no limit
    n = submitted_today(conn, member.id, day)
    if n >= per_day:
        raise SubmitError(429, f"You have submitted {n} paper{'' if n == 1 else 's'} today, the most a "
                               f"member may ({per_day} a day); try again tomorrow (UTC).")


def submit(
    db: Database,
    member: Member,
    text: str,
    fetch: Callable[[str], Paper | None],
    per_day: int,
    day: date | None = None,
) -> dict[str, Any]:
    """Put the paper ``text`` names on the Daily list of ``day`` (default: today, UTC) as
    submitted by ``member``. ``fetch(arxiv_id)`` reads arXiv (None: no such paper; raises
    FetchError when arXiv fails). Returns the paper row with ``day`` and ``submitter``."""
    named = parse(text)
    found = parse_arxiv_id(named)
    assert found is not None  # parse() only lets ids through
    arxiv_id = found[0]
    day = day or today()
    with db.connection() as conn, conn.transaction():
        _check_limit(conn, member, per_day, day)
        row = _find(conn, arxiv_id)
        if row is not None:
            _check_free(conn, row)
    paper = None
    if row is None:  # read arXiv with no connection held
        try:
            paper = fetch(named)
        except FetchError as e:
            raise SubmitError(502, f"arXiv could not be reached or failed ({e}); nothing was "
                                   "submitted, try again later.") from None
        if paper is None:
            raise SubmitError(404, f"arXiv has no paper {named}.")
    with db.connection() as conn, conn.transaction():
        locks.xact_lock(conn, locks.STORE_WRITE)  # one submission at a time: the checks hold
        _check_limit(conn, member, per_day, day)
        if paper is not None:
            store.store_groups(conn, store.dedupe([paper]))
        row = _find(conn, arxiv_id)
        if row is None:  # stored under a title match without the id: cannot happen, say so
            raise SubmitError(502, f"{arxiv_id} could not be stored; nothing was submitted.")
        _check_free(conn, row)
        conn.execute("INSERT INTO listings (paper_id, day, source) VALUES (%s, %s, %s)",
                     (row["id"], day, SOURCE))
        conn.execute("INSERT INTO submissions (paper_id, member_id, day) VALUES (%s, %s, %s)",
                     (row["id"], member.id, day))
        conn.execute("UPDATE papers SET listed_on = %s WHERE id = %s AND listed_on IS NULL",
                     (day, row["id"]))
        return {**store.get(conn, row["id"]), "day": day}

