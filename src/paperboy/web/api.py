"""The JSON API, shaped like the Hugging Face papers API so its clients and scripts work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response

from paperboy import trending as trend
from paperboy.papers import listing, store
from paperboy.web.present import hf_daily_item, hf_paper

router = APIRouter(prefix="/api", tags=["papers"])


@router.get(
    "/daily_papers",
    summary="Papers listed on a day, week or month",
    response_description="A list of daily-paper items; a `Link: <…>; rel=\"next\"` header "
    "points to the next page when there is one.",
)
def daily_papers(
    request: Request,
    response: Response,
    date: Annotated[str | None, Query(description="a day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(description="an ISO week, YYYY-Www (e.g. 2024-W45)")] = None,
    month: Annotated[str | None, Query(description="a month, YYYY-MM")] = None,
    sort: Annotated[
        Literal["upvotes", "publishedAt", "trending"],
        Query(description="upvotes (default), publishedAt (listing day, newest first) or trending"),
    ] = "upvotes",
    p: Annotated[int, Query(ge=0, le=1_000_000, description="page, from 0")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="items per page, 1–100 (400 outside)")] = 50,
) -> list[dict[str, Any]]:
    """With no date, week or month: the latest day that has papers."""
    try:
        period = listing.parse_period(date, week, month)
    except listing.PeriodError as e:
        raise HTTPException(400, str(e)) from None
    with request.app.state.db.connection() as conn:
        if period is None:
            latest = listing.latest_day(conn)
            if latest is None:
                return []
            period = listing.period_of("day", latest)
        rows, total = listing.papers_in(conn, period, sort, p * limit, limit)
    if (p + 1) * limit < total:
        nxt = request.url.include_query_params(p=p + 1, limit=limit)
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    response.headers["X-Total-Count"] = str(total)
    return [hf_daily_item(r) for r in rows]


@router.get("/trending", summary="Trending papers (see the formula in the README)")
def trending(
    request: Request,
    response: Response,
    p: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[dict[str, Any]]:
    with request.app.state.db.connection() as conn:
        rows, total, _ = trend.trending(conn, offset=p * limit, limit=limit)
    if (p + 1) * limit < total:
        response.headers["Link"] = f'<{request.url.include_query_params(p=p + 1, limit=limit)}>; rel="next"'
    return [{**hf_daily_item(r), "trendingScore": round(r["score"], 6)} for r in rows]


@router.get("/papers/{paper_id:path}", summary="One paper")
def paper(request: Request, paper_id: str) -> dict[str, Any]:
    with request.app.state.db.connection() as conn:
        row = store.get(conn, paper_id)
        if row is None:
            raise HTTPException(404, f"no paper with id {paper_id[:80]!r}")
        days = listing.listing_days(conn, row["id"])
    return {**hf_paper(row), "listedOn": [d["day"].isoformat() for d in days]}
