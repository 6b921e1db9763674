"""hf_page: saved HF Daily Papers listing pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperboy.papers.record import ParseError
from paperboy.sources import hf_page

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PAGES = DATA / "hf-papers-pages"
P000 = PAGES / "000_caff6e1c431ca1eb.txt"
P001 = PAGES / "001_5a43e5ec4ca234e4.txt"
P002 = PAGES / "002_a9f9b402150337bc.txt"
REF = date(2025, 10, 20)  # a few days after page 001's "Oct 17"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def blocks_by_length(text: str) -> list[tuple[str, str]]:
    """(title, abstract) pairs found independently of the parser: on these pages every
    abstract is one line of over 300 characters and its title sits two lines above it."""
    lines = text.split("\n")
    return [(lines[i - 2], line) for i, line in enumerate(lines) if len(line) > 300]


@pytest.mark.parametrize(("path", "expected"), [(P000, 63), (P001, 93), (P002, 64)])
def test_every_paper_on_each_page_with_title_and_abstract_intact(path: Path, expected: int) -> None:
    text = read(path)
    pairs = blocks_by_length(text)
    assert len(pairs) == expected  # counted by hand with awk; README says 63-93 a page
    result = hf_page.parse(text, path.name, REF)
    assert result.rejected == []
    assert [(p.title, p.summary) for p in result.papers] == pairs
    assert all(p.source == "hf-page" and p.arxiv_id is None for p in result.papers)


def test_known_titles_at_known_positions() -> None:
    p000 = hf_page.parse(read(P000), P000.name, REF).papers
    assert p000[0].title.startswith("Dual Process Learning: Controlling Use of In-Context")
    assert p000[4].title == "ICLR: In-Context Learning of Representations"
    p002 = hf_page.parse(read(P002), P002.name, REF).papers
    assert p002[0].title == "YOLOE: Real-Time Seeing Anything"
    assert p002[-1].title.startswith("Sparse Autoencoders Enable Scalable and Reliable Circuit")


def test_metadata_of_the_page_that_carries_it() -> None:
    text = read(P001)
    papers = hf_page.parse(text, P001.name, REF).papers
    first, second, third = papers[:3]
    assert first.title == "CosmicMan: A Text-to-Image Foundation Model for Humans"
    assert (first.num_authors, first.published_at, first.upvotes) == (6, date(2024, 4, 1), 1)
    assert (second.num_authors, second.published_at, second.upvotes) == (3, date(2025, 10, 13), 2)
    assert (third.num_authors, third.published_at, third.upvotes) == (4, date(2025, 3, 5), None)
    # The file ends on "Jul 28" with no newline: the last paper keeps its metadata.
    last = papers[-1]
    assert last.title.startswith("Soft Injection of Task Embeddings")
    assert (last.num_authors, last.published_at, last.upvotes) == (2, date(2025, 7, 28), None)

    # Totals against the raw text.
    counts = [int(n) for n in re.findall(r"^  • (\d+) authors$", text, re.M)]
    assert len(counts) == 89
    assert [p.num_authors for p in papers if p.num_authors is not None] == counts
    voted = re.findall(r"^[A-Z][a-z]{2} \d{1,2}(?:, \d{4})? (\d+)$", text, re.M)
    assert [p.upvotes for p in papers if p.upvotes is not None] == [int(v) for v in voted]
    assert sum(p.published_at is not None for p in papers) == 89


def test_papers_without_metadata_on_the_metadata_page() -> None:
    papers = {p.title: p for p in hf_page.parse(read(P001), P001.name, REF).papers}
    bare = papers["Focusing by Contrastive Attention: Enhancing VLMs' Visual Reasoning"]
    assert (bare.num_authors, bare.published_at, bare.upvotes) == (None, None, None)
    # ...and the paper after it still gets its own (lines 77-79: 10 authors, "Jul 6").
    moda = papers[
        "MODA: MOdular Duplex Attention for Multimodal Perception, Cognition, and Emotion "
        "Understanding"
    ]
    assert (moda.num_authors, moda.published_at, moda.upvotes) == (10, date(2025, 7, 6), None)


@pytest.mark.parametrize("path", [P000, P002])
def test_pages_without_metadata_have_none(path: Path) -> None:
    papers = hf_page.parse(read(path), path.name, REF).papers
    assert {(p.num_authors, p.published_at, p.upvotes) for p in papers} == {(None, None, None)}


@pytest.mark.parametrize(
    ("path", "reference", "listed"),
    [
        (P001, REF, date(2025, 10, 17)),
        (P001, date(2026, 1, 5), date(2025, 10, 17)),  # "Oct 17" in January: last year's
        (P001, date(2025, 10, 12), date(2025, 10, 17)),  # within a week ahead: this year
        (P001, date(2025, 10, 9), date(2024, 10, 17)),  # over a week ahead: last year
        (P000, date(2025, 7, 30), date(2025, 7, 29)),
        (P002, date(2025, 3, 21), date(2025, 3, 20)),
        (P000, None, None),
    ],
)
def test_page_date_is_the_save_day_and_dates_the_papers(
    path: Path, reference: date | None, listed: date | None
) -> None:
    papers = hf_page.parse(read(path), path.name, reference).papers
    # a saved page is a search listing: its date says when it was saved, not a feed day
    assert {p.listed_on for p in papers} == {None}
    if listed is not None and path == P001:
        # "Oct 13 2" (year-less) is dated in the year up to the day the page was saved
        oct13 = [p for p in papers if p.upvotes == 2 and p.num_authors == 3]
        assert oct13 and oct13[0].published_at == date(listed.year, 10, 13)


def test_dates_without_a_year_stay_unknown_without_reference() -> None:
    papers = hf_page.parse(read(P001), P001.name, None).papers
    assert papers[0].published_at == date(2024, 4, 1)  # "Apr 1, 2024": has its year
    assert papers[1].published_at is None  # "Oct 13": needs the reference date
    assert papers[1].upvotes == 2


@pytest.mark.parametrize(
    ("parts", "reference", "expected"),
    [
        ((4, 1, 2024), None, date(2024, 4, 1)),
        ((4, 1, 2024), date(2030, 1, 1), date(2024, 4, 1)),
        ((10, 13, None), None, None),
        ((10, 13, None), date(2025, 10, 17), date(2025, 10, 13)),
        ((12, 30, None), date(2026, 1, 2), date(2025, 12, 30)),
        ((1, 8, None), date(2026, 1, 2), date(2026, 1, 8)),  # 6 days ahead: this year
        ((1, 12, None), date(2026, 1, 2), date(2025, 1, 12)),  # 10 days ahead: last year
        ((2, 29, None), date(2025, 3, 1), date(2024, 2, 29)),
        ((2, 30, 2024), None, None),
    ],
)
def test_resolve_date(
    parts: tuple[int, int, int | None], reference: date | None, expected: date | None
) -> None:
    assert hf_page.resolve_date(*parts, reference) == expected


SYNTHETIC = """byAK and the research community

May 3

Sampling $x < y$ with \\LaTeX{} & <b>tags</b>

We show that   $\\alpha<\\beta$ holds for <all> inputs, which is a long enough abstract to count.

  • 1 author
·
Sept 2 7

A second paper

Its abstract is also quite long, long enough to count as an abstract
wrapped over two lines by hand.

Dangling title with no abstract
"""


def test_characters_survive_and_wrapped_lines_join() -> None:
    result = hf_page.parse(SYNTHETIC, "x.txt", date(2025, 9, 1))
    first, second = result.papers
    assert first.title == "Sampling $x < y$ with \\LaTeX{} & <b>tags</b>"
    assert first.summary.startswith("We show that $\\alpha<\\beta$ holds for <all> inputs")
    # saved on May 3 (resolved to 2025 against the reference), so "Sep 2" is last year's
    assert (first.num_authors, first.published_at, first.upvotes) == (1, date(2024, 9, 2), 7)
    assert first.listed_on is None  # the page date (May 3) is the day it was saved
    assert second.summary.endswith("to count as an abstract wrapped over two lines by hand.")
    assert [(r.where, "without an abstract" in r.reason) for r in result.rejected] == [
        ("line 18", True)
    ]


def test_page_without_chrome_but_with_blocks() -> None:
    body = "\n".join(read(P000).split("\n")[12:])  # drop the header
    papers = hf_page.parse(body, "x.txt", REF).papers
    assert len(papers) == 63
    assert {p.listed_on for p in papers} == {None}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "It was a dark and stormy night.\nThe rain fell in torrents.",
        "First paragraph of an essay, which ends in a full stop.\n\nSecond paragraph here.",
    ],
)
def test_not_a_page(text: str) -> None:
    with pytest.raises(ParseError):
        hf_page.parse(text, "x.txt", REF)


def test_looks_like_page() -> None:
    assert hf_page.looks_like_page(read(P002))
    assert not hf_page.looks_like_page("Dear diary,\ntoday nothing happened.\n")


PAGE_LINES = st.sampled_from(
    [
        "",
        "new",
        "Daily Papers",
        "byAK and the research community",
        "Oct 13",
        "Oct 13 2",
        "Apr 1, 2024 1",
        "Feb 30",
        "·",
        "  • 3 authors",
        "A Title: With a Colon",
        "x" * 400,
        "An abstract sentence. " * 10,
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(PAGE_LINES).map("\n".join)), st.none() | st.dates())
def test_fuzz_only_parse_errors(text: str, reference: date | None) -> None:
    try:
        result = hf_page.parse(text, "fuzz.txt", reference)
    except ParseError as e:
        assert "\n" not in str(e)
        return
    assert all(p.title.strip() for p in result.papers)
