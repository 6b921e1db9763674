"""The Read view's ``?hl=`` terms (fulltext/highlight.py): how a value is read, and marks made
on text only, escaped, at word starts."""

from __future__ import annotations

from paperboy.fulltext import highlight
from paperboy.fulltext.highlight import MAX_TERM_CHARS, MAX_TERMS, mark, pattern, terms


def test_terms_are_words_or_quoted_phrases():
    assert terms('Rotary "position  embeddings" rotary, scaling+x') == ["position embeddings", "scaling", "rotary"]
    assert terms(None) == [] and terms("") == [] and terms("a . ** (") == []
    assert terms(".*+?[") == []  # punctuation alone is no term
    many = terms(" ".join(f"word{i}" for i in range(50)) + " " + "y" * 500)
    assert len(many) == MAX_TERMS and all(len(t) <= MAX_TERM_CHARS for t in many)


def test_marks_are_made_on_escaped_text_at_word_starts():
    found = pattern(terms("rot <em>"))  # "<em>" is the word "em"
    html, n = mark("<em>rot & rotary, not carrot</em>", found)
    assert html == "&lt;<mark>em</mark>&gt;<mark>rot</mark> &amp; <mark>rot</mark>ary, not carrot&lt;/<mark>em</mark>&gt;"
    assert n == 4
    assert mark("a <i>", None) == ("a &lt;i&gt;", 0)


def test_regex_characters_in_terms_are_literal():
    html, n = mark("f(x) = a.b and axb", pattern(terms('"a.b" "f(x)"')))
    assert (html, n) == ("<mark>f(x)</mark> = <mark>a.b</mark> and axb", 2)
    assert highlight.pattern([]) is None
