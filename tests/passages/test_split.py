"""Passages of a stored text (passages/split.py, pure) and ``in:text`` in the query syntax."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paperboy.fulltext.convert import Heading, convert
from paperboy.passages.search import label, snippet, text_directive
from paperboy.passages.split import MAX, split
from paperboy.search.query import parse
from tests.helpers import SHARED


def test_the_recorded_page_cut_into_passages_of_its_sections():
    c = convert((SHARED / "arxiv-html-recorded" / "2501.11120v1.html").read_bytes())
    ps = split(c.markdown, c.outline)
    assert 200 < len(ps) < 400 and [p.n for p in ps] == list(range(len(ps)))
    assert all(len(p.text) <= MAX + 10 for p in ps)
    anchors = {h.anchor: h.title for h in c.outline}
    assert {p.anchor for p in ps if p.anchor} <= set(anchors)
    first = ps[0]
    assert (first.section, first.anchor) == ("1 Introduction", "S1")
    assert first.text.startswith("Large Language Models (LLMs) can learn sophisticated behaviors")
    reversal = [p for p in ps if p.anchor == "S4.SS3"]
    assert reversal and reversal[0].section == "4.3 Eliciting the trigger with reversal training"
    assert not any(p.section.endswith("References") for p in ps)  # the bibliography is left out
    assert not any("*" in p.text for p in ps if "behavioral self-awareness" in p.text)  # emphasis marks dropped
    assert ps[-1].section == "Footnotes"


def test_headings_code_fences_and_long_paragraphs():
    md = ("Before any heading.\n\n## 2 Method\n\nOne \\*starred\\* word.\n\n```\n# not a heading\n\nx = 1\n```\n\n"
          "### 2.1 Long\n\n" + " ".join(["word"] * 800) + "\n\n## References\n\n1. Cited paper.\n")
    ps = split(md, [Heading(2, "2 Method", "S2"), Heading(3, "2.1 Long", "S2.SS1"), Heading(2, "References", "bib")])
    assert (ps[0].section, ps[0].anchor, ps[0].text) == ("", "", "Before any heading.")
    assert ps[1].anchor == "S2" and "One *starred* word." in ps[1].text and "# not a heading" in ps[1].text
    long = [p for p in ps if p.anchor == "S2.SS1"]
    assert len(long) >= 4 and all(len(p.text) <= MAX for p in long)
    assert not any("Cited paper" in p.text for p in ps)


@given(st.text(max_size=2000), st.lists(st.builds(Heading, st.integers(2, 5), st.text(max_size=20),
                                                  st.text(max_size=10)), max_size=5))
def test_split_never_raises_and_keeps_the_order(md, outline):
    ps = split(md, outline)
    assert [p.n for p in ps] == list(range(len(ps)))


def test_in_text_asks_for_the_full_text_and_is_no_word():
    q = parse('"reversal training" in:text')
    assert q.fulltext and q.keyword == '"reversal training"' and "text" not in q.words
    assert parse("IN:Text rope").fulltext and parse('in:"text" rope').keyword == "rope"
    for plain in ("rope scaling", "in:texts rope", "-in:text rope", "in text"):
        assert not parse(plain).fulltext, plain
    assert parse("in:text").empty


def test_a_section_label_and_a_snippet_around_the_match():
    assert label("4.2 Ablations") == "§4.2 Ablations" and label("C.1.8 Myopia") == "§C.1.8 Myopia"
    assert label("Limitations and future work") == "Limitations and future work"
    text = "filler " * 100 + "rotary position embeddings scaled by a factor <b>" + " more" * 100
    plain, html = snippet(text, ["rotary"])
    assert plain.startswith("… ") and plain.endswith(" …") and "rotary position" in plain and len(plain) < 260
    assert "<mark>rotary</mark>" in html and "&lt;b&gt;" in html


def test_a_text_fragment_marks_the_match_where_it_is_plain_text():
    text = "We scale (rotary position embeddings by a factor, as in Llama-2 and others here today."
    assert text_directive(text, ["rotary"]) == ":~:text=We%20scale%20%28rotary%20position%20embeddings%20by%20a"
    assert text_directive("trained as in Llama-2, with rotary", ["rotary"]) == \
        ":~:text=as%20in%20Llama%2D2%2C%20with%20rotary"  # 4 words before; its syntax ("-", ",") escaped
    assert text_directive("no match here", ["rotary"]) == ""
    assert text_directive("with $x^2$ and rotary", ["rotary"]) == ""  # math: not shown as written
