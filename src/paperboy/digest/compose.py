"""Composing digests: for each subscriber due now, the period's top trending papers they have
not been sent yet, plus new matches of their topics, written to the outbox.

One transaction per subscriber writes the message and the papers it carries; the outbox's
unique (subscriber, kind, period) makes a rerun compose nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from paperboy import trending
from paperboy.digest import follows, foryou, render
from paperboy.digest.subscriptions import sign
from paperboy.papers import view
from paperboy.search import Filters, Searcher

TOPIC_PAPERS = 5
CHUNK = 200  # subscribers written per transaction
_UNSUB, _PREFS = "__PAPERBOY_UNSUBSCRIBE_URL__", "__PAPERBOY_PREFERENCES_URL__"


@dataclass
class ComposeStats:
    due: int = 0
    composed: int = 0
    empty: int = 0  # due, but nothing new to send
    already: int = 0  # this period's digest exists already
    messages: list[str] = field(default_factory=list)  # recipients, for --dry-run


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
    _rendered: dict[tuple, tuple[str, str]] = field(default_factory=dict)

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
    """Papers sent to these subscribers lately (older ones are outside any digest's window)."""
    sent: dict[int, set[str]] = {sid: set() for sid in subscriber_ids}
    for r in conn.execute(
        "SELECT subscriber_id, paper_id FROM sent_papers WHERE subscriber_id = ANY(%s)"
        " AND sent > now() - interval '60 days'", (subscriber_ids,)):
        sent[r["subscriber_id"]].add(r["paper_id"])
    return sent


def build(conn: psycopg.Connection, ctx: Context, sub: dict[str, Any], period: str,
          topics: list[str], sent: set[str] | None = None) -> tuple[bytes, str, list[str]] | None:
    """(message bytes, subject, paper ids) of one digest, or None when there is nothing new."""
    window = ctx.window(sub["frequency"])
    if window is None:
        return None
    start, end = window
    if sent is None:
        sent = recently_sent(conn, [sub["id"]])[sub["id"]]
    chosen: set[str] = set()
    sections = []
    top = [p for p in ctx.trending(conn, (end - start).days + 1, end) if p["id"] not in sent]
    top = top[: sub["max_papers"]]
    chosen |= {p["id"] for p in top}
    if top:
        sections.append({"title": "Trending papers", "note": trending.ONE_LINE,
                         "papers": [view.of(p) for p in top]})
    for q in topics:
        found = [p for p in ctx.topic(conn, q, start, end) if p["id"] not in sent and p["id"] not in chosen]
        found = found[:TOPIC_PAPERS]
        chosen |= {p["id"] for p in found}
        if found:
            sections.append({"title": f"New on “{q}”", "note": None,
                             "papers": [view.of(p) for p in found]})
    followed = follows.section(conn, sub["email"], start, end, sent | chosen, ctx.base_url)
    if followed:  # what the member follows (digest/follows.py), before For you, which skips it
        chosen |= {p.id for p in followed["papers"]}
        sections.append(followed)
    personal = foryou.section(conn, sub["email"], start, end, sent | chosen, ctx.base_url)
    if personal:  # a member's picks (digest/foryou.py)
        chosen |= {p.id for p in personal["papers"]}
        sections.append(personal)
    if not chosen:
        return None
    label = f"{start:%b %-d}" if start == end else f"{start:%b %-d} – {end:%b %-d}"
    title = f"Papers of {label}, {end.year}" if sub["frequency"] == "daily" else f"Your weekly papers: {label}, {end.year}"
    unsub = f"{ctx.base_url}/unsubscribe/{sign(ctx.secret, 'unsubscribe', sub['id'])}"
    prefs = f"{ctx.base_url}/preferences/{sign(ctx.secret, 'preferences', sub['id'])}"
    # Many readers get the same sections: render those once, with placeholders for the
    # links that are each reader's own.
    key = (title, tuple((s["title"], tuple(p.id for p in s["papers"]), s.get("key")) for s in sections))
    if key not in ctx._rendered:
        context = {"title": title, "sections": sections, "base_url": ctx.base_url,
                   "unsubscribe_url": _UNSUB, "preferences_url": _PREFS}
        ctx._rendered[key] = (render.render("digest.txt", **context), render.render("digest.html", **context))
    text, html = (part.replace(_UNSUB, unsub).replace(_PREFS, prefs) for part in ctx._rendered[key])
    subject = f"paperboy: {len(chosen)} papers · {label}"
    msg = render.message(sender=ctx.sender, to=sub["email"], subject=subject, text=text, html=html,
                         unsubscribe_url=unsub, now=ctx.now)
    return msg, subject, sorted(chosen)


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
    subs = conn.execute(
        "SELECT * FROM subscribers WHERE status = 'active' AND (%(only)s::text IS NULL OR email = %(only)s)"
        " ORDER BY id", {"only": only},
    ).fetchall()
    topics: dict[int, list[str]] = {}
    for r in conn.execute(
        "SELECT subscriber_id, query FROM subscriber_topics WHERE subscriber_id = ANY(%s) ORDER BY id",
        ([s["id"] for s in subs],),
    ):
        topics.setdefault(r["subscriber_id"], []).append(r["query"])
    done = {(r["subscriber_id"], r["period"]) for r in conn.execute(
        "SELECT subscriber_id, period FROM outbox WHERE kind = 'digest' AND created > now() - interval '8 days'"
    )}
    conn.commit()
    for i in range(0, len(subs), CHUNK):
        chunk = subs[i : i + CHUNK]
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
        built = []
        for sub, period in due:
            b = build(conn, ctx, sub, period, topics.get(sub["id"], []), sent[sub["id"]])
            if b is None:
                stats.empty += 1
            elif dry_run:
                stats.composed += 1
                stats.messages.append(sub["email"])
            else:
                built.append((sub, period, b))
        conn.commit()
        if built:
            _write(conn, built, stats)
        if progress:
            progress(len(chunk))
    return stats


def _write(conn: psycopg.Connection, built: list, stats: ComposeStats) -> None:
    """One transaction for a chunk: the outbox rows, and the papers of those that were new."""
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message)"
            " VALUES (%s, 'digest', %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING subscriber_id",
            [(sub["id"], period, sub["email"], subject, message) for sub, period, (message, subject, _) in built],
            returning=True,
        )
        written: set[int] = set()
        while True:
            row = cur.fetchone()
            if row:
                written.add(row["subscriber_id"])
            if not cur.nextset():
                break
        cur.executemany(
            "INSERT INTO sent_papers (subscriber_id, paper_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [(sub["id"], pid) for sub, _, (_, _, papers) in built if sub["id"] in written for pid in papers],
        )
    for sub, _, _ in built:
        if sub["id"] in written:
            stats.composed += 1
            stats.messages.append(sub["email"])
        else:  # another composer got there first
            stats.already += 1


def latest_day(conn: psycopg.Connection) -> date | None:
    return conn.execute("SELECT max(day) AS d FROM listings").fetchone()["d"]


def now_utc() -> datetime:
    return datetime.now(UTC)
