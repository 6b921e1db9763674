"""RIS in (.ris, Zotero, Mendeley, EndNote, publishers' "export citation"): a pure parser,
text to :class:`~paperboy.library.entry.Parsed`.

The file is cut into records (``TY  -`` … ``ER  -``) so each can be judged on its own and
named by its line; rispy reads each record. Tags read: TI/T1 (title), AB/N2 (abstract),
AU/A1 (authors), PY/Y1/DA (year), DO (DOI), UR/L1/L2 (links), ID (the record's id), and
JO/T2/M1/N1 where an arXiv id hides ("arXiv:1706.03762"). A record that does not end in
``ER  -`` (or that rispy cannot read) is a "malformed entry"; one without a title is
"no title". Never raises.
"""

from __future__ import annotations

import re
from typing import Any

import rispy

from paperboy.library.entry import Parsed, Rejection, add, find_arxiv_id, make_entry, year_of

FORMAT = "ris"
_TAG = re.compile(r"^\ufeff?([A-Z][A-Z0-9])  -(?: |$)")


def _first(ref: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = ref.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _all(ref: dict[str, Any], *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        value = ref.get(key)
        values = value if isinstance(value, list) else [value]
        out += [v for v in values if isinstance(v, str) and v.strip()]
    return out


def _first_name_first(name: str) -> str:
    """RIS writes "Vaswani, Ashish"; pages show "Ashish Vaswani"."""
    family, comma, given = name.partition(",")
    return " ".join(f"{given} {family}".split()) if comma and given.strip() else name.strip(" ,")


def _records(text: str) -> list[tuple[int, list[str], bool]]:
    """(first line number, lines, ended with ER) of each record in ``text``."""
    records: list[tuple[int, list[str], bool]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        m = _TAG.match(line)
        tag = m.group(1) if m else None
        if tag == "TY":
            if current is not None:  # a new record before this one ended
                records.append((start, current, False))
            current, start = [line.lstrip("\ufeff")], number
        elif current is not None:
            current.append(line)
            if tag == "ER":
                records.append((start, current, True))
                current = None
    if current is not None:
        records.append((start, current, False))
    return records


def _record(parsed: Parsed, n: int, start: int, lines: list[str]) -> None:
    try:
        refs = rispy.loads("\n".join(lines))
    except Exception:  # noqa: BLE001 -- rispy's failure on one record rejects that record
        refs = []
    ref = refs[0] if len(refs) == 1 and isinstance(refs[0], dict) else None
    if ref is None:
        parsed.rejected.append(Rejection(f"entry {n} (line {start})", "malformed entry"))
        return
    ident = _first(ref, "id")
    where = f"entry {n} ({ident[:100]}, line {start})" if ident else f"entry {n} (line {start})"
    urls = _all(ref, "urls", "file_attachments1", "file_attachments2")
    doi = _first(ref, "doi")
    made = make_entry(
        where,
        title=_first(ref, "title", "primary_title"),
        abstract=_first(ref, "abstract", "notes_abstract") or "",
        authors=[_first_name_first(a) for a in _all(ref, "authors", "first_authors")],
        year=year_of(_first(ref, "year", "publication_year", "date")),
        arxiv_id=find_arxiv_id(
            doi=doi, urls=urls,
            texts=[_first(ref, k) for k in ("journal_name", "secondary_title", "note", "alternate_title3")]
            + _all(ref, "notes") + [ident],
        ),
        doi=doi,
        url=urls[0] if urls else None,
        cite_key=ident,
    )
    add(parsed, made)


def parse(text: str) -> Parsed:
    """The records of an RIS file and a rejection for each one that cannot be read."""
    parsed = Parsed(format=FORMAT)
    records = _records(text)
    if not records:
        parsed.rejected.append(Rejection("file", "no RIS records (no line starts with 'TY  - ')"))
    for n, (start, lines, ended) in enumerate(records, 1):
        if not ended:
            parsed.rejected.append(Rejection(f"entry {n} (line {start})", "malformed entry (no 'ER  - ' line)"))
        else:
            _record(parsed, n, start, lines)
    return parsed
