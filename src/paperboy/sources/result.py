"""What every parser returns: the papers it could read and a rejection for each record it
could not (its own module, so the parsers and the package that lists them import it without
importing each other)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from paperboy.papers import formats
from paperboy.papers.record import Paper, Rejection

FORMATS = formats.NAMES  # one record per format: paperboy.papers.formats


@dataclass
class ParseResult:
    papers: list[Paper] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


# A parser: (text, name, reference_date) -> ParseResult. ``name`` is the file name, used
# for formats that carry information in it (a date); ``reference_date`` resolves dates
# written without a year.
Parser = Callable[[str, str, "date | None"], ParseResult]
