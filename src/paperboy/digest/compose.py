"""Composing digests: for each subscriber due now, the period's top trending papers they have
not been sent yet, plus new matches of their topics, written to the outbox.

Subscribers are read :data:`CHUNK` at a time, each chunk with a handful of queries (topics,
what was sent, who is a member) and written in one transaction: the messages and the papers
they carry. The outbox's unique (subscriber, kind, period) makes a rerun compose nothing twice.
A run holds one chunk of messages at a time, whatever the number of subscribers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from paperboy import trending
from paperboy.digest import follows, foryou, outbox, parts, render
from paperboy.digest.layout import Layout, Section
from paperboy.digest.subscriptions import sign
from paperboy.papers import view
from paperboy.search import Filters, Searcher

TOPIC_PAPERS = 5
CHUNK = 200  # subscribers read and written per transaction


@dataclass
class ComposeStats:
    due: int = 0
    composed: int = 0
    empty: int = 0  # due, but nothing new to send
    already: int = 0  # this period's digest exists already
    messages: list[str] = field(default_factory=list)  # who would get one, on a dry run


def period_of(sub: dict[str, Any], now: datetime, force: bool = False) -> str | None:
    """The period key a subscriber is due for at ``now`` (their local day or ISO week), or
    None when not due; ``force`` gives the current period whatever the schedule says."""
    local = now.astimezone(ZoneInfo(sub["timezone"]))
    year, week, _ = local.isocalendar()
    key = local.date().isoformat() if sub["frequency"] == "daily" else f"{year}-W{week:02d}"
    if force:
        return key
    if local.hour < sub["send_hour"]:
        return None
    if sub["frequency"] == "daily":
        return key if local.weekday() < 5 else None  # weekdays only
    return key if local.weekday() == sub["weekday"] else None


@dataclass
class Context:
    """What every digest of one run shares: links, the window, trending and topic results."""

    base_url: str
    secret: str
    sender: str
    now: datetime
    searcher: Searcher | None
    latest: date | None
    _trending: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _topics: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    _layout: Layout | None = None
    _parts: dict[bytes, int] = field(default_factory=dict)  # shared parts stored: hash -> id

    @property
    def layout(self) -> Layout:
        """The sections and pages rendered so far (digest/layout.py)."""
        if self._layout is None:
            self._layout = Layout(self.base_url)
        return self._layout

    def window(self, frequency: str) -> tuple[date, date] | None:
        if self.latest is None:
            return None
        end = min(self.latest, self.now.date())
        return end - timedelta(days=0 if frequency == "daily" else 6), end

    def trending(self, conn: psycopg.Connection, days: int, end: date) -> list[dict[str, Any]]:
        if days not in self._trending:
            rows, _, _ = trending.trending(conn, ref=end, limit=200)
            start = end - timedelta(days=days - 1)
            self._trending[days] = [r for r in rows if r["day"] and r["day"] >= start]
        return self._trending[days]

    def topic(self, conn: psycopg.Connection, query: str, start: date, end: date) -> list[dict[str, Any]]:
        key = (query, (end - start).days)
        if key not in self._topics:
            if self.searcher is None:
                self._topics[key] = []
            else:
                found = self.searcher.search(conn, query, filters=Filters(since=start, until=end), limit=30,
                                             highlights=False)
                self._topics[key] = found.items
        return self._topics[key]


def recently_sent(conn: psycopg.Connection, subscriber_ids: list[int]) -> dict[int, set[str]]:
    """Papers sent to these subscribers lately (older ones are outside any digest's window):
    the ``papers`` of their digests in the outbox, merged papers read as the kept one (the
    view of migration 0036)."""
    sent: dict[int, set[str]] = {sid: set() for sid in subscriber_ids}
    for r in conn.execute(
        "SELECT subscriber_id, paper_id FROM sent_papers WHERE subscriber_id = ANY(%s)"
        " AND sent > now() - make_interval(days => %s)", (subscriber_ids, outbox.SENT_DAYS)):
        sent[r["subscriber_id"]].add(r["paper_id"])
    return sent


def members_among(conn: psycopg.Connection, emails: list[str]) -> set[str]:
    """Which of these subscriber addresses are members' (members.by_email's match), in one query."""
    return {r["email"] for r in conn.execute(
        "SELECT email FROM members WHERE email = ANY(%s)", ([e.strip().lower() for e in emails],))}


def _first(rows: Iterable[dict[str, Any]], n: int, skip: Collection[str], also: Collection[str]) -> list[dict[str, Any]]:
    """The first ``n`` of ``rows`` whose paper is in neither ``skip`` nor ``also``."""
    found: list[dict[str, Any]] = []
    if n <= 0:
        return found
    for r in rows:
        if r["id"] not in skip and r["id"] not in also:
            found.append(r)
            if len(found) == n:
                break
    return found


def _rows_section(title: str, note: str | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"title": title, "note": note, "papers": [view.of(p) for p in rows]}


@dataclass
class Built:
    """One digest: the message as segments (shared parts between its own bytes), what it says."""

    segments: list[render.Segment]
    subject: str
    papers: list[str]

    @property
    def message(self) -> bytes:
        return render.joined(self.segments)


def build(conn: psycopg.Connection, ctx: Context, sub: dict[str, Any], period: str,
          topics: list[str], sent: set[str] | None = None,
          members: Collection[str] | None = None) -> Built | None:
    """One digest, or None when there is nothing new.

    ``sent`` (recently_sent's) and ``members`` (the members' addresses among this chunk's, from
    members_among) spare a query each when given."""
    window = ctx.window(sub["frequency"])
    if window is None:
        return None
    start, end = window
    days = (end - start).days + 1
    if sent is None:
        sent = recently_sent(conn, [sub["id"]])[sub["id"]]
    chosen: set[str] = set()
    # Each section as rendered (digest/layout.py), keyed by what it shows: many readers share it.
    sections: list[Section] = []
    top = _first(ctx.trending(conn, days, end), sub["max_papers"], sent, chosen)
    if top:
        ids = tuple(p["id"] for p in top)
        chosen.update(ids)
        sections.append(ctx.layout.section(
            ("trending", days, ids), partial(_rows_section, "Trending papers", trending.ONE_LINE, top)))
    for q in topics:
        found = _first(ctx.topic(conn, q, start, end), TOPIC_PAPERS, sent, chosen)
        if found:
            ids = tuple(p["id"] for p in found)
            chosen.update(ids)
            sections.append(ctx.layout.section(
                ("topic", q, days, ids), partial(_rows_section, f"New on “{q}”", None, found)))
    if members is None or sub["email"].strip().lower() in members:
        followed = follows.section(conn, sub["email"], start, end, sent | chosen, ctx.base_url)
        if followed:  # what the member follows (digest/follows.py), before For you, which skips it
            chosen |= {p.id for p in followed["papers"]}
            sections.append(ctx.layout.section(_key(days, followed), partial(dict, followed)))
        personal = foryou.section(conn, sub["email"], start, end, sent | chosen, ctx.base_url)
        if personal:  # a member's picks (digest/foryou.py)
            chosen |= {p.id for p in personal["papers"]}
            sections.append(ctx.layout.section(_key(days, personal), partial(dict, personal)))
    if not chosen:
        return None
    label = f"{start:%b %-d}" if start == end else f"{start:%b %-d} – {end:%b %-d}"
    title = f"Papers of {label}, {end.year}" if sub["frequency"] == "daily" else f"Your weekly papers: {label}, {end.year}"
    unsub = f"{ctx.base_url}/unsubscribe/{sign(ctx.secret, 'unsubscribe', sub['id'])}"
    prefs = f"{ctx.base_url}/preferences/{sign(ctx.secret, 'preferences', sub['id'])}"
    text, html = ctx.layout.encoded(title, sections, unsub, prefs)
    subject = f"paperboy: {len(chosen)} papers · {label}"
    segments = render.segments(sender=ctx.sender, to=sub["email"], subject=subject, text=text, html=html,
                               unsubscribe_url=unsub, now=ctx.now)
    return Built(segments, subject, sorted(chosen))


def _key(days: int, section: dict[str, Any]) -> tuple:
    """What a member's section shows (its "key" says what else than the papers differs)."""
    return ("member", days, section["title"], tuple(p.id for p in section["papers"]), section.get("key"))


def compose_due(
    conn: psycopg.Connection,
    ctx: Context,
    *,
    only: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ComposeStats:
    """Write a digest to the outbox for every active subscriber due at ``ctx.now``.

    ``only`` limits it to one address; ``force`` composes even when not due (for today's
    period). ``dry_run`` writes nothing and lists who would get one.
    """
    stats = ComposeStats()
    after = 0
    while True:
        chunk = conn.execute(
            "SELECT * FROM subscribers WHERE status = 'active' AND (%(only)s::text IS NULL OR email = %(only)s)"
            " AND id > %(after)s ORDER BY id LIMIT %(n)s", {"only": only, "after": after, "n": CHUNK},
        ).fetchall()
        if not chunk:
            conn.commit()  # leave no transaction open (it would hold a lock on subscribers)
            break
        after = chunk[-1]["id"]
        ids = [sub["id"] for sub in chunk]
        topics: dict[int, list[str]] = {}
        for r in conn.execute(
            "SELECT subscriber_id, query FROM subscriber_topics WHERE subscriber_id = ANY(%s) ORDER BY id", (ids,),
        ):
            topics.setdefault(r["subscriber_id"], []).append(r["query"])
        done = {(r["subscriber_id"], r["period"]) for r in conn.execute(
            "SELECT subscriber_id, period FROM outbox WHERE kind = 'digest' AND subscriber_id = ANY(%s)"
            " AND created > now() - interval '8 days'", (ids,),
        )}
        due = []
        for sub in chunk:
            period = period_of(sub, ctx.now, force)
            if period is None:
                continue
            stats.due += 1
            if (sub["id"], period) in done:
                stats.already += 1
            else:
                due.append((sub, period))
        sent = recently_sent(conn, [sub["id"] for sub, _ in due])
        members = members_among(conn, [sub["email"] for sub, _ in due])
        built = []
        for sub, period in due:
            b = build(conn, ctx, sub, period, topics.get(sub["id"], []), sent[sub["id"]], members)
            if b is None:
                stats.empty += 1
            elif dry_run:
                stats.composed += 1
                stats.messages.append(sub["email"])
            else:
                built.append((sub, period, b))
        conn.commit()
        if built:
            _write(conn, ctx, built, stats)
        if progress:
            progress(len(chunk))
    return stats


def _write(conn: psycopg.Connection, ctx: Context, built: list[tuple[dict[str, Any], str, Built]],
           stats: ComposeStats) -> None:
    """One transaction for a chunk, two statements: the shared parts not stored yet
    (digest/parts.py), and the outbox rows with the papers each carries (a row already there
    is another composer's, with its papers)."""
    with conn.transaction():
        stored, written = parts.store(conn, [b.segments for _, _, b in built], ctx._parts)
        # the papers as one JSON document per row (a paper id may hold a comma); as arrays of
        # a few thousand items a chunk, psycopg's dumping them one by one was a tenth of composing.
        # Every array goes in binary (%b): in text, psycopg quotes each item through a regex,
        # 45 us a digest (JSON's quotes, most of it), against 2 us in binary
        rows = conn.execute(
            "INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message, part_ids, part_at, papers)"
            " SELECT s, 'digest', p, r, j, m, string_to_array(i, ',')::bigint[], string_to_array(a, ',')::int[],"
            " ARRAY(SELECT jsonb_array_elements_text(t::jsonb))"
            " FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::bytea[], %b::text[], %b::text[], %b::text[])"
            " AS u(s, p, r, j, m, i, a, t) ON CONFLICT DO NOTHING RETURNING subscriber_id",
            ([sub["id"] for sub, _, _ in built], [period for _, period, _ in built], [sub["email"] for sub, _, _ in built],
             [b.subject for _, _, b in built], [m.message for m in stored],
             [_csv(m.part_ids) for m in stored], [_csv(m.part_at) for m in stored],
             [json.dumps(b.papers) for _, _, b in built]),
        )
        written_subs = {r["subscriber_id"] for r in rows}
    parts.remember(ctx._parts, written)
    for sub, _, _ in built:
        if sub["id"] in written_subs:
            stats.composed += 1
        else:  # another composer got there first
            stats.already += 1


def _csv(numbers: list[int] | None) -> str | None:
    """A row's numbers as one text (unnest cannot take arrays of arrays of differing lengths)."""
    return None if numbers is None else ",".join(map(str, numbers))


def latest_day(conn: psycopg.Connection) -> date | None:
    return conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"]


def now_utc() -> datetime:
    return datetime.now(UTC)
