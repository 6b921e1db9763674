"""One module per input format, each a pure parser: text in, records out.

A parser never touches the database, the network or the clock. It returns a
:class:`ParseResult` (the papers it could read and a :class:`Rejection` for each record
it could not), or raises :class:`ParseError` when the input as a whole is unusable.
"""

from __future__ import annotations

from datetime import date

from paperboy.papers.record import ParseError, Rejection
from paperboy.sources import arxiv_atom, arxiv_jsonl, detect, hf_json, hf_page
from paperboy.sources.result import FORMATS, Parser, ParseResult

__all__ = ["ParseResult", "ParseError", "Rejection", "FORMATS", "detect_format", "parse"]

PARSERS: dict[str, Parser] = {
    "hf-page": hf_page.parse,
    "hf-json": hf_json.parse,
    "arxiv-atom": arxiv_atom.parse,
    "arxiv-jsonl": arxiv_jsonl.parse,
}


def detect_format(name: str, text: str) -> str:
    """Guess the format of ``text`` from its first characters (and the file name as a hint).

    Raises :class:`ParseError` with a one-line reason when nothing fits.
    """
    return detect.detect_format(name, text)


def parse(fmt: str, text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    if fmt == "auto":
        fmt = detect_format(name, text)
    try:
        parser = PARSERS[fmt]
    except KeyError:
        raise ParseError(f"unknown format {fmt!r}; known: auto, {', '.join(FORMATS)}") from None
    return parser(text, name, reference_date)
