"""A stored full text (fulltext/convert.py's Markdown and outline) cut into passages: a
paragraph or a few consecutive ones of one section, about TARGET characters, each with its
section's title and anchor (the section's id in arXiv's page, as in the outline). A pure
function: no database, no clock.

Left out: headings (each passage names its section), the bibliography (the titles of cited
papers would match every query about them) and fenced code listings' fences (the code is
kept as text). Footnotes are kept, under "Footnotes".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from paperboy.fulltext.convert import Heading

TARGET = 700  # characters a passage grows to from paragraphs (a paragraph is never split below MAX)
MAX = 1500  # a longer paragraph is cut at spaces into pieces of about TARGET
MAX_PASSAGES = 3000  # per paper (1,500,000 characters of Markdown make at most ~2,200)
BIBLIOGRAPHY = re.compile(r"^(\d+(\.\d+)*\s+)?(references|bibliography|works cited)$", re.I)
_HEADING = re.compile(r"^(#{2,5}) (.+)$")
_FENCE = re.compile(r"^(`{3,})")
_FOOTNOTE = re.compile(r"^\[\^\d+\]: ")
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>$#+=|.()!-])")
_EMPHASIS = re.compile(r"(?<!\\)\*+")


@dataclass(frozen=True)
class Passage:
    n: int  # its place in the paper, from 0
    section: str  # the section's title as the outline says it ("4.2 Ablations"); "" before the first
    anchor: str  # the section's id in arXiv's page ("S4.SS2"), or ""
    text: str  # plain text: Markdown's escapes undone


def plain(markdown: str) -> str:
    """Markdown's emphasis marks dropped, its backslash escapes undone and whitespace collapsed (what is indexed and shown)."""
    return " ".join(_ESCAPED.sub(r"\1", _EMPHASIS.sub("", markdown)).split())


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """(kind, text) of each block: "h" (a heading line), "p" (a paragraph, list, table or
    code listing between blank lines; a fenced listing is one block, blank lines and all)."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    fence = ""

    def flush() -> None:
        if run:
            out.append(("p", "\n".join(run)))
            run.clear()

    for line in markdown.split("\n"):
        if fence:
            if line.startswith(fence) and not line.strip("`"):
                fence = ""
            else:
                run.append(line)
            continue
        m = _FENCE.match(line)
        if m:
            flush()
            fence = m.group(1)
            continue
        if not line.strip():
            flush()
        elif _HEADING.match(line) and not run:
            out.append(("h", line))
        else:
            run.append(line)
    flush()
    return out


def _pieces(text: str) -> list[str]:
    """A paragraph over MAX characters cut at spaces into pieces of about TARGET."""
    if len(text) <= MAX:
        return [text]
    out, start = [], 0
    while start < len(text):
        end = start + TARGET
        if len(text) - start <= TARGET + TARGET // 2:  # the rest: no short tail of its own
            end = len(text)
        else:
            cut = text.rfind(" ", start + TARGET // 2, end + TARGET // 2)
            end = cut if cut > start else end
        out.append(text[start:end].strip())
        start = end
    return [p for p in out if p]


def split(markdown: str, outline: Sequence[Heading]) -> list[Passage]:
    """The passages of one paper's text, in order (at most MAX_PASSAGES)."""
    passages: list[Passage] = []
    section, anchor, skipping = "", "", False
    next_heading = 0  # the outline lists the text's headings in order (at most 400 of them)
    buffer: list[str] = []

    def emit() -> None:
        if buffer and len(passages) < MAX_PASSAGES:
            passages.append(Passage(len(passages), section, anchor, " ".join(buffer)))
        buffer.clear()

    for kind, block in _blocks(markdown):
        if kind == "h":
            emit()
            title = plain(_HEADING.match(block).group(2))  # type: ignore[union-attr]
            section, anchor = title, ""
            for i in range(next_heading, min(len(outline), next_heading + 5)):
                if plain(outline[i].title) == title:
                    section, anchor, next_heading = plain(outline[i].title), outline[i].anchor, i + 1
                    break
            skipping = bool(BIBLIOGRAPHY.match(title))
            continue
        if _FOOTNOTE.match(block):
            if section != "Footnotes":
                emit()
                section, anchor, skipping = "Footnotes", "", False
            block = _FOOTNOTE.sub("", block)
        if skipping:
            continue
        for piece in _pieces(plain(block)):
            if buffer and sum(map(len, buffer)) + len(piece) > TARGET:
                emit()
            buffer.append(piece)
            if sum(map(len, buffer)) >= TARGET:
                emit()
    emit()
    return passages
