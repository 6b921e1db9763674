"""arXiv API responses: Atom XML, raw or inside a recording ``{"url", "status_code", "body"}``.

One ``<entry>`` per paper::

    <entry>
      <id>http://arxiv.org/abs/2104.12255v1</id>
      <title>0</title>
      <updated>2021-04-20T16:07:14Z</updated>
      <link href="https://arxiv.org/pdf/2104.12255v1" rel="related" title="pdf"/>
      <summary>What is the funniest number in cryptography? ...</summary>
      <category term="cs.CR" scheme="http://arxiv.org/schemas/atom"/>
      <published>2021-04-20T16:07:14Z</published>
      <arxiv:primary_category term="cs.CR"/>
      <author><name>Quan Thoi Minh Nguyen</name></author>
    </entry>

The API reports a bad query as a feed whose one entry has an ``.../api/errors#...`` id,
the title "Error" and the message as its summary; that becomes a :class:`ParseError`.

Parsed with the standard library's strict XML parser rather than feedparser: a truncated
or malformed document must fail as a whole, never import the entries before the break, and
titles and abstracts must come out exactly as arXiv wrote them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from paperboy.papers.record import (
    Paper,
    ParseError,
    Rejection,
    clean_authors,
    clean_text,
    is_withdrawn,
    parse_arxiv_id,
)
from paperboy.sources.result import ParseResult

SOURCE = "arxiv-atom"
_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}


def unwrap(text: str) -> tuple[str, int | None]:
    """The Atom text and HTTP status of a recording; raw XML passes through with no status."""
    text = text.lstrip("\ufeff")
    if not text.lstrip().startswith("{"):
        return text, None
    try:
        doc: Any = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise ParseError(f"not a valid arXiv API recording: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
        raise ParseError(
            'JSON is not an arXiv API recording (expected {"url", "status_code", "body"})'
        )
    status = doc.get("status_code")
    return doc["body"], status if isinstance(status, int) else None


def _text(entry: ET.Element, path: str) -> str:
    el = entry.find(path, _NS)
    return clean_text("".join(el.itertext())) if el is not None else ""


def _date(entry: ET.Element, path: str) -> date | None:
    try:
        return date.fromisoformat(_text(entry, path)[:10])
    except ValueError:
        return None


def _entry(entry: ET.Element) -> Paper:
    raw_id = _text(entry, "atom:id")
    found = parse_arxiv_id(raw_id)
    if found is None:
        raise ValueError(f"no arXiv id in <id> {raw_id!r}"[:120])
    title = _text(entry, "atom:title")
    if not title:
        raise ValueError(f"missing title ({found[0]})")
    # Primary category first, then the rest in document order.
    primary = entry.find("arxiv:primary_category", _NS)
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall("atom:category", _NS)]
    categories = tuple(dict.fromkeys(t for t in terms if t))
    pdf = next(
        (
            link.get("href")
            for link in entry.findall("atom:link", _NS)
            if link.get("title") == "pdf" or link.get("type") == "application/pdf"
        ),
        None,
    )
    extra = {
        key: value
        for key, value in (
            ("doi", _text(entry, "arxiv:doi")),
            ("journal_ref", _text(entry, "arxiv:journal_ref")),
        )
        if value
    }
    comment = _text(entry, "arxiv:comment") or None
    summary = _text(entry, "atom:summary")
    return Paper(
        title=title,
        source=SOURCE,
        arxiv_id=found[0],
        version=found[1],
        summary=summary,
        authors=clean_authors(_text(a, "atom:name") for a in entry.findall("atom:author", _NS)),
        categories=categories,
        published_at=_date(entry, "atom:published"),
        updated_at=_date(entry, "atom:updated"),
        pdf_url=pdf,
        comment=comment,
        withdrawn=is_withdrawn(comment, summary),
        extra=extra,
    )


def parse_page(text: str) -> tuple[ParseResult, int | None]:
    """One page of an API search: its papers and the ``opensearch:totalResults`` it reports
    (None when absent), so a pager knows whether an empty page is the end or a hiccup."""
    xml, status = unwrap(text)
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        if status is not None and status != 200:
            raise ParseError(f"arXiv API returned HTTP {status} and no Atom feed") from None
        raise ParseError(f"malformed or truncated XML: {e}") from None
    except UnicodeEncodeError:  # a recording's JSON can escape a lone surrogate into the body
        raise ParseError("malformed XML: it holds a lone surrogate (not a Unicode character)") from None
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise ParseError(f"not an Atom feed (root element is <{root.tag.split('}')[-1]}>)")
    entries = root.findall("atom:entry", _NS)
    for entry in entries:
        if "arxiv.org/api/errors" in _text(entry, "atom:id"):
            message = _text(entry, "atom:summary") or _text(entry, "atom:title")
            raise ParseError(f"arXiv API error: {message}")
    result = ParseResult()
    for n, entry in enumerate(entries, 1):
        try:
            result.papers.append(_entry(entry))
        except ValueError as e:
            result.rejected.append(Rejection(f"entry {n}", str(e)))
    total_text = root.findtext("opensearch:totalResults", namespaces=_NS)
    try:
        total = int(total_text) if total_text is not None else None
    except ValueError:
        total = None
    return result, total


def parse(text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    return parse_page(text)[0]
