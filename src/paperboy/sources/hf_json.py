"""Hugging Face papers as JSON, in three shapes told apart by their structure.

* A scraped per-day file (source ``hf-daily``)::

    {"date": "2024-01-01", "papers": [{"title": "LARP: ...",
      "url": "https://huggingface.co/papers/2312.17653", "authors": ["Ming Yan"],
      "pdf_url": "https://arxiv.org/pdf/2312.17653.pdf", "abstract": "...", "upvotes": 30}]}

* The official ``/api/daily_papers`` response (source ``hf-api``)::

    [{"paper": {"id": "2312.17653", "title": "...", "summary": "...",
                "authors": [{"name": "Ming Yan"}], "publishedAt": "2023-12-29T12:00:00.000Z",
                "upvotes": 30, "githubRepo": "...", ...},
      "publishedAt": "2024-01-01T09:00:00.000Z", "numComments": 2,
      "submittedBy": {"name": "akhaliq", ...}, ...}]

  or a single ``/api/papers/{id}`` object (the inner ``paper`` above).

* A snapshot keyed by arXiv id (source ``hf-snapshot``)::

    {"2312.17653": {"url": "https://arxiv.org/abs/2312.17653", "title": "...",
                    "authors": ["Ming Yan", ...], "abstract": "...",
                    "publication_date": "2023-12-24T10:08:59Z", "upvotes": 29}}
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import date
from itertools import islice
from typing import Any

from paperboy.papers.record import (
    Paper,
    ParseError,
    Rejection,
    clean_authors,
    clean_text,
    parse_arxiv_id,
)
from paperboy.sources.result import ParseResult

_DAY_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _iso_date(value: Any) -> date | None:
    """The date part of an ISO 8601 date or datetime string; None if absent or unusable."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    # bool is an int subclass and NaN/inf are valid JSON to Python: neither is a count.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if math.isfinite(value) else None


def _str(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _names(value: Any) -> tuple[str, ...]:
    """Author names from a list of strings or of ``{"name": ...}`` objects."""
    if not isinstance(value, list):
        return ()
    names = (a.get("name") if isinstance(a, dict) else a for a in value)
    # clean_authors: "and Lei Bai" (the scraped lists keep the "and" of "A, B and C") -> "Lei Bai"
    return clean_authors(n for n in names if isinstance(n, str))


def _title(title: Any) -> str:
    if not isinstance(title, str) or not title.strip():
        raise ValueError("missing title")
    return clean_text(title)


def _arxiv_id(value: Any, what: str) -> tuple[str, int | None]:
    found = parse_arxiv_id(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"no arXiv id in {what} {value!r}"[:120])
    return found


def _daily(rec: dict[str, Any], listed_on: date | None) -> Paper:
    title = _title(rec.get("title"))
    arxiv_id, version = _arxiv_id(rec.get("url"), "url")
    return Paper(
        title=title,
        source="hf-daily",
        arxiv_id=arxiv_id,
        version=version,
        summary=clean_text(_str(rec.get("abstract"))),
        # Often cut to the first author: kept as given, never taken for a count.
        authors=_names(rec.get("authors")),
        listed_on=listed_on,
        upvotes=_int(rec.get("upvotes")),
        pdf_url=_str(rec.get("pdf_url")),
    )


def _api(item: dict[str, Any]) -> Paper:
    """One ``/api/daily_papers`` item, or a bare ``/api/papers/{id}`` object."""
    paper = item["paper"] if isinstance(item.get("paper"), dict) else item
    title = paper.get("title") if isinstance(paper.get("title"), str) else item.get("title")
    arxiv_id, version = _arxiv_id(paper.get("id"), "id")
    summary = paper.get("summary") if isinstance(paper.get("summary"), str) else item.get("summary")
    extra: dict[str, Any] = {}
    if (comments := _int(item.get("numComments"))) is not None:
        extra["num_comments"] = comments
    by = item.get("submittedBy") or paper.get("submittedOnDailyBy")
    if isinstance(by, dict):
        by = by.get("name") or by.get("fullname")
    if submitted_by := _str(by):
        extra["submitted_by"] = submitted_by
    if (stars := _int(paper.get("githubStars"))) is not None:
        extra["github_stars"] = stars
    if isinstance(paper.get("ai_keywords"), list):
        extra["ai_keywords"] = [k for k in paper["ai_keywords"] if isinstance(k, str)]
    if ai_summary := _str(paper.get("ai_summary")):
        extra["ai_summary"] = ai_summary
    return Paper(
        title=_title(title),
        source="hf-api",
        arxiv_id=arxiv_id,
        version=version,
        summary=clean_text(_str(summary)),
        authors=_names(paper.get("authors")),
        published_at=_iso_date(paper.get("publishedAt")),
        # The item's publishedAt is when it went on the daily list; a bare paper has none.
        listed_on=_iso_date(item.get("publishedAt") if paper is not item else None)
        or _iso_date(paper.get("submittedOnDailyAt")),
        upvotes=_int(paper.get("upvotes")),
        github_repo=_str(paper.get("githubRepo")),
        project_page=_str(paper.get("projectPage")),
        extra=extra,
    )


def _snapshot(key: str, rec: dict[str, Any]) -> Paper:
    title = _title(rec.get("title"))
    # The key is the arXiv id; the url is the fallback for a hand-edited snapshot.
    found = parse_arxiv_id(key) or parse_arxiv_id(_str(rec.get("url")))
    if found is None:
        raise ValueError(f"no arXiv id in key {key!r} or its url"[:120])
    arxiv_id, version = found
    return Paper(
        title=title,
        source="hf-snapshot",
        arxiv_id=arxiv_id,
        version=version,
        summary=clean_text(_str(rec.get("abstract"))),
        authors=_names(rec.get("authors")),
        published_at=_iso_date(rec.get("publication_date")),
        upvotes=_int(rec.get("upvotes")),
    )


def _collect(
    items: Iterable[tuple[Any, Any]], make: Callable[[Any, dict[str, Any]], Paper]
) -> ParseResult:
    """Papers from (key, record) pairs; each bad record becomes a "record N" rejection."""
    result = ParseResult()
    for n, (key, rec) in enumerate(items, 1):
        if not isinstance(rec, dict):
            reason = f"expected an object, got {type(rec).__name__}"
            result.rejected.append(Rejection(f"record {n}", reason))
            continue
        try:
            result.papers.append(make(key, rec))
        except ValueError as e:
            result.rejected.append(Rejection(f"record {n}", str(e)))
    return result


def _is_snapshot(doc: dict[str, Any]) -> bool:
    """Keyed by arXiv ids with objects as values (judged on the first few, so one bad record
    is a rejection rather than making the whole file unrecognisable)."""
    head = list(islice(doc.items(), 5))
    return (
        bool(head)
        and all(parse_arxiv_id(k) for k, _ in head)
        and any(isinstance(v, dict) for _, v in head)
    )


def parse(text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        raise ParseError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ParseError("not valid JSON: nested too deeply") from None

    if isinstance(doc, list):
        return _collect(enumerate(doc), lambda _, rec: _api(rec))
    if isinstance(doc, dict):
        if isinstance(doc.get("papers"), list):
            # The scraped files are named by day too: the name stands in for a missing date.
            m = _DAY_IN_NAME.search(name)
            listed_on = _iso_date(doc.get("date")) or _iso_date(m.group(1) if m else None)
            return _collect(enumerate(doc["papers"]), lambda _, rec: _daily(rec, listed_on))
        if isinstance(doc.get("paper"), dict) or {"id", "title", "summary"} <= doc.keys():
            return _collect([(None, doc)], lambda _, rec: _api(rec))
        if _is_snapshot(doc):
            return _collect(doc.items(), _snapshot)
    raise ParseError(
        'JSON is none of the known Hugging Face shapes (a daily file with "papers", '
        "an /api/daily_papers list, an /api/papers object, or a snapshot keyed by arXiv id)"
    )
