"""JSON Lines of arXiv metadata, one paper per line (wrapped here)::

    {"id": "2503.11742", "title": "Safe Vision-Language Models via Unsafe Weights Manipulation",
     "authors": ["Moreno D'Incà", ...], "categories": ["cs.CV", "cs.AI"],
     "comment": "Work in progress", "listed_on": "2025-03-18",
     "abstract": "Vision-language models (VLMs) often inherit the biases and\\nunsafe ..."}

Blank lines are skipped; a bad line is a ``line N`` rejection and the rest still import.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from paperboy.papers.record import (
    Paper,
    ParseError,
    Rejection,
    clean_author,
    clean_text,
    is_withdrawn,
    parse_arxiv_id,
)
from paperboy.sources.result import ParseResult

SOURCE = "arxiv-jsonl"


def _strings(value: Any) -> tuple[str, ...]:
    # Names and categories arrive one per list item: strip() suffices, and at ten a line
    # a full clean_text() on each would be a large share of the parse time.
    if not isinstance(value, list):
        return ()
    return tuple(s for v in value if isinstance(v, str) and (s := v.strip()))


def _authors(value: Any) -> tuple[str, ...]:
    """Names one per list item, a stray "and" at either end dropped (clean_author)."""
    if not isinstance(value, list):
        return ()
    return tuple(s for v in value if isinstance(v, str) and (s := clean_author(v.strip())))


def _paper(rec: dict[str, Any]) -> Paper:
    raw_id = rec.get("id")
    found = parse_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if found is None:
        raise ValueError("missing id" if raw_id is None else f"no arXiv id in {raw_id!r}"[:120])
    title = rec.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"missing title ({found[0]})")
    listed_on = rec.get("listed_on")
    try:
        listed = date.fromisoformat(listed_on[:10]) if isinstance(listed_on, str) else None
    except ValueError:
        listed = None
    comment = rec.get("comment")
    abstract = rec.get("abstract")
    return Paper(
        title=clean_text(title),
        source=SOURCE,
        arxiv_id=found[0],
        version=found[1],
        summary=clean_text(abstract) if isinstance(abstract, str) else "",
        authors=_authors(rec.get("authors")),
        categories=_strings(rec.get("categories")),
        listed_on=listed,
        comment=(clean_text(comment) or None) if isinstance(comment, str) else None,
        withdrawn=isinstance(comment, str) and is_withdrawn(comment),
    )


def parse(text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    result = ParseResult()
    objects = 0
    # Split on "\n" only: str.splitlines() also breaks on U+2028, which JSON strings may hold raw.
    for n, line in enumerate(text.lstrip("\ufeff").split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:
            reason = f"not valid JSON: {e.msg}" if isinstance(e, json.JSONDecodeError) else str(e)
            result.rejected.append(Rejection(f"line {n}", reason))
            continue
        if not isinstance(rec, dict):
            result.rejected.append(
                Rejection(f"line {n}", f"expected an object, got {type(rec).__name__}")
            )
            continue
        objects += 1
        try:
            result.papers.append(_paper(rec))
        except ValueError as e:
            result.rejected.append(Rejection(f"line {n}", str(e)))
    if objects == 0 and result.rejected:
        raise ParseError(f"no valid JSON lines ({len(result.rejected)} lines, none a JSON object)")
    return result
