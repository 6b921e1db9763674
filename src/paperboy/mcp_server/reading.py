"""The read tools, anyone's: search, a paper, its Markdown, similar papers, Daily, Trending.

Each calls the feature functions the HTTP API's route calls (web/routes/api.py,
web/routes/paper_md.py) and answers what that route answers as its structured content.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field

from paperboy import trending as trend
from paperboy.mcp_server import render
from paperboy.mcp_server.hub import READS, Hub, Page, PaperId, failing_as_tools
from paperboy.papers import listing, page, store, view
from paperboy.passages.search import public as passage_json
from paperboy.search import similar
from paperboy.web import searching

Day = Annotated[str | None, Field(max_length=40, description="a day, YYYY-MM-DD")]


def search_papers(hub: Hub, query: str, since: str | None, until: str | None, mode: str,
                  limit: int, p: int) -> CallToolResult:
    with failing_as_tools():  # the API's 400s, in its words
        params = searching.read_params(query, mode, None, since, until, None, None, strict_length=True)
    if not params.q.strip():
        raise ToolError("query must not be empty")
    with hub.connection() as conn:
        if hub.fresh_index and hub.state.searcher.index.behind(conn):
            hub.state.searcher.index.sync(conn)
        if hub.fresh_index:  # (one look when no full text changed)
            hub.state.searcher.passages.sync(conn)
        found = hub.state.searcher.search(conn, params.q, filters=params.filters, sort=params.sort,
                                          mode=params.mode, offset=p * limit, limit=limit)
    items = [{**view.of(r).hf_daily_item(), "highlightedTitle": str(r["highlighted_title"]),
              "highlightedSummary": str(r["highlighted_summary"]), "score": round(r["score"], 6),
              **({"passage": passage_json(r.get("passage"))} if found.fulltext else {})}
             for r in found.items]
    text = render.paper_list(f"Papers matching {query!r} ({found.mode} search)", items, hub.base_url,
                             page=p, limit=limit, total=found.total, notes=list(found.notices))
    return render.result(text, {"papers": items, "total": found.total, "mode": found.mode,
                                "notices": list(found.notices), "page": p})


def daily_papers(hub: Hub, date: str | None, week: str | None, month: str | None, sort: str,
                 limit: int, p: int) -> CallToolResult:
    """As ``GET /api/daily_papers``: with no period the latest listed day, or with
    sort=trending the Trending list."""
    with hub.connection() as conn:
        period = listing.parse_period(date, week, month)
        if period is None and sort == "trending":
            rows, total, _ = trend.trending(conn, offset=p * limit, limit=limit)
            what = "Trending papers"
        else:
            if period is None:
                latest = listing.latest_day(conn)
                period = listing.period_of("day", latest) if latest else None
            rows, total = listing.papers_in(conn, period, sort, p * limit, limit) if period else ([], 0)
            what = f"Daily papers of {period.key}" if period else "Daily papers (none listed yet)"
    items = [view.of(r).hf_daily_item() for r in rows]
    text = render.paper_list(f"{what}, by {sort}", items, hub.base_url, page=p, limit=limit, total=total)
    return render.result(text, {"papers": items, "total": total, "period": period.key if period else None,
                                "sort": sort, "page": p})


def register(server: MCPServer, hub: Hub) -> None:
    @server.tool(name="search_papers", title="Search papers", annotations=READS)
    def search_tool(
        query: Annotated[str, Field(description='words, "phrases", -excluded, a OR b, author:Name, '
                                                "title:word, category:cs.CL, in:text (inside full texts "
                                                "too: each item gains `passage`), or an arXiv id")],
        since: Day = None, until: Day = None,
        mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
        limit: Annotated[int, Field(ge=1, le=50, description="results per page, 1–50")] = 10,
        page: Page = 0,
    ) -> CallToolResult:
        """Search the hub's papers: keyword (BM25) and semantic search fused (mode=hybrid), or
        one of them. since/until keep papers of those days. A page of results, best first;
        structured content: the items of GET /api/papers/search."""
        return search_papers(hub, query, since, until, mode, limit, page)

    @server.tool(name="get_paper", title="A paper", annotations=READS)
    def get_paper(id: PaperId) -> CallToolResult:  # noqa: A002 - the tool's argument is `id`
        """A paper's metadata, links (arXiv, PDF, code, project page, its page here) and
        counts (upvotes imported and from members, comments), and the days it was on the
        Daily list. Structured content: GET /api/papers/{id}."""
        with hub.connection() as conn:
            found = page.load(conn, id, with_thread=False)
        if found is None:
            raise ToolError(f"no paper with id {id[:80]!r}")
        data = found.api()
        return render.result(render.paper_card(data, hub.base_url), data)

    @server.tool(name="read_paper", title="Read a paper", annotations=READS)
    def read_paper(
        id: PaperId,  # noqa: A002
        offset: Annotated[int, Field(ge=0, description="where to start, in characters (from the "
                                                       "previous call's next_offset)")] = 0,
    ) -> CallToolResult:
        """The paper as Markdown (what /papers/{id}.md serves): its metadata, links and
        abstract (its full text, where the hub stores one) and the readers' comments. At
        most 20,000 characters a call; the last line says how to read on (offset=next_offset)."""
        markdown = markdown_of(hub, id)
        if offset and offset >= len(markdown):
            raise ToolError(f"offset must be less than {len(markdown)} (the length of this paper's Markdown)")
        text, next_offset = render.markdown_page(id, markdown, offset)
        return render.result(text, {"id": id, "offset": offset, "next_offset": next_offset,
                                    "total_chars": len(markdown), "markdown": text})

    @server.tool(name="similar_papers", title="Similar papers", annotations=READS)
    def similar_papers(id: PaperId,  # noqa: A002
                       limit: Annotated[int, Field(ge=1, le=50, description="papers, 1–50")] = 10,
                       ) -> CallToolResult:
        """The papers nearest in meaning (by their vectors), without the paper itself or
        exact duplicates; none until the paper is embedded. Structured content: GET
        /api/papers/{id}/similar."""
        with hub.connection() as conn:
            row = store.get(conn, id)
            if row is None:
                raise ToolError(f"no paper with id {id[:80]!r}")
            near = similar(conn, row["id"], limit=limit)
        items = [{"paper": view.of(r).hf_paper(), "similarity": round(r["similarity"], 6)} for r in near]
        extras = [f"similarity {i['similarity']:.3f}" for i in items]
        notes = [] if items else ["the paper has no vector yet (it is embedded in the background)"]
        text = render.paper_list(f"Papers similar to {row['title']!r}", items, hub.base_url, page=0,
                                 limit=limit, total=None, more=False, extras=extras, notes=notes)
        return render.result(text, {"papers": items})

    @server.tool(name="daily_papers", title="Daily papers", annotations=READS)
    def daily_tool(
        date: Day = None,
        week: Annotated[str | None, Field(max_length=40, description="an ISO week, YYYY-Www")] = None,
        month: Annotated[str | None, Field(max_length=40, description="a month, YYYY-MM")] = None,
        sort: Literal["upvotes", "publishedAt", "trending"] = "upvotes",
        limit: Annotated[int, Field(ge=1, le=50, description="papers per page, 1–50")] = 20,
        page: Page = 0,
    ) -> CallToolResult:
        """The Daily list of a day, an ISO week or a month (give one; none: the latest
        listed day, or with sort=trending the Trending list). Structured content: the
        items of GET /api/daily_papers."""
        return daily_papers(hub, date, week, month, sort, limit, page)

    @server.tool(name="trending", title="Trending papers", annotations=READS)
    def trending_tool(limit: Annotated[int, Field(ge=1, le=50, description="papers per page, 1–50")] = 20,
                      page: Page = 0) -> CallToolResult:
        """What is trending on the hub now (votes and their growth over the last listed
        days; the formula is in the README). Structured content: GET /api/trending."""
        with hub.connection() as conn:
            rows, total, _ = trend.trending(conn, offset=page * limit, limit=limit)
        items = [{**view.of(r).hf_daily_item(), "trendingScore": round(r["score"], 6)} for r in rows]
        text = render.paper_list("Trending papers", items, hub.base_url, page=page, limit=limit, total=total)
        return render.result(text, {"papers": items, "total": total, "page": page})


def markdown_of(hub: Hub, paper_id: str) -> str:
    """The paper's Markdown twin, as /papers/{id}.md serves it."""
    with hub.connection() as conn:
        found = page.load(conn, paper_id, with_fulltext=True)
    if found is None:
        raise ToolError(f"No paper with id {paper_id[:80]!r} in this hub.")
    return found.markdown(hub.base_url)
