"""Conversion and the Read view of more recorded real arXiv pages (tests/fixtures/arxiv_html/,
excerpts of pages recorded by public repositories; the README there names each source and
licence): the outline's headings, inline and display math kept as LaTeX, tables, captions,
footnotes, references, code listings, a failed conversion, and no script, style or chrome text.
Pure functions: no database."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lhtml

from paperboy.fulltext.convert import convert
from paperboy.fulltext.render import render

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv_html"
ALL = sorted(p.name for p in PAGES.glob("*.html"))
CHROME = ("initializeReadingPreferences", "localStorage", "ds-announcement", "License: CC BY", "watermark",
          "arXiv:26", "arXiv:25", "<math", "<semantics", "annotation", "application/x-tex", "ltx_", "Refer to caption",
          "Experimental support", "view the build logs", "[LOGO]", "Keywords", "Abstract")


def _page(name: str):
    return convert((PAGES / name).read_bytes())


def _outline(c) -> list[tuple[int, str, str]]:
    return [(h.level, h.title, h.anchor) for h in c.outline]


def test_the_fixtures_are_the_ones_the_readme_names():
    readme = (PAGES / "README.md").read_text()
    assert len(ALL) >= 5 and all(f"`{name}`" in readme for name in ALL)
    for name in ALL:  # every cut is marked where it is made
        assert "<!-- paperboy excerpt: cut (" in (PAGES / name).read_text()


@pytest.mark.parametrize("name", ALL)
def test_no_script_style_or_chrome_text(name):
    c = _page(name)
    assert c.latexml
    for chrome in CHROME:
        assert chrome not in c.markdown, (name, chrome)
    for h in c.outline:  # every outline entry is a heading of the text
        assert f"\n{'#' * h.level} {h.title}\n" in "\n" + c.markdown


def test_physics_page_math_display_equations_and_references():
    c = _page("2609.03768v1.excerpt.html")
    assert _outline(c) == [(2, "1 Introduction", "S1"), (2, "2 High-order network differentiation", "S2"),
                           (3, "2.1 Setting and notation", "S2.SS1"),
                           (2, "Declaration of generative AI use in manuscript preparation", "Ax1"),
                           (2, "References", "bib")]
    md = c.markdown
    assert "PINNs) represent a field $u_{\\theta}(x)$ and determine" in md  # inline, from alttext
    assert ("\n$$\\displaystyle T^{(0)} \\displaystyle=\\xi, \\displaystyle\\qquad S^{(l)} "
            "\\displaystyle=W^{(l)}T^{(l-1)}+b^{(l)}, \\tag{1}$$\n") in md  # a numbered equation group
    assert "\\displaystyle=\\sigma\\big(S^{(l)}\\big)\\ (l<N)," in md  # &lt; in alttext is "<" in LaTeX
    refs = md.split("\n## References\n", 1)[1]
    assert refs.lstrip().startswith("1. M. Raissi, P. Perdikaris, G. E. Karniadakis, Physics-informed neural")
    assert "\n3. I. E. Lagaris, A. Likas, D. I. Fotiadis," in refs and "doi:10.1109/72.712178." in refs
    for absent in ("Fumihiro Imoto", "fumihiro.imo@gmail.com", "Faà di Bruno formula , Bell", "Standard implementations"):
        assert absent not in md  # authors, keywords and abstract are the page's, not the text's


def test_code_listing_page():
    md = _page("2609.00246v1.excerpt.html").markdown
    assert "\n```\nint g;\n\npthread_barrier_t b;\n```\n" in md  # no line numbers, no markup indentation
    assert "*sound* static analyses" in md and "(Extended Version)" not in md and "⬇" not in md


def test_astronomy_page_footnotes_figure_and_table():
    c = _page("2507.00150v1.excerpt.html")
    md = c.markdown
    assert _outline(c) == [(2, "1 Introduction", "S1"), (2, "2 Methodology. Sample of HVS candidates", "S2"),
                           (2, "3 Spectroscopic follow-up with FORS2", "S3")]
    assert "derived following the Lindegren et al. (2021a) recipe[^1]." in md
    assert "\n[^1]: https://pypi.org/project/gaiadr3-zeropoint/\n" in md
    assert "\n[^2]: **Notes.** Columns list: Star ID, Classification (Golden/Silver)" in md
    assert "\n**Figure 1:** $v_{\\rm T}$ distribution from 1,000 realizations for two HVS candidates" in md
    assert "\n**Table 1:** Sample of HVS candidates selected for follow-spectroscopy. [^2]\n" in md
    assert "\n| ID | Class. | *Gaia* DR3 source ID | R.A. | Dec. | Pesc,0 | texp | G |\n|---|" in md
    assert "\n| HVS01 | S | 3841458366321558656 | 09:34:09.21 | +01:35:16.7 | 100 | 900 (1) | 15.9 |\n" in md
    assert "with $\\sigma_{\\varpi}/\\varpi\\leq 0.2$." in md and "RUWE $<$ 1.4" in md
    assert "Thanks:" not in md and "European Southern Observatory under ESO" not in md  # the title's note


def test_page_recorded_as_an_article_only():
    c = _page("2503.20783v2.excerpt.html")
    md = c.markdown
    assert _outline(c) == [(2, "1 Introduction", "S1"), (2, "Appendix G Detailed Experimental Settings", "A7")]
    assert md.startswith("**Figure 1:** **Left**: Dr. GRPO introduces simple yet significant modifications")
    assert "with only $27$ hours compute on $8\\times$ A100 GPUs." in md  # ltx_math_unparsed too
    assert "\n| Parameter | Value |\n|---|---|\n| Actor |  |\n| Maximum response length | $3000$ tokens |\n" in md
    assert "\n| Learning rate | $1\\times 10^{-6}$ |\n" in md
    # the takeaways box is an SVG picture; its text (foreignObjects) is read as blocks, its list as a list
    assert ("below:\n\nOverview of takeaways\n\n- (Sec. 2.1) Template is crucial to make base models **answer "
            "questions** instead of completing sentences.") in md
    assert "\n- (Sec. 2.2) Intriguingly, Qwen-2.5 base models get an **immediate $\\sim 60\\%$ improvement" in md
    assert "\n- (Sec. 3.4) **Math pretraining on Llama-3.2-3B** improves its RL ceiling.\n\n## Appendix G" in md
    assert "\n**Table 6:** Hyperparameter configurations used in all experiments.\n" in md


def test_mathematics_page_equation_definition_and_contents():
    c = _page("2609.04056v1.excerpt.html")
    md = c.markdown
    assert _outline(c) == [(2, "1 Introduction", "S1"),
                           (3, "1.1 Small-time local controllability of control-affine systems", "S1.SS1"),
                           (3, "1.2 Algebraic notations and Lie brackets", "S1.SS2")]
    assert "\n$$\\dot{x}(t)=f_{0}(x(t))+u_{1}(t)f_{1}(x(t))+\\dotsb+u_{q}(t)f_{q}(x(t)) \\tag{1.1}$$\n" in md
    assert "\n**Definition 1.1.**\n\nWe say that (1.1) is *$L^{\\infty}$-STLC* when, for all $T,\\rho>0$," in md
    assert "$\\lVert u\\rVert_{L^{\\infty}}\\leq\\rho$" in md
    for absent in ("Contents", "Proof of the support result", "Karine Beauchard", "IRMAR", "thanks", "†",
                   "factor-parity"):  # the article's own contents, the authors and their notes, the abstract
        assert absent not in md


def test_a_failed_conversion_gives_no_text():
    """arXiv's page for 2608.30667v1: LaTeXML failed, left two errors and the words "long" and
    "longfalse". That is no paper's text: the fetch marks it "no full text" (test_fetch.py)."""
    c = _page("2608.30667v1.excerpt.html")
    assert (c.markdown, c.outline, c.latexml) == ("", [], True)


@pytest.mark.parametrize("name", ALL)
def test_a_page_cut_anywhere_still_converts(name):
    """A transfer cut short (mid-tag, mid-entity, mid-character): no exception, and the outline
    is a prefix of the whole page's."""
    data = (PAGES / name).read_bytes()
    whole = _outline(_page(name))
    for cut in (len(data) // 3, len(data) // 2 + 1, len(data) * 4 // 5):
        part = convert(data[:cut])
        assert _outline(part) == whole[:len(part.outline)], (name, cut)


@pytest.mark.parametrize("name", ALL)
def test_the_read_view_of_each_page(name):
    c = _page(name)
    doc = render(c.markdown, c.outline, hl="the")
    tree = lhtml.fromstring(f"<div>{doc.html}</div>")
    ids = {h.get("id"): h.text_content() for h in tree.xpath("//h2|//h3|//h4|//h5")}
    assert [(e.id, e.level) for e in doc.toc] == [(h.anchor, h.level) for h in c.outline]
    for e in doc.toc:  # each contents entry lands on its heading
        assert e.id in ids
    maths = [m.text_content() for m in tree.xpath("//code[contains(@class, 'math')]")]
    assert len(maths) == c.markdown.count("$") // 2 - c.markdown.count("$$") // 2 - c.markdown.count("\\$") // 2
    assert not tree.xpath("//script|//style|//img|//math|//svg")
    assert all(m.text_content().lower() == "the" for m in tree.xpath("//mark"))
