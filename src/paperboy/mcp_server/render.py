"""What a tool answers: text an agent reads (a numbered list of papers, a paper's card, a page
of Markdown) and, beside it, the structured content, which is what the HTTP API answers for
the same question (the Hugging Face shapes of papers/view.py).

Output is bounded: a list is one page (``limit`` items, ``page`` to go on) and its text shows
each abstract cut at :data:`SUMMARY_CHARS`; a paper's Markdown comes :data:`MARKDOWN_CHARS`
characters at a time (``offset`` to read on).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mcp.types import CallToolResult, TextContent

SUMMARY_CHARS = 300  # of each abstract in a list's text (the structured content has it whole)
MARKDOWN_CHARS = 20_000  # of a paper's Markdown per read_paper call (resources too)


def result(text: str, data: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def paper_url(base_url: str, paper_id: str) -> str:
    return f"{base_url}/papers/{quote(paper_id, safe='/:')}"


def _paper(item: dict[str, Any]) -> dict[str, Any]:
    """The paper object of an API item: daily items hold it under ``paper``; others are it."""
    inner = item.get("paper")
    return inner if isinstance(inner, dict) else item


def _short(text: str, most: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def authors(paper: dict[str, Any], most: int = 3) -> str:
    names = [a["name"] for a in paper.get("authors") or []]
    shown = ", ".join(names[:most])
    more = max(paper.get("numAuthors") or 0, len(names)) - min(len(names), most)
    return shown + (f" and {more} more" if more > 0 else "")


def paper_lines(i: int, item: dict[str, Any], base_url: str, extra: str = "") -> str:
    """One paper of a list: title, id, day, votes, authors, the abstract's start, its page."""
    p = _paper(item)
    day = item.get("publishedAt") or p.get("publishedAt") or ""
    facts = " · ".join(x for x in (p["id"], day[:10], f"▲ {p.get('upvotes') or 0}", authors(p)) if x)
    lines = [f"{i}. {p['title']}", f"   {facts}"]
    if extra:
        lines.append(f"   {extra}")
    if p.get("summary"):
        lines.append(f"   {_short(p['summary'], SUMMARY_CHARS)}")
    lines.append(f"   {paper_url(base_url, p['id'])}")
    return "\n".join(lines)


def paper_list(title: str, items: list[dict[str, Any]], base_url: str, *, page: int, limit: int,
               total: int | None, more: bool | None = None, extras: list[str] | None = None,
               notes: list[str] | None = None) -> str:
    """A page of papers as text, saying what it is, how many there are, and how to go on."""
    first = page * limit
    head = title + (f": {total} in all" if total is not None else "")
    if items:
        head += f"; {first + 1}–{first + len(items)} below"
    lines = [head + "."]
    lines += [f"Note: {n}" for n in notes or []]
    if not items:
        lines.append("No papers." if page == 0 else "No papers on this page (past the last one).")
    for i, item in enumerate(items, first + 1):
        lines.append(paper_lines(i, item, base_url, (extras or [""] * len(items))[i - first - 1]))
    if more if more is not None else (total is not None and first + len(items) < total):
        lines.append(f"More: call again with page={page + 1}.")
    return "\n\n".join(lines)


def paper_card(paper: dict[str, Any], base_url: str) -> str:
    """get_paper's text: what the paper is, its links and its counts."""
    pid = paper["id"]
    lines = [f"# {paper['title']}", "",
             f"- id: {pid}" + (f" (arXiv {paper['arxivId']})" if paper.get("arxivId") else ""),
             f"- authors: {authors(paper, 20)}"]
    if paper.get("publishedAt"):
        lines.append(f"- published: {paper['publishedAt'][:10]} ({paper.get('publishedAtSource')})")
    if paper.get("listedOn"):
        lines.append(f"- listed on the Daily list: {', '.join(paper['listedOn'][:10])}")
    if paper.get("categories"):
        lines.append(f"- categories: {', '.join(paper['categories'])}")
    lines.append(f"- upvotes: {paper.get('upvotes') or 0} ({paper.get('hfUpvotes') or 0} imported from "
                 f"Hugging Face, {paper.get('communityUpvotes') or 0} from members here)")
    lines.append(f"- comments: {paper.get('numComments') or 0}")
    if paper.get("githubRepo"):
        stars = paper.get("githubStars")
        lines.append(f"- code: {paper['githubRepo']}" + (f" (★ {stars})" if stars is not None else ""))
    for name, key in (("project page", "projectPage"), ("PDF", "pdfUrl")):
        if paper.get(key):
            lines.append(f"- {name}: {paper[key]}")
    lines.append(f"- page: {paper_url(base_url, pid)} (Markdown: {paper_url(base_url, pid)}.md)")
    if paper.get("withdrawn"):
        lines.append("- withdrawn by its authors")
    lines += ["", "## Abstract", "", paper.get("summary") or "(none)", "",
              f"Read it whole with read_paper(id={pid!r}); similar papers: similar_papers(id={pid!r})."]
    return "\n".join(lines)


def markdown_page(paper_id: str, markdown: str, offset: int) -> tuple[str, int | None]:
    """The part of a paper's Markdown from ``offset``: at most MARKDOWN_CHARS characters, cut
    at a line's end when one is near, and a last line saying how to read on; and where the
    next part starts (None at the end)."""
    end = offset + MARKDOWN_CHARS
    if end >= len(markdown):
        return markdown[offset:], None
    cut = markdown.rfind("\n", offset + MARKDOWN_CHARS // 2, end)
    end = cut + 1 if cut > 0 else end
    rest = len(markdown) - end
    return (markdown[offset:end] + f"\n\n[… {rest:,} more characters: call read_paper(id={paper_id!r}, "
            f"offset={end}) to read on.]"), end


def collection_text(c: dict[str, Any], items: list[dict[str, Any]], base_url: str, *,
                    page: int, limit: int) -> str:
    kind = "public" if c["public"] else "private"
    head = [f"Collection {c['id']}: {c['name']} ({kind}, by {c['owner']['name']})"]
    if c.get("description"):
        head.append(c["description"])
    body = paper_list("Its papers, the last saved first", items, base_url, page=page, limit=limit,
                      total=c["numPapers"])
    return "\n".join(head) + "\n\n" + body
