"""Conversion of arXiv's HTML to Markdown (paperboy.fulltext.convert): the recorded real page
(shared/data/arxiv-html-recorded/2501.11120v1.html) and hand-written LaTeXML-shaped pages
(snippets.py) for what it lacks."""

from __future__ import annotations

import re

import pytest

from paperboy.fulltext.convert import MAX_HTML_BYTES, convert
from tests.fulltext import snippets
from tests.helpers import SHARED

RECORDED = SHARED / "arxiv-html-recorded" / "2501.11120v1.html"


@pytest.fixture(scope="module")
def recorded():
    return convert(RECORDED.read_bytes())


def test_recorded_page_outline(recorded):
    titles = [(h.level, h.title, h.anchor) for h in recorded.outline]
    assert titles[:3] == [(2, "1 Introduction", "S1"), (2, "2 Out-of-context reasoning", "S2"),
                          (2, "3 Awareness of behaviors", "S3")]
    assert (3, "3.1 Finetuning on multiple-choice responses (economic decisions)", "S3.SS1") in titles
    assert (4, "3.1.1 Design", "S3.SS1.SSS1") in titles
    assert (2, "Appendix A Author contributions", "A1") in titles
    assert (2, "References", "bib") in titles
    for level, title, _ in titles:  # each outline entry is a heading of the text
        assert f"\n{'#' * level} {title}\n" in "\n" + recorded.markdown
    assert recorded.latexml and not recorded.truncated


def test_recorded_page_math_tables_captions_references(recorded):
    md = recorded.markdown
    assert "dataset $D=\\{d^{n}\\}_{n=1}^{N}$, where $d^{n}\\sim\\varphi_{T}(z)$." in md  # alttext, inline
    assert "<math" not in md and "<semantics" not in md and "application/x-tex" not in md
    assert ("| Economic decisions (Section 3.1) | “A” or “B” | Economic preference |"
            " risk-seeking/risk-averse, myopic/non-myopic, max/minimizing apples |") in md
    assert "\n**Table 1:** Overview of experiments for evaluating behavioral self-awareness." in md
    assert "\n**Figure 1:** **Models can describe a learned behavioral policy that is only implicit" in md
    refs = md.split("\n## References\n", 1)[1]
    assert refs.lstrip().startswith("1. AI@Meta. Llama 3 model card. 2024. URL "
                                    "<https://github.com/meta-llama/llama3/blob/main/MODEL_CARD.md>.")
    assert len(re.findall(r"^\d+\. ", refs, re.M)) >= 48  # 48 bibliography items, numbered
    assert "[^2] For backdoors" in md
    assert "\n[^2]: We replicate some of our experiments on open-weight models" in md


def test_recorded_page_has_no_chrome(recorded):
    md = recorded.markdown
    for chrome in ("bootstrap.bundle", "html2canvas", "function(", "ltx_", "Refer to caption", "Report Issue",
                   "Why HTML?", "We study *behavioral self-awareness*"):  # ... and the abstract, said above it
        assert chrome not in md
    assert "Tell me about yourself" not in md.split("\n", 1)[0]


def test_display_math_footnotes_lists_and_tables():
    c = convert(snippets.LATEXML)
    md = c.markdown
    assert [(h.level, h.title, h.anchor) for h in c.outline] == [
        (2, "1 Introduction", "S1"), (3, "1.1 Ablations", "S1.SS1"), (2, "References", "bib")]
    assert "We scale $\\theta_{i}$ by a factor[^1] as in (Su et al., 2021)." in md
    assert "\n$$f(x)=\\sum_{i}x_{i}^{2} \\tag{1}$$\n" in md
    assert "\n- first point\n- second point\n" in md
    assert "\n**Table 1:** Results | per model.\n\n| Model | Score |\n|---|---|\n| Base | $0.5\\pm 0.1$ |\n| Ours | 0.9 |" in md
    assert "\n- Wide header cell · x\n- a\n\n**Table 2:** Ragged." in md  # rows of different widths: text
    assert "\n**Figure 1:** The loss curve.\n" in md
    assert "\n**Theorem 1**\n\nEvery \\*star\\* and \\_line\\_ stays text, as does \\$5 and \\[a\\](b) and \\<b\\>." in md
    assert md.endswith("\n1. J. Su. RoFormer.\n2. B. Peng. YaRN.\n\n[^1]: The factor is $s>1$.\n")
    for absent in ("SCRIPT-TEXT", "NAV-TEXT", "FOOTER-TEXT", "ABSTRACT-TEXT", "Ada Author", "color: red", "•"):
        assert absent not in md


def test_failed_and_garbage_pages_give_no_text():
    failed = convert(snippets.FAILED)
    assert failed.markdown == "" and failed.latexml
    for page in snippets.GARBAGE:
        c = convert(page)
        assert not c.latexml
        assert "\x00" not in c.markdown


def test_a_page_over_the_cap_is_refused():
    with pytest.raises(ValueError, match="at most"):
        convert(b" " * (MAX_HTML_BYTES + 1))
