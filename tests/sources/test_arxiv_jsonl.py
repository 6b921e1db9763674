"""arxiv_jsonl: JSON Lines of arXiv metadata."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperboy.papers.record import ParseError
from paperboy.sources import arxiv_jsonl

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"


@pytest.fixture(scope="module")
def text() -> str:
    with gzip.open(JSONL, "rt", encoding="utf-8") as f:
        return f.read()


@pytest.mark.slow
def test_whole_file(text: str) -> None:
    result = arxiv_jsonl.parse(text, JSONL.name, None)  # its speed: bench/import_rate.py
    lines = [line for line in text.split("\n") if line.strip()]
    assert len(lines) == 74_728
    assert result.rejected == []
    assert len(result.papers) == len(lines)
    assert [p.arxiv_id for p in result.papers[:3]] == [json.loads(x)["id"] for x in lines[:3]]
    assert len({p.arxiv_id for p in result.papers}) == 74_728  # one line per distinct paper
    assert {p.source for p in result.papers} == {"arxiv-jsonl"}
    assert min(p.listed_on for p in result.papers) == date(2025, 3, 18)
    assert max(p.listed_on for p in result.papers) == date(2026, 7, 1)
    assert all("\n" not in p.summary for p in result.papers)


def test_known_paper(text: str) -> None:
    head = "\n".join(text.split("\n", 5)[:5])
    paper = arxiv_jsonl.parse(head, JSONL.name, None).papers[1]
    assert paper.arxiv_id == "2503.11742" and paper.version is None
    assert paper.title == "Safe Vision-Language Models via Unsafe Weights Manipulation"
    assert paper.authors == (
        "Moreno D'Incà",
        "Elia Peruzzo",
        "Xingqian Xu",
        "Humphrey Shi",
        "Nicu Sebe",
        "Massimiliano Mancini",
    )
    assert paper.categories == ("cs.CV", "cs.AI")
    assert paper.comment == "Work in progress"
    assert paper.listed_on == date(2025, 3, 18)
    assert paper.summary.startswith(
        "Vision-language models (VLMs) often inherit the biases and unsafe associations present"
    )
    first = arxiv_jsonl.parse(head, JSONL.name, None).papers[0]
    assert first.comment is None and len(first.authors) == 16


def test_rejections_carry_line_numbers() -> None:
    good = {"id": "2501.00001", "title": "Good", "abstract": "a\nb", "listed_on": "2025-01-02"}
    lines = [
        json.dumps(good),  # 1
        "",  # 2: blank, skipped
        '{"id": "2501.00002", "title": "cut off',  # 3
        json.dumps({"title": "no id"}),  # 4
        json.dumps({"id": "2501.00003"}),  # 5
        json.dumps({"id": "nonsense", "title": "T"}),  # 6
        "[1, 2]",  # 7
        "   ",  # 8: blank
        json.dumps({**good, "id": "2501.00004v3", "listed_on": "someday"}),  # 9
    ]
    result = arxiv_jsonl.parse("\r\n".join(lines) + "\r\n", "x.jsonl", None)
    assert [(p.arxiv_id, p.version) for p in result.papers] == [
        ("2501.00001", None),
        ("2501.00004", 3),
    ]
    assert result.papers[0].summary == "a b"
    assert result.papers[1].listed_on is None
    assert [r.where for r in result.rejected] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "not valid JSON" in result.rejected[0].reason
    assert "id" in result.rejected[1].reason and "title" in result.rejected[2].reason


def test_line_separator_inside_a_string_is_not_a_line_break() -> None:
    record = {"id": "2501.00001", "title": "A\u2028B", "abstract": "x\u2029y"}
    line = json.dumps(record, ensure_ascii=False)
    result = arxiv_jsonl.parse(line + "\n" + line, "x.jsonl", None)
    assert len(result.papers) == 2 and result.rejected == []


def test_no_valid_lines_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no valid JSON lines"):
        arxiv_jsonl.parse("hello\nworld\n", "x.jsonl", None)
    # Nothing but blank lines is an empty file, not an error.
    assert arxiv_jsonl.parse("\n\n", "x.jsonl", None).papers == []


LINE = st.one_of(
    st.text(max_size=30),
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.text(max_size=12), st.just("2501.00001v2"), st.integers()),
            "title": st.one_of(st.text(max_size=10), st.none(), st.lists(st.text(max_size=3))),
            "authors": st.one_of(
                st.lists(st.one_of(st.text(max_size=5), st.integers())), st.text()
            ),
            "categories": st.lists(st.text(max_size=5)),
            "comment": st.one_of(st.none(), st.text(max_size=5), st.integers()),
            "abstract": st.one_of(st.text(max_size=20), st.floats()),
            "listed_on": st.one_of(st.text(max_size=12), st.just("2025-13-45"), st.integers()),
        },
    ).map(json.dumps),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(LINE, max_size=8).map("\n".join)))
def test_fuzz_only_parse_errors(text: str) -> None:
    try:
        result = arxiv_jsonl.parse(text, "fuzz.jsonl", None)
    except ParseError as e:
        assert "\n" not in str(e)
        return
    assert all(p.title.strip() and p.arxiv_id for p in result.papers)
