"""Turning stored rows into what pages, the JSON API and feeds show (one place for all three)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any


def _iso_day(d: date | None) -> str | None:
    """HF writes dates as ISO datetimes in UTC: 2024-04-01T00:00:00.000Z."""
    return f"{d.isoformat()}T00:00:00.000Z" if d else None


def as_datetime(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=UTC)


def author_count(row: dict[str, Any]) -> int:
    return max(row.get("num_authors") or 0, len(row.get("authors") or []))


def links(row: dict[str, Any]) -> dict[str, str | None]:
    aid = row.get("arxiv_id")
    return {
        "arxiv": f"https://arxiv.org/abs/{aid}" if aid else None,
        "pdf": row.get("pdf_url") or (f"https://arxiv.org/pdf/{aid}" if aid else None),
        "code": row.get("github_repo"),
        "project": row.get("project_page"),
    }


def hf_paper(row: dict[str, Any]) -> dict[str, Any]:
    """The HF papers API ``paper`` object, plus a few fields HF lacks (camelCase like HF)."""
    extra = row.get("extra") or {}
    return {
        "id": row["id"],
        "title": row["title"],
        "summary": row["summary"],
        "authors": [{"name": a} for a in row["authors"]],
        "numAuthors": author_count(row),
        "publishedAt": _iso_day(row.get("published_at")),
        "upvotes": row.get("upvotes") or 0,
        "githubRepo": row.get("github_repo"),
        "githubStars": extra.get("github_stars"),
        "projectPage": row.get("project_page"),
        "ai_keywords": extra.get("ai_keywords"),
        "arxivId": row.get("arxiv_id"),
        "categories": row.get("categories") or [],
        "pdfUrl": links(row)["pdf"],
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
