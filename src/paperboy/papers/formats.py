"""The import formats: one record per format, and every list of formats derived from them.

Adding a format is one :class:`Format` below plus its parser, ``paperboy/sources/<name>.py``
(the name with ``_`` for ``-``) with a ``parse(text, name, reference_date)`` function; teach
:mod:`paperboy.sources.detect` to recognise it if ``--format auto`` should find it.

This is a leaf module, apart from the parsers: the paper record (which knows from its source
whether an author list is complete) and the store (which knows from it where a listing goes)
read these records, and every parser imports the record, so a registry holding the parse
functions themselves would be an import cycle. :mod:`paperboy.sources` finds each format's
parser by its name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # as `paperboy import --format` takes it
    description: str  # what a reader would call the file (named when detection fails)
    sources: tuple[str, ...]  # the Paper.source of its records ("hf-json" yields three kinds)
    # Its listings are arXiv's announcements, the firehose on New; every other source is a
    # Daily list someone chose (Hugging Face's, a submission, a curator).
    new: bool = False
    # The sources among ``sources`` whose author lists are complete and clean. Scraped daily
    # listings often keep only the first author, or split one name in two ("Chun-Fu",
    # "Chen"); listing pages carry only a count.
    complete_authors: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        """The parser's module."""
        return "paperboy.sources." + self.name.replace("-", "_")


# In the order `paperboy import --help` lists them.
ALL: tuple[Format, ...] = (
    Format("hf-page", "saved HF Daily Papers page (text)", sources=("hf-page",)),
    Format("hf-json", "HF JSON", sources=("hf-daily", "hf-api", "hf-snapshot"),
           complete_authors=("hf-api", "hf-snapshot")),
    Format("arxiv-atom", "arXiv API Atom XML", sources=("arxiv-atom",), new=True,
           complete_authors=("arxiv-atom",)),
    Format("arxiv-jsonl", "arXiv JSON Lines", sources=("arxiv-jsonl",), new=True,
           complete_authors=("arxiv-jsonl",)),
)

BY_NAME = {f.name: f for f in ALL}
NAMES = tuple(BY_NAME)
NEW_SOURCES = frozenset(s for f in ALL if f.new for s in f.sources)
COMPLETE_AUTHOR_SOURCES = frozenset(s for f in ALL for s in f.complete_authors)
# "auto (detect), hf-page, hf-json, arxiv-atom or arxiv-jsonl"
HELP = f"auto (detect), {', '.join(NAMES[:-1])} or {NAMES[-1]}"
