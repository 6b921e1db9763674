"""Fetching Hugging Face Daily Papers: ``/api/daily_papers?date=D&p=N&limit=L``.

Each day's list is read page by page (the ``Link: <…>; rel="next"`` header says whether
another page follows; without the header a full page means "maybe more"). Reading the
last few days again each run refreshes their upvotes, which is what trending's growth
term feeds on. Each page is stored with the position of the next one, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from paperboy.fetch import runs
from paperboy.fetch.client import PoliteClient, Retry
from paperboy.papers import store
from paperboy.papers.record import ParseError
from paperboy.sources import ParseResult, hf_json

PAGE_SIZE = 50
MAX_CATCH_UP = 30  # days a scheduled run goes back at most; --since reaches further


def plan_days(
    state: dict | None, day: date | None, since: date | None, until: date | None,
    today: date, recent: int,
) -> tuple[date, date, date, int]:
    """(first day, last day, day to start at, page to start at). An unfinished run resumes
    unless a day or range is given."""
    if day is not None:
        return day, day, day, 0
    if since is not None:
        end = until or today
        return since, end, since, 0
    cursor = state.get("cursor") if state else None
    if cursor:
        first, last = date.fromisoformat(cursor["from"]), date.fromisoformat(cursor["to"])
        return first, last, date.fromisoformat(cursor["day"]), int(cursor["p"])
    end = until or today
    start = end - timedelta(days=recent - 1)
    if state and state.get("done_until"):
        # Catch up on days missed while nothing ran (at most MAX_CATCH_UP of them).
        start = min(start, max(state["done_until"].date(), end - timedelta(days=MAX_CATCH_UP)))
    return start, end, start, 0


def _next_page(response: httpx.Response, page: int, count: int, limit: int,
               uses_links: bool) -> int | None:
    """The next page to ask for, or None. Once the source has shown it pages with Link
    headers, a page without one is the last; a source without them ends at a short page."""
    link = response.links.get("next")
    if link and link.get("url"):
        found = parse_qs(urlsplit(link["url"]).query).get("p")
        try:
            return int(found[0]) if found else page + 1
        except ValueError:
            return page + 1
    if uses_links or "link" in response.headers:
        return None
    return page + 1 if count >= limit else None


def _check(page: int, limit: int, uses_links: bool) -> Callable[[httpx.Response], tuple[ParseResult, int | None, bool]]:
    def check(response: httpx.Response) -> tuple[ParseResult, int | None, bool]:
        text = response.text
        try:
            result = hf_json.parse(text, "daily_papers")
        except ParseError as e:
            raise Retry(f"broken page: {e}") from None
        if not text.lstrip("\ufeff \t\r\n").startswith("["):
            raise Retry("broken page: expected a list of daily papers")
        items = len(result.papers) + len(result.rejected)
        links = uses_links or "link" in response.headers
        return result, _next_page(response, page, items, limit, uses_links), links
    return check


def fetch_days(
    run: runs.Run,
    client: PoliteClient,
    base_url: str,
    day: date | None = None,
    since: date | None = None,
    until: date | None = None,
    recent: int = 3,
    page_size: int = PAGE_SIZE,
    progress: Callable[[date, int, int], None] | None = None,
    today: date | None = None,
) -> runs.Counts:
    conn = run.conn
    today = today or datetime.now(UTC).date()
    first, last, current, page = plan_days(runs.get_state(conn, "hf"), day, since, until, today, recent)
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    counts = runs.Counts()
    n_days = (last - first).days + 1
    empty: list[date] = []
    resumed = page > 0 or current > first
    url = f"{base_url}/api/daily_papers"
    uses_links = False
    while current <= last:
        listed = 0
        while page is not None:
            params = {"date": current.isoformat(), "p": page, "limit": page_size}
            result, next_page, uses_links = client.get(
                url, params=params, check=_check(page, page_size, uses_links),
                what=f"{current}, page {page}")
            listed += len(result.papers)
            papers = [p.with_(listed_on=current) for p in result.papers]
            if next_page is not None:
                cursor = {"from": first.isoformat(), "to": last.isoformat(),
                          "day": current.isoformat(), "p": next_page}
            elif current < last:
                cursor = {"from": first.isoformat(), "to": last.isoformat(),
                          "day": (current + timedelta(days=1)).isoformat(), "p": 0}
            else:
                cursor = None
            with conn.transaction():
                stats = store.store_groups(conn, store.dedupe(papers))
                got = runs.Counts(stats.new, stats.updated, stats.unchanged, len(result.rejected))
                counts.add(got)
                run.record(got, client.requests)
                done_until = datetime.combine(current, time(), UTC) if cursor is None else None
                runs.save_cursor(conn, "hf", cursor, done_until=done_until)
            page = next_page
        if listed == 0:
            empty.append(current)
        if progress:
            progress(current, (current - first).days + 1, n_days)
        current += timedelta(days=1)
        page = 0
    span = f"{first}" if first == last else f"{first} to {last}"
    note = f"{span}: {counts.describe()}"
    if resumed:
        note += " (resumed an unfinished run)"
    if len(empty) > 4:
        note += f"; nothing listed on {len(empty)} of the days ({empty[0]} … {empty[-1]}):"
        note += " weekends, holidays or not yet published"
    elif empty:
        note += "; nothing listed on " + ", ".join(d.isoformat() for d in empty)
        note += " (weekend, holiday or not yet published)"
    run.notes.append(note)
    return counts
