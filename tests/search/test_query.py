"""Reading the search box: every query form, and malformed input read leniently."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperboy.search.highlight import highlight, spans
from paperboy.search.query import MAX_QUERY, parse


def test_plain_words_are_any_match_and_semantic():
    p = parse("why do LVLMs hallucinate objects")
    assert p.keyword == "why do LVLMs hallucinate objects"
    assert p.semantic == "why do LVLMs hallucinate objects"
    assert not p.strict and p.arxiv_id is None


def test_phrases_exclusions_or_and_fields():
    p = parse('"attention sinks" -vision streaming OR caching author:"Song Han" title:LLM')
    assert p.keyword == '"attention sinks" -vision streaming OR caching authors:"Song Han" title:LLM'
    assert p.excluded == ["vision"]
    assert p.strict
    assert "vision" not in p.semantic and "attention sinks" in p.semantic
    assert "Song Han" not in p.semantic and "LLM" not in p.semantic  # fielded terms are not ideas
    assert parse('author:"Yann LeCun"').semantic == ""
    assert parse('-"large language"').excluded == ["large", "language"]
    assert parse("abstract:diffusion category:cs.CV").keyword == 'summary:diffusion categories:"cs.CV"'


@pytest.mark.parametrize("text,expected", [
    ("2310.06825", "2310.06825"), ("2310.06825v2", "2310.06825"), ("arXiv:2310.06825", "2310.06825"),
    ("https://arxiv.org/abs/2310.06825v1", "2310.06825"), ("https://arxiv.org/pdf/2310.06825.pdf", "2310.06825"),
    ("https://huggingface.co/papers/2310.06825", "2310.06825"), ("astro-ph/0601001", "astro-ph/0601001"),
    ("paper 2310.06825 results", None), ("1234", None),
])
def test_arxiv_ids(text, expected):
    assert parse(text).arxiv_id == expected


@pytest.mark.parametrize("text", ['"unbalanced quote', "OR", "AND OR", "-", '""', "(((", "a:b:c",
                                  "'; DROP TABLE papers; --", "🤖 robots 🚀", r"$\alpha + \beta^2$",
                                  "\\", "title:", "x" * 10_000, "the of and a"])
def test_malformed_input_is_read_leniently(text):
    p = parse(text)
    assert len(p.raw) <= MAX_QUERY
    assert '"' not in p.keyword or p.keyword.count('"') % 2 == 0


def test_sql_looking_text_is_just_words():
    p = parse("'; DROP TABLE papers; --")
    assert p.keyword == "DROP TABLE papers"


@given(st.text(max_size=300))
def test_any_text_parses(text):
    p = parse(text)
    assert p.keyword.count('"') % 2 == 0


def test_highlight_marks_stems_and_escapes():
    h = str(highlight("Hallucinating <objects> in LVLMs & hallucination", ["hallucinations", "object"]))
    assert h == ("<mark>Hallucinating</mark> &lt;<mark>objects</mark>&gt; in LVLMs &amp; "
                 "<mark>hallucination</mark>")
    assert spans("no match here", ["query"]) == []
    assert str(highlight("<b>x</b>", [])) == "&lt;b&gt;x&lt;/b&gt;"


def test_operators_are_upper_case_and_unknown_prefixes_are_words():
    # lower-case "and" is a word (a stop word, so out of the keyword query), not an operator
    assert parse("attention and memory").keyword == "attention memory"
    assert parse("attention AND memory").keyword == "attention AND memory"
    assert parse("meeting at 10:30").keyword == "meeting 10 30"
    p = parse("ratio:foo bar")
    assert p.keyword == "ratio foo bar" and not p.strict and p.semantic == "ratio foo bar"
