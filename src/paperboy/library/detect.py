"""Which parser a library file needs: named, else from its file name, else from its content.

Pure, like the parsers. Rules, first match wins::

    a format named (?format=, --format)        -> that one (aliases: bib, json, csl)
    file name *.bib / *.bibtex                  -> bibtex
    file name *.json / *.csl.json / *.csljson   -> csl-json
    file name *.ris                             -> ris
    content starting with [ or {                -> csl-json
    a line starting "TY  - "                    -> ris
    "@article{", "@misc(" … anywhere            -> bibtex
"""

from __future__ import annotations

import re
from collections.abc import Callable

from paperboy.library import bibtex, csljson, ris
from paperboy.library.entry import LibraryError, Parsed

FORMATS = ("bibtex", "csl-json", "ris")
PARSERS: dict[str, Callable[[str], Parsed]] = {
    "bibtex": bibtex.parse, "csl-json": csljson.parse, "ris": ris.parse,
}
_ALIASES = {"bib": "bibtex", "json": "csl-json", "csl": "csl-json", "csljson": "csl-json"}
_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".json": "csl-json", ".csljson": "csl-json",
               ".ris": "ris"}
_RIS = re.compile(r"^\ufeff?TY  -", re.MULTILINE)
_BIBTEX = re.compile(r"@\s*[A-Za-z]+\s*[{(]")


class UnknownFormat(LibraryError):
    """The file's format cannot be told (or the one named is not known)."""


def format_named(name: str) -> str:
    """The format ``name`` means, or :class:`UnknownFormat` naming the ones known.

    >>> format_named("BibTeX"), format_named("json")
    ('bibtex', 'csl-json')
    """
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PARSERS:
        raise UnknownFormat(f"unknown library format {name!r}: use one of {', '.join(FORMATS)}")
    return key


def detect_format(filename: str, text: str) -> str:
    """The format of a library file, from its name or content; :class:`UnknownFormat` if neither tells.

    >>> detect_format("my.bib", ""), detect_format("", "TY  - JOUR\\nER  - ")
    ('bibtex', 'ris')
    """
    name = filename.strip().lower()
    for ext, fmt in _EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    head = text[:65536].lstrip("\ufeff \t\r\n")
    if head.startswith(("[", "{")):
        return "csl-json"
    if _RIS.search(head):
        return "ris"
    if _BIBTEX.search(head):
        return "bibtex"
    raise UnknownFormat(
        "cannot tell the file's format: expected BibTeX (.bib), CSL-JSON (.json) or RIS (.ris)")
