"""Turning stored rows into what pages, the JSON API and feeds show (one place for all three)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from paperboy.papers.limits import safe_url

EXCERPT = 1_000  # characters of an abstract on a list: cards clamp to a few lines anyway


def _iso_day(d: date | None) -> str | None:
    """HF writes dates as ISO datetimes in UTC: 2024-04-01T00:00:00.000Z."""
    return f"{d.isoformat()}T00:00:00.000Z" if d else None


def as_datetime(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=UTC)


def author_count(row: dict[str, Any]) -> int:
    return max(row.get("num_authors") or 0, len(row.get("authors") or []))


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    """``text`` cut to at most ``limit`` characters at a word, with an ellipsis when cut
    (a list of 30 papers must not carry 30 whole abstracts, whatever their size).

    >>> excerpt("one two three", 9)
    'one two…'
    """
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else cut inside the word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def links(row: dict[str, Any]) -> dict[str, str | None]:
    """The outside links of a paper, each an http(s) URL or None: stored links are checked
    again here, so no page or API answer hands out a javascript: (or other) URL."""
    aid = row.get("arxiv_id")
    return {
        "arxiv": f"https://arxiv.org/abs/{aid}" if aid else None,
        "pdf": safe_url(row.get("pdf_url")) or (f"https://arxiv.org/pdf/{aid}" if aid else None),
        "code": safe_url(row.get("github_repo")),
        "project": safe_url(row.get("project_page")),
    }


def hf_paper(row: dict[str, Any]) -> dict[str, Any]:
    """The HF papers API ``paper`` object, plus a few fields HF lacks (camelCase like HF)."""
    extra = row.get("extra") or {}
    urls = links(row)
    return {
        "id": row["id"],
        "title": row["title"],
        "summary": row["summary"],
        "authors": [{"name": a} for a in row["authors"]],
        "numAuthors": author_count(row),
        "publishedAt": _iso_day(row.get("published_at")),
        "upvotes": row.get("upvotes") or 0,
        "githubRepo": urls["code"],
        "githubStars": extra.get("github_stars"),
        "projectPage": urls["project"],
        "ai_keywords": extra.get("ai_keywords"),
        "arxivId": row.get("arxiv_id"),
        "categories": row.get("categories") or [],
        "pdfUrl": urls["pdf"],
        "comment": row.get("comment"),
        "withdrawn": bool(row.get("withdrawn")),
    }


def hf_daily_item(row: dict[str, Any]) -> dict[str, Any]:
    """One item of ``/api/daily_papers``: the paper and the day it was listed."""
    extra = row.get("extra") or {}
    listed = row.get("day") or row.get("listed_on")
    return {
        "paper": hf_paper(row),
        "publishedAt": _iso_day(listed),
        "title": row["title"],
        "summary": row["summary"],
        "numComments": extra.get("num_comments", 0),
        "submittedBy": {"name": extra["submitted_by"]} if extra.get("submitted_by") else None,
    }
