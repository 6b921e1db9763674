"""Fuzzing of the full-text converter (paperboy.fulltext.convert): mutated LaTeXML pages (a
hand-written one with every structure the converter knows, and a slice of the recorded real
page) and any text at all. It never raises, gives text PostgreSQL stores (no NUL, no lone
surrogate, no control character), keeps to its caps, never lets through what the parser took for a script or a style,
and every outline entry is a heading of the text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lhtml

from paperboy.fulltext.convert import MAX_MARKDOWN_CHARS, MAX_OUTLINE, convert
from tests.fulltext import snippets
from tests.fuzz.budget import FUZZ
from tests.fuzz.mutations import mutated
from tests.helpers import SHARED


def _seeds() -> list[str]:
    page = (SHARED / "arxiv-html-recorded" / "2501.11120v1.html").read_text(encoding="utf-8")
    start = page.index('<section class="ltx_section" id="S2"')
    pages = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_html"
    more = [(pages / f"{name}.excerpt.html").read_text(encoding="utf-8")  # an SVG picture's text, a listing
            for name in ("2503.20783v2", "2609.00246v1")]
    return [snippets.LATEXML, snippets.FAILED, page[:4000] + page[start:start + 12000], *more]


SEEDS = _seeds()
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _script_and_style(page: str | bytes) -> list[str]:
    data = page.encode("utf-8", "replace") if isinstance(page, str) else page
    try:
        doc = lhtml.document_fromstring(data, parser=lhtml.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return []
    hidden = [t for el in doc.iter("script", "style") if len(t := (el.text or "").strip()) >= 12]
    shown = "".join(doc.xpath("//text()[not(ancestor::script) and not(ancestor::style)]"))  # the same words outside a script (a mutation copies them) may show
    return [t for t in hidden if t not in shown]


def _check(page: str | bytes) -> None:
    c = convert(page)
    md = c.markdown
    md.encode("utf-8")  # no lone surrogate
    assert not _BAD.search(md)
    assert len(md) <= MAX_MARKDOWN_CHARS + 200 and len(c.outline) <= MAX_OUTLINE
    for hidden in _script_and_style(page):  # what the parser took for a script or a style
        assert hidden not in md
    assert md == "" or md.endswith("\n")
    for h in c.outline:
        assert h.title and 2 <= h.level <= 5 and len(h.anchor) <= 100
        assert f"{'#' * h.level} {h.title}" in md


@FUZZ
@given(mutated(SEEDS))
def test_mutated_pages(page):
    _check(page)


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_anything(page):
    _check(page)
