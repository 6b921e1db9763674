"""BibTeX (.bib) in: a pure parser, text to :class:`~paperboy.library.entry.Parsed`.

bibtexparser 2 splits the file into blocks; its middlewares resolve ``@string`` references,
remove the enclosing braces or quotes and lower-case field names; its name functions put
authors first-name-first; pylatexenc decodes LaTeX as bibtexparser's LatexDecodingMiddleware
does (``{\\"u}`` -> ü, ``\\&`` -> &, ``{B}ERT`` -> BERT). A block the splitter cannot read is
a "malformed entry"; an entry without a title is "no title". An entry whose cite key repeats
an earlier one is still read (the import counts it as a duplicate when it is the same
paper). Never raises: anything unexpected rejects the file, by name.

Decoding is pylatexenc's pure Python: 3 to 10 µs and some 300 bytes a character. Unbounded,
one entry of 5 MB of ``{\\"u}`` took 50 s of CPU and 1.5 GB before its title was found too
long. So each field is cut to :data:`RAW_MAX` characters *before* anything reads it (braces
dropped from what was cut; a title that long is rejected as too long, as it would be once
decoded), and a file decodes at most :data:`DECODE_BUDGET` characters in all (what follows is
kept as written, braces dropped). Both are counts of characters, so the parser stays a pure
function.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import bibtexparser
from bibtexparser import Library
from bibtexparser.middlewares import (
    BlockMiddleware,
    NormalizeFieldKeys,
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
)
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import Block, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from paperboy.library.entry import Parsed, Rejection, add, find_arxiv_id, make_entry, year_of
from paperboy.papers import limits

FORMAT = "bibtex"
# bibtexparser logs a warning for each block it cannot read: the rejections say it already.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)
# The fields read; the others are dropped before decoding (LaTeX decoding is the slow part).
_FIELDS = frozenset({
    "title", "abstract", "author", "year", "date", "doi", "url", "eprint", "archiveprefix",
    "eprinttype", "arxivid", "journal", "note", "howpublished", "booktitle",
})
_NOT_ENTRIES = re.compile(r"\s*@\s*(?:string|preamble|comment)\b", re.IGNORECASE)
_RAW_KEY = re.compile(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]{1,100})\s*,")


# The most characters of a field read, as written (LaTeX is longer than its text: {\\"u} is ü):
# a little more than a stored entry keeps (papers/limits.py). The other fields give an arXiv
# id, a DOI, a year or a link, all short.
RAW_MAX = {"title": 4 * limits.TITLE_MAX, "abstract": 2 * limits.SUMMARY_MAX,
           "author": 60_000}  # some 2,000 names
RAW_OTHER_MAX = 2_000
DECODE_BUDGET = 500_000  # characters of LaTeX a file decodes in all (some 2 to 5 s)
_NAME_BREAK = re.compile(r"\s+and\s+", re.IGNORECASE)


def _unbraced(value: str) -> str:
    return value.replace("{", "").replace("}", "")


def _cut(key: str, value: str) -> str:
    """A field of more than its RAW_MAX characters: its start, as written and unbraced (the
    authors: the names that fit whole)."""
    cap = RAW_MAX.get(key, RAW_OTHER_MAX)
    if len(value) <= cap:
        return value
    if key == "author":
        breaks = [m.start() for m in _NAME_BREAK.finditer(value, 0, cap)]
        return _unbraced(value[:breaks[-1]] if breaks else value[:cap])
    return _unbraced(value[:cap])


class _KeepFields(BlockMiddleware):
    """Drops every field :mod:`paperboy.library` does not read, and cuts the others to their
    RAW_MAX (before the names are split and the LaTeX decoded)."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=False)
        self.long_titles: set[str] = set()  # keys of entries whose title is past its RAW_MAX

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        entry.fields = [f for f in entry.fields if f.key in _FIELDS]
        for field in entry.fields:
            if isinstance(field.value, str):
                if field.key == "title" and len(field.value) > RAW_MAX["title"]:
                    self.long_titles.add(entry.key)  # rejected for it: a cut title is wrong
                field.value = _cut(field.key, field.value)
        return entry


class _FirstNameFirst(BlockMiddleware):
    """Authors as "Jörg Müller and Ashish Vaswani" (from "M{\\"u}ller, J{\\"o}rg and …"),
    before LaTeX decoding; a name bibtexparser cannot split stays as written."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    @staticmethod
    def _name(name: str) -> str:
        try:
            return parse_single_name_into_parts(name, strict=False).merge_first_name_first
        except (InvalidNameError, ValueError, IndexError):
            return name

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        for field in entry.fields:
            if field.key == "author" and isinstance(field.value, str):
                names = split_multiple_persons_names(field.value)
                field.value = " and ".join(self._name(n) for n in names)
        return entry


# What makes a value LaTeX rather than plain text; a value without any is left as it is.
_LATEXISH = re.compile(r"[\\{}~]|--|``|''")
_BARE = re.compile(r"(?<!\\)([%&])")
# What only the decoder reads right; a value with braces but none of these decodes to itself
# unbraced (Zotero's {BERT}: most titles), which costs no decoding.
_DECODER_NEEDED = re.compile(r"[\\~$]|--|``|''")


_LOGOS = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "XeTeX": "XeTeX",
          "LuaTeX": "LuaTeX", "AmS": "AMS", "ConTeXt": "ConTeXt"}


def _decoder() -> LatexNodes2Text:
    """pylatexenc's decoder set up as bibtexparser's LatexDecodingMiddleware sets it up
    (\\url{x} is x; braces dropped; math kept as written); ^ and the TeX logos read as written."""
    context = get_default_latex_context_db()
    context.add_context_category("paperboy", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("textasciicircum", simplify_repl="^"),  # (pylatexenc: a modifier letter)
        # (pylatexenc drops these logos: "The {\\TeX}book" would read "The book")
        *(MacroTextSpec(name, simplify_repl=text) for name, text in _LOGOS.items()),
    ])
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="verbatim")


class _DecodeLatex(BlockMiddleware):
    """bibtexparser's LatexDecodingMiddleware, but only on values holding LaTeX: decoding
    is character by character in Python, and most values (long abstracts) are plain; and
    only DECODE_BUDGET characters a file (one instance parses one file)."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=False)
        self._decoder = _decoder()
        self.budget = DECODE_BUDGET

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        for field in entry.fields:
            if isinstance(field.value, str) and _LATEXISH.search(field.value):
                if not _DECODER_NEEDED.search(field.value):
                    field.value = _unbraced(field.value)
                    continue
                if len(field.value) > self.budget:
                    self.budget = 0  # spent: this value and the rest stay as written
                    field.value = _unbraced(field.value)
                    continue
                self.budget -= len(field.value)
                # To BibTeX a bare % or & is that character: to LaTeX a comment (the rest of
                # the title lost) or a table column. Escaped first, they read as written.
                value = _BARE.sub(r"\\\1", field.value)
                try:
                    field.value = self._decoder.latex_to_text(value)
                except Exception:  # noqa: BLE001 -- as bibtexparser's: the text stays as
                    field.value = field.value.replace("{", "").replace("}", "")  # written, unbraced
        return entry


def _stack(keep: _KeepFields) -> list[Any]:
    return [
        ResolveStringReferencesMiddleware(allow_inplace_modification=True),
        RemoveEnclosingMiddleware(allow_inplace_modification=True),
        NormalizeFieldKeys(allow_inplace_modification=True),
        keep,
        _FirstNameFirst(),
        _DecodeLatex(),
    ]


def _unwrapped(block: Block) -> Block:
    """The block behind a middleware's or a duplicate key's error (kept as far as it got);
    a block the splitter could not read stays a failed block."""
    if isinstance(block, ParsingFailedBlock) and type(block) is not ParsingFailedBlock:
        inner = block.ignore_error_block
        if inner is not None:
            return inner
    return block


def _value(entry: Entry, key: str) -> Any:
    field = entry.fields_dict.get(key) if key in entry else None
    if field is None:  # duplicate field names: the first one wins
        field = next((f for f in entry.fields if f.key == key), None)
    return field.value if field is not None else None


def _text(entry: Entry, key: str) -> str | None:
    value = _value(entry, key)
    return value if isinstance(value, str) else None


def _authors(value: Any) -> list[str]:
    return split_multiple_persons_names(value) if isinstance(value, str) and value.strip() else []


def _entry(parsed: Parsed, where: str, entry: Entry, key: str) -> None:
    url = _text(entry, "url")
    arxiv_id = find_arxiv_id(
        eprint=_text(entry, "eprint") or _text(entry, "arxivid"),
        archive=_text(entry, "archiveprefix") or _text(entry, "eprinttype"),
        doi=_text(entry, "doi"),
        urls=[url],
        texts=[_text(entry, k) for k in ("journal", "note", "howpublished", "booktitle")],
    )
    made = make_entry(
        where,
        title=_text(entry, "title"),
        abstract=_text(entry, "abstract") or "",
        authors=_authors(_value(entry, "author")),
        year=year_of(_text(entry, "year") or _text(entry, "date")),
        arxiv_id=arxiv_id,
        doi=_text(entry, "doi"),
        url=url,
        cite_key=key,
    )
    add(parsed, made)


def _parse(text: str, parsed: Parsed) -> None:
    raw = bibtexparser.parse_string(text, parse_stack=[])
    keys: dict[str, str] = {}
    blocks: list[Block] = []
    for block in raw.blocks:
        block = _unwrapped(block)
        if isinstance(block, Entry):  # every entry keyed by its position: no duplicate keys
            keys[str(len(blocks))] = block.key
            block.key = str(len(blocks))
        blocks.append(block)
    library = Library(blocks, fail_on_duplicate_key=False)
    keep = _KeepFields()
    for middleware in _stack(keep):
        library = Library([_unwrapped(b) for b in middleware.transform(library).blocks],
                          fail_on_duplicate_key=False)
    n = 0
    for block in library.blocks:
        if isinstance(block, Entry):
            n += 1
            key = keys.get(block.key, block.key)
            if block.key in keep.long_titles:
                add(parsed, Rejection(f"entry {n} ({key[:100]})", f"title longer than {limits.TITLE_MAX} characters"))
                continue
            _entry(parsed, f"entry {n} ({key[:100]})", block, key)
        elif isinstance(block, ParsingFailedBlock) and not _NOT_ENTRIES.match(block.raw or ""):
            n += 1
            m = _RAW_KEY.match(block.raw or "")
            line = f"line {(block.start_line or 0) + 1}"
            parsed.rejected.append(
                Rejection(f"entry {n} ({m.group(1)}, {line})" if m else f"entry {n} ({line})",
                          "malformed entry"))


def parse(text: str) -> Parsed:
    """The entries of a BibTeX file and a rejection for each one that cannot be read."""
    parsed = Parsed(format=FORMAT)
    try:
        _parse(text, parsed)
    except Exception as e:  # noqa: BLE001 -- a parser never raises: the
        # library's own failures (on input no test thought of) reject the file, named
        return Parsed(rejected=[Rejection("file", f"malformed BibTeX ({type(e).__name__})")],
                      format=FORMAT)
    return parsed
