"""Fetching new and updated papers of the followed categories from the arXiv API.

For each category, one window of "last updated" times is paged through in ascending
order: ``cat:cs.CL AND lastUpdatedDate:[from TO to]``. The window ends when the run
starts, so its results stay put while we page; each page is stored in one transaction
together with the position of the next one, so a killed run resumes where it stopped.

A paper enters the API some hours after its version was submitted (at the next
announcement, days later over a weekend), with the submission time as its update time.
So every window starts ``LOOKBACK`` before the end of the last one: papers seen twice
merge into one (and count as unchanged).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import httpx

from paperboy.fetch import runs
from paperboy.fetch.client import FetchError, PoliteClient, Retry
from paperboy.papers import store
from paperboy.papers.record import Paper, ParseError, parse_arxiv_id
from paperboy.sources import ParseResult, arxiv_atom

LOOKBACK = timedelta(days=4)
FIRST_RUN = timedelta(days=2)  # a category fetched for the first time: its last two days
PAGE_SIZE = 200
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z\-]+)?$")


def check_category(category: str) -> str:
    """A category as arXiv spells it (cs.CL, math.AP, hep-th, q-bio.NC), else ValueError."""
    if not _CATEGORY.match(category):
        raise ValueError(f"{category!r} is not an arXiv category (like cs.CL, math.AP or hep-th)")
    return category


def query(category: str, start: datetime, end: datetime) -> str:
    return f"cat:{category} AND lastUpdatedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"


@dataclass
class Window:
    start: datetime
    end: datetime
    offset: int = 0  # results already stored

    def cursor(self, offset: int) -> dict[str, object]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "start": offset}

    @classmethod
    def from_cursor(cls, c: dict) -> Window:
        return cls(datetime.fromisoformat(c["from"]), datetime.fromisoformat(c["to"]), int(c["start"]))


def plan(state: dict | None, since: date | None, until: date | None, now: datetime) -> tuple[Window, bool]:
    """The window to fetch and whether it resumes an unfinished one. An explicit ``since``
    starts afresh; otherwise an unfinished window is resumed."""
    if since is None and state and state.get("cursor"):
        return Window.from_cursor(state["cursor"]), True
    end = datetime.combine(until + timedelta(days=1), time(), UTC) if until else now
    end = min(end, now).replace(second=0, microsecond=0)
    if since is not None:
        start = datetime.combine(since, time(), UTC)
    elif state and state.get("done_until"):
        start = state["done_until"] - LOOKBACK
    else:
        start = end - FIRST_RUN
    return Window(start, end), False


def _page_check(offset: int) -> Callable[[httpx.Response], tuple[ParseResult, int | None]]:
    def check(response: httpx.Response) -> tuple[ParseResult, int | None]:
        try:
            result, total = arxiv_atom.parse_page(response.text)
        except ParseError as e:
            if str(e).startswith("arXiv API error"):
                raise FetchError(str(e)) from None  # a bad query: asking again won't help
            raise Retry(f"broken page: {e}") from None
        if not result.papers and not result.rejected and total is not None and offset < total:
            # arXiv now and then answers a page inside the results with no entries.
            raise Retry(f"empty page at result {offset} of {total}")
        return result, total
    return check


def fetch_category(
    run: runs.Run,
    client: PoliteClient,
    base_url: str,
    category: str,
    since: date | None = None,
    until: date | None = None,
    page_size: int = PAGE_SIZE,
    progress: Callable[[str, int, int | None], None] | None = None,
    now: datetime | None = None,
) -> runs.Counts:
    """Page through one category's window, storing each page with the next position."""
    conn = run.conn
    key = f"arxiv:{category}"
    window, resumed = plan(runs.get_state(conn, key), since, until, now or datetime.now(UTC))
    counts = runs.Counts()
    if window.start >= window.end:
        run.notes.append(f"{category}: nothing to fetch ({window.start:%Y-%m-%d %H:%M} UTC is not in the past)")
        return counts
    offset = window.offset
    q = query(category, window.start, window.end)
    while True:
        params = {"search_query": q, "start": offset, "max_results": page_size,
                  "sortBy": "lastUpdatedDate", "sortOrder": "ascending"}
        result, total = client.get(base_url, params=params, check=_page_check(offset),
                                   what=f"{category}, results from {offset}")
        got = len(result.papers) + len(result.rejected)
        # A new submission is listed on the day it was submitted; a new version of an old
        # paper updates it without listing it again.
        papers = [p.with_(listed_on=p.published_at)
                  if p.published_at and p.published_at >= window.start.date() else p
                  for p in result.papers]
        done = got == 0 or total is None or offset + got >= total
        with conn.transaction():
            stats = store.store_groups(conn, store.dedupe(papers))
            page = runs.Counts(stats.new, stats.updated, stats.unchanged, len(result.rejected))
            counts.add(page)
            run.record(page, client.requests)
            if done:
                runs.save_cursor(conn, key, None, done_until=window.end)
            else:
                runs.save_cursor(conn, key, window.cursor(offset + got))
        offset += got
        if progress:
            progress(category, offset, total)
        if done:
            break
    span = f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"
    how = f"resumed at result {window.offset}, " if resumed else ""
    run.notes.append(f"{category}: {counts.describe()} ({how}papers updated {span})")
    return counts


def _lookup_check(response: httpx.Response) -> list[Paper]:
    try:
        result, _ = arxiv_atom.parse_page(response.text)
    except ParseError as e:
        if str(e).startswith("arXiv API error"):
            return []  # arXiv refuses the id (say, "incorrect id format"): it has no such paper
        raise Retry(f"broken page: {e}") from None
    return result.papers


def lookup(client: PoliteClient, base_url: str, arxiv_id: str) -> Paper | None:
    """One paper's metadata by its id (``2401.12345``, ``2401.12345v2``, ``hep-th/9901001``),
    or None when arXiv has no such paper. Raises FetchError when arXiv cannot be reached or
    keeps failing (the client's retries spent)."""
    params = {"search_query": "", "id_list": arxiv_id, "start": 0, "max_results": 1}
    try:
        papers = client.get(base_url, params=params, check=_lookup_check, what=f"id {arxiv_id}")
    except FetchError as e:
        if " answered HTTP 400 " in str(e):  # arXiv's answer to an id it cannot parse
            return None
        raise
    wanted = parse_arxiv_id(arxiv_id)
    return next((p for p in papers if wanted and p.arxiv_id == wanted[0]), None)
