"""CSL-JSON in (Zotero's "Export Library… > CSL JSON"): a pure parser, text to
:class:`~paperboy.library.entry.Parsed`.

The file is a JSON array of items (one item alone, or ``{"items": [...]}``, is read too).
An item gives ``title``, ``abstract``, ``author`` ([{family, given}] or [{literal}]),
``issued`` ({date-parts} or {raw}), ``DOI``, ``URL``, and for an arXiv preprint
``number: "arXiv:1706.03762"`` (Zotero) or a note. An item that is not an object is a
"malformed entry"; one without a title is "no title". Never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from paperboy.library.entry import Parsed, Rejection, add, find_arxiv_id, make_entry, year_of

FORMAT = "csl-json"
# CSL's rich-text markup in titles (<i>, <b>, <sup>, <sub>, <span style=…>, <sc>).
_MARKUP = re.compile(r"</?(?:i|b|sup|sub|sc|span)(?:\s[^<>]*)?>", re.IGNORECASE)


def _str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _authors(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    names = []
    for person in value:
        if isinstance(person, str):
            names.append(person)
        elif isinstance(person, dict):
            parts = [person.get(k) for k in ("given", "non-dropping-particle", "family", "suffix")]
            name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
            literal = person.get("literal")
            names.append(name or (literal if isinstance(literal, str) else ""))
    return names


def _year(issued: Any) -> int | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return year_of(parts[0][0] if isinstance(parts[0][0], int) else str(parts[0][0]))
        return year_of(issued.get("raw") or issued.get("literal"))
    return year_of(issued) if isinstance(issued, str | int) else None


def _item(parsed: Parsed, n: int, item: Any) -> None:
    if not isinstance(item, dict):
        parsed.rejected.append(Rejection(f"entry {n}", "malformed entry"))
        return
    ident = _str(item, "id") or _str(item, "citation-key")
    where = f"entry {n} ({ident[:100]})" if ident else f"entry {n}"
    title = _str(item, "title")
    url, doi = _str(item, "URL"), _str(item, "DOI")
    made = make_entry(
        where,
        title=_MARKUP.sub("", title) if title else None,
        abstract=_str(item, "abstract") or "",
        authors=_authors(item.get("author")),
        year=_year(item.get("issued")),
        arxiv_id=find_arxiv_id(
            doi=doi, urls=[url, ident],
            texts=[_str(item, k) for k in ("number", "note", "container-title", "archive_location")],
        ),
        doi=doi,
        url=url,
        cite_key=_str(item, "citation-key") or ident,
    )
    add(parsed, made)


def parse(text: str) -> Parsed:
    """The items of a CSL-JSON file and a rejection for each one that cannot be read."""
    parsed = Parsed(format=FORMAT)
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        parsed.rejected.append(Rejection(f"line {e.lineno}", f"not JSON ({e.msg})"))
        return parsed
    except (RecursionError, ValueError):
        parsed.rejected.append(Rejection("file", "not JSON (nested too deeply)"))
        return parsed
    if isinstance(doc, dict):
        doc = doc["items"] if isinstance(doc.get("items"), list) else [doc]
    if not isinstance(doc, list):
        parsed.rejected.append(Rejection("file", "not CSL-JSON (expected a list of items)"))
        return parsed
    for n, item in enumerate(doc, 1):
        _item(parsed, n, item)
    return parsed
