"""One module per input format, each a pure parser: text in, records out.

A parser never touches the database, the network or the clock. It returns a
:class:`ParseResult` (the papers it could read and a :class:`Rejection` for each record
it could not), or raises :class:`ParseError` when the input as a whole is unusable.
"""

from __future__ import annotations

import importlib
from datetime import date

from paperboy.papers import formats
from paperboy.papers.record import ParseError, Rejection
from paperboy.sources import detect
from paperboy.sources.result import FORMATS, Parser, ParseResult

__all__ = ["ParseResult", "ParseError", "Rejection", "FORMATS", "detect_format", "parse", "parser"]


def parser(fmt: str) -> Parser:
    """The parse function of the format named ``fmt``: its module is named after it (the one
    list of formats is :mod:`paperboy.papers.formats`)."""
    try:
        module = formats.BY_NAME[fmt].module
    except KeyError:
        raise ParseError(f"unknown format {fmt!r}; known: auto, {', '.join(FORMATS)}") from None
    return importlib.import_module(module).parse


def detect_format(name: str, text: str) -> str:
    """Guess the format of ``text`` from its first characters (and the file name as a hint).

    Raises :class:`ParseError` with a one-line reason when nothing fits.
    """
    return detect.detect_format(name, text)


def parse(fmt: str, text: str, name: str = "<input>", reference_date: date | None = None) -> ParseResult:
    if fmt == "auto":
        fmt = detect_format(name, text)
    return parser(fmt)(text, name, reference_date)
