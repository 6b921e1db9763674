"""Which parser a text needs, judged from its content; the file name only breaks a tie.

Rules, first match wins::

    <?xml ... or <feed ...                             -> arxiv-atom
    {"url": ..., "status_code": 200, "body": "<?xml"}  -> arxiv-atom (a recorded API response)
    {"id": "2503.11742", "title": ...}, one per line   -> arxiv-jsonl
    any other JSON, even a truncated document          -> hf-json
    "byAK and the research community", or blocks of
    title / blank line / abstract                      -> hf-page
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from paperboy.papers import formats
from paperboy.papers.record import ParseError
from paperboy.sources import hf_page
from paperboy.sources.result import FORMATS

__all__ = ["FORMATS", "detect_format"]
_SAMPLE = 8192
# Enough lines to tell JSON Lines from a pretty-printed document without reading it all.
_PROBE_LINES = 20
_NON_BLANK = re.compile(r"\S")


def _is_binary(sample: str) -> bool:
    if "\x00" in sample:
        return True
    odd = sum(
        1
        for c in sample
        if c == "\ufffd" or (unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    )
    return odd > 0.05 * len(sample)


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) and value else None


def _json_format(text: str, name: str) -> str:
    try:
        doc, end = json.JSONDecoder().raw_decode(text)
    except (json.JSONDecodeError, RecursionError):
        # Invalid from the start: JSON Lines whose first line is bad, or a broken document
        # (the hf-json parser then says precisely where it breaks).
        lines = [line for line in text.split("\n", _PROBE_LINES)[:_PROBE_LINES] if line.strip()]
        objects = sum(_json_object(line) is not None for line in lines[1:])
        return "arxiv-jsonl" if objects else "hf-json"
    if _NON_BLANK.search(text, end):  # (not text[end:]: a copy of a big file)
        return "arxiv-jsonl"  # more than one value: one per line
    if isinstance(doc, dict):
        if isinstance(doc.get("body"), str) and "status_code" in doc:
            return "arxiv-atom"
        # A one-line JSON Lines file is also a valid single document; a pretty-printed
        # record is not JSON Lines at all.
        one_line = "\n" not in text[:end]
        if one_line and name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            return "arxiv-jsonl"
        if one_line and {"id", "title", "abstract"} <= doc.keys() and "summary" not in doc:
            return "arxiv-jsonl"
    return "hf-json"


def detect_format(name: str, text: str) -> str:
    """One of :data:`FORMATS` for ``text``; :class:`ParseError` with the reason if none fits."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped or stripped.isspace():
        raise ParseError("file is empty")
    if _is_binary(stripped[:_SAMPLE]):
        hint = " (gzip-compressed?)" if stripped.startswith("\x1f\x8b") else ""
        raise ParseError(f"looks like binary data{hint}, not a paper listing")
    head = stripped[:200].lower()
    if head.startswith(("<?xml", "<feed")):
        return "arxiv-atom"
    if head.startswith(("<!doctype html", "<html")):
        raise ParseError("looks like an HTML page; save the Daily Papers page as text instead")
    if stripped[0] in "[{":
        return _json_format(stripped, name.lower())
    if hf_page.looks_like_page(stripped):
        return "hf-page"
    raise ParseError(
        f"unrecognised format; expected one of: {', '.join(f.description for f in formats.ALL)}"
    )
