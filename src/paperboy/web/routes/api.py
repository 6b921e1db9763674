"""The JSON API, shaped like the Hugging Face papers API so its clients and scripts work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from markupsafe import escape

from paperboy import trending as trend
from paperboy.papers import listing, page, store, view
from paperboy.passages.search import public as passage_json
from paperboy.search import similar
from paperboy.web import http, searching
from paperboy.web.http import cacheable
from paperboy.web.routes.exports import EXPORTS, Format, check_format, exported

api = APIRouter(prefix="/api", tags=["papers"])  # the HTTP API for programs (docs/api.md, /openapi.json)


@api.get(
    "/daily_papers",
    summary="Papers listed on a day, week or month",
    responses=EXPORTS,
    response_description="A list of daily-paper items; a `Link: <…>; rel=\"next\"` header "
    "points to the next page when there is one.",
)
@cacheable
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
    submitter: Annotated[str | None, Query(max_length=100, description="only papers this member "
                                           "(or, imported, this Hugging Face user) submitted")] = None,
    fmt: Format = None,
    with_: Annotated[Literal["code"] | None, Query(alias="with", description="code: only papers with a code "
                                                   "repository; sorted by trending, their GitHub star growth "
                                                   "counts too (docs/web.md)")] = None,
) -> list[dict[str, Any]]:
    """With no date, week or month: the latest day that has papers (with `submitter`: every
    day, so a member's submissions are found whenever they were made; with
    `sort=trending`: the Trending list, as `/api/trending`). With `format`
    (bibtex, csl-json or ris): the same page of papers as that file."""
    check_format(fmt)
    if submitter and "\x00" in submitter:
        raise HTTPException(400, "submitter contains a NUL character")
    period = http.period(date, week, month)
    name = "trending"
    with request.app.state.db.connection() as conn:
        if period is None and sort == "trending" and not submitter:
            # As on Hugging Face: trending without a period is the Trending list (its window
            # of listed days), not the latest day's list sorted by trend, which a lone
            # listing today would cut down to that one paper.
            rows, total, _ = trend.trending(conn, offset=p * limit, limit=limit, with_code=with_ == "code")
        else:
            if period is None:
                latest = listing.latest_day(conn)
                if latest is None:
                    return exported([], fmt, "papers") if fmt else []  # type: ignore[return-value]
                period = listing.period_of("day", latest) if not submitter else listing.every_day(latest)
            rows, total = listing.papers_in(conn, period, sort, p * limit, limit, submitter=submitter or None,
                                            with_code=with_ == "code")
            name = f"papers-{period.key}"
    if fmt:
        return exported([view.of(r).hf_paper() for r in rows], fmt, name)  # type: ignore[return-value]
    if (p + 1) * limit < total:
        http.next_link(request, response, p=p + 1, limit=limit)
    response.headers["X-Total-Count"] = str(total)
    return [view.of(r).hf_daily_item() for r in rows]


@api.get("/trending", summary="Trending papers (see the formula in the README)")
@cacheable
def trending(
    request: Request,
    response: Response,
    p: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[dict[str, Any]]:
    with request.app.state.db.connection() as conn:
        rows, total, _ = trend.trending(conn, offset=p * limit, limit=limit)
    if (p + 1) * limit < total:
        http.next_link(request, response, p=p + 1, limit=limit)
    return [{**view.of(r).hf_daily_item(), "trendingScore": round(r["score"], 6)} for r in rows]


@api.get("/papers/search", summary="Search papers (keyword + semantic, fused)", responses=EXPORTS)
def search(
    request: Request,
    response: Response,
    q: Annotated[str | None, Query(description='words, "phrases", -excluded, a OR b, author:Name, '
                                               "title:word, category:cs.CL, or an arXiv id; at most 250 characters."
                                               " Left out: every Daily paper, newest listing day first")] = None,
    limit: Annotated[int, Query(ge=1, le=120, description="results, 1–120")] = 20,
    p: Annotated[int, Query(ge=0, le=100, description="page, from 0")] = 0,
    mode: Annotated[Literal["hybrid", "keyword", "semantic"], Query()] = "hybrid",
    sort: Annotated[Literal["relevance", "date", "upvotes"], Query()] = "relevance",
    since: Annotated[str | None, Query(description="from this day on, YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(description="up to this day, YYYY-MM-DD")] = None,
    code: Annotated[bool, Query(description="only papers with a code repository")] = False,
    category: Annotated[str | None, Query(description="an arXiv category, e.g. cs.CL")] = None,
    fulltext: Annotated[bool, Query(description="search inside papers' full text too (as `in:text`); a hit"
                                                " found in a passage gains `passage`")] = False,
    fmt: Format = None,
) -> list[dict[str, Any]]:
    """Items like HF's `/api/papers/search`: `{paper, title, summary, highlightedTitle,
    highlightedSummary, ...}`. Headers: `X-Search-Mode` (what ran: hybrid, keyword, semantic
    or id) and `X-Search-Notice` when search fell back (e.g. before embeddings exist). With
    `format` (bibtex, csl-json or ris): the same results as that file. With `fulltext=1` (or
    `in:text` in `q`), each hit has `passage`: `{section, label, anchor, snippet, url,
    highlight_url}` (url: the section in the paper's Read view; highlight_url: the same with a
    text fragment marking the match) when it matched in its text, else null."""
    check_format(fmt)
    params = searching.read_params(q, mode, sort, since, until, "1" if code else "", category,
                                   strict_length=True, fulltext="1" if fulltext else "")
    if q is None:
        # huggingface_hub's list_papers() with no query: Hugging Face lists papers here.
        with request.app.state.db.connection() as conn:
            rows, total = listing.newest_daily(conn, p * limit, limit)
        if fmt:
            return exported([view.of(r).hf_paper() for r in rows], fmt, "papers")  # type: ignore[return-value]
        if (p + 1) * limit < total:
            http.next_link(request, response, p=p + 1, limit=limit)
        views = [view.of(r) for r in rows]
        # highlighted* are HTML, as a search's are (there is nothing to mark)
        return [{**v.hf_daily_item(), "highlightedTitle": str(escape(v.title)),
                 "highlightedSummary": str(escape(v.summary))} for v in views]
    if not params.q.strip():
        raise HTTPException(400, "q must not be empty (leave it out to list papers)")
    result = searching.run(request, params, p * limit, limit)
    if fmt:
        return exported([view.of(r).hf_paper() for r in result.items], fmt, "search")  # type: ignore[return-value]
    response.headers["X-Search-Mode"] = result.mode
    if result.notices:
        response.headers["X-Search-Notice"] = " ".join(result.notices)[:500]
    if (p + 1) * limit < result.total:
        http.next_link(request, response, p=p + 1, limit=limit)
    return [
        {**view.of(r).hf_daily_item(), "highlightedTitle": str(r["highlighted_title"]),
         "highlightedSummary": str(r["highlighted_summary"]), "score": round(r["score"], 6),
         **({"passage": passage_json(r.get("passage"))} if result.fulltext else {})}
        for r in result.items
    ]


@api.get("/papers/{paper_id:path}/similar", summary="Papers similar to one paper")
@cacheable
def similar_papers(
    request: Request,
    paper_id: str,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[dict[str, Any]]:
    """Nearest papers by meaning (vectors), without the paper itself or exact duplicates.
    Empty until the paper is embedded."""
    with request.app.state.db.connection() as conn:
        row = store.get(conn, paper_id)
        if row is None:
            raise HTTPException(404, f"no paper with id {paper_id[:80]!r}")
        near = similar(conn, row["id"], limit=limit)
    return [{"paper": view.of(r).hf_paper(), "similarity": round(r["similarity"], 6)} for r in near]


@api.get("/papers/{paper_id:path}", summary="One paper")
@cacheable
def paper(request: Request, paper_id: str) -> dict[str, Any]:
    with request.app.state.db.connection() as conn:
        found = page.load(conn, paper_id, with_thread=False)
    if found is None:
        raise HTTPException(404, f"no paper with id {paper_id[:80]!r}")
    return found.api()
