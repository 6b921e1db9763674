"""arxiv_atom: recorded arXiv API responses (current layout) and raw 2016 Atom documents."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperboy.papers.record import ParseError
from paperboy.sources import arxiv_atom
from tests.helpers import shared

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "arxiv-api-recorded"
CURRENT = sorted((DATA / "current").glob("*.json"))
LEGACY = sorted((DATA / "legacy_2016").glob("*.xml"))
ERROR_FILE = "id_abc_s0_m100_b79c8dcf6bc3.json"
# Entry ids read straight from the XML, not through the parser.
ENTRY_ID = re.compile(r"<entry>\s*<id>https?://arxiv\.org/abs/(\S+?)(?:v(\d+))?</id>")


def body(path: Path) -> str:
    return json.loads(path.read_text(encoding="utf-8"))["body"]


def test_the_recordings_are_all_there() -> None:
    shared("arxiv-api-recorded", "current")  # skips, saying so, when the folder is absent
    assert len(CURRENT) == 20 and len(LEGACY) == 5
    # README: 222 entries in all, the error entry included.
    assert sum(body(p).count("<entry>") for p in CURRENT) == 222


@pytest.mark.parametrize("path", CURRENT, ids=lambda p: p.name[:30])
def test_every_recording(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name == ERROR_FILE:
        with pytest.raises(ParseError, match=r"^arXiv API error: incorrect id format for abc$"):
            arxiv_atom.parse(text, path.name, None)
        return
    result = arxiv_atom.parse(text, path.name, None)
    xml = body(path)
    assert result.rejected == []
    assert len(result.papers) == xml.count("<entry>")
    expected = [(i, int(v)) for i, v in ENTRY_ID.findall(xml)]
    assert [(p.arxiv_id, p.version) for p in result.papers] == expected
    assert all(p.source == "arxiv-atom" and p.title and p.authors for p in result.papers)


def test_raw_body_and_recording_give_the_same_papers() -> None:
    path = DATA / "current" / "q_testing_s0_m10_bc5a6c384fe9.json"
    assert arxiv_atom.parse(body(path)).papers == arxiv_atom.parse(path.read_text()).papers


@pytest.mark.parametrize("path", LEGACY, ids=lambda p: p.name[:30])
def test_legacy_documents(path: Path) -> None:
    xml = path.read_text(encoding="utf-8")
    result = arxiv_atom.parse(xml, path.name, None)
    assert result.rejected == []
    assert [(p.arxiv_id, p.version) for p in result.papers] == [
        (i, int(v)) for i, v in ENTRY_ID.findall(xml)
    ]
    assert len(result.papers) == xml.count("<entry>") > 0


def test_empty_result_feeds() -> None:
    for name in (
        "id_0000.0000_s0_m100_8b51d9633a68.json",
        "id_0808.05394_s0_m100_7b0c7d0a7cdd.json",
    ):
        result = arxiv_atom.parse((DATA / "current" / name).read_text())
        assert result.papers == [] and result.rejected == []


def test_old_style_ids() -> None:
    (astro,) = arxiv_atom.parse(
        (DATA / "current" / "id_astro-ph_0601001_s0_m100_3150dca9dc76.json").read_text()
    ).papers
    assert (astro.arxiv_id, astro.version) == ("astro-ph/0601001", 1)
    assert astro.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert astro.categories == ("astro-ph",)
    assert astro.published_at == date(2006, 1, 2)
    assert astro.pdf_url == "https://arxiv.org/pdf/astro-ph/0601001v1"
    assert astro.extra == {"journal_ref": "ActaAstron.56:1-50,2006"}
    assert astro.comment and astro.comment.startswith("62 pages including 16 figures")
    # Escaped characters come back exactly: "&amp;" and "&lt;" in the XML.
    assert "Gould & Morgan (2003)" in astro.summary
    assert "limit of V_max<17.5. Hence" in astro.summary
    assert "(1/310)(1^{+1.39}_{-0.59})" in astro.summary
    assert not astro.summary.startswith(" ")

    (quant,) = arxiv_atom.parse(
        (DATA / "current" / "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json").read_text()
    ).papers
    assert (quant.arxiv_id, quant.categories) == ("quant-ph/0201082", ("quant-ph", "cs.PL"))
    legacy = arxiv_atom.parse(
        (DATA / "legacy_2016" / "search_query=au_del_maestro.xml").read_text()
    )
    assert ("cond-mat/0412498", 1) in [(p.arxiv_id, p.version) for p in legacy.papers]


def test_legacy_entry_fields() -> None:
    (paper,) = arxiv_atom.parse(
        (DATA / "legacy_2016" / "id_list_1111.2011v2.xml").read_text()
    ).papers
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert (paper.arxiv_id, paper.version) == ("1111.2011", 2)
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert (paper.published_at, paper.updated_at) == (date(2011, 11, 8), date(2012, 4, 2))
    assert paper.pdf_url == "http://arxiv.org/pdf/1111.2011v2"
    assert paper.comment == "8 pages, 3 figures. Published version"
    assert paper.extra == {
        "doi": "10.1103/PhysRevB.85.115117",
        "journal_ref": "Phys. Rev. B 85, 115117 (2012)",
    }
    assert paper.summary.startswith(
        "Theoretical description of anisotropic systems, such as layered superconductors"
    )


def test_title_zero_is_a_title() -> None:
    (paper,) = arxiv_atom.parse(
        (DATA / "current" / "id_2104.12255v1_s0_m100_6ae69987ffe1.json").read_text()
    ).papers
    assert paper.title == "0"
    assert paper.categories == ("cs.CR",)


def test_primary_category_first() -> None:
    xml = (DATA / "legacy_2016" / "id_list_1111.2011v2.xml").read_text()
    # Put the primary category second in document order: it must still come out first.
    swapped = xml.replace(
        '<category term="cond-mat.str-el" scheme="http://arxiv.org/schemas/atom"/>', ""
    ).replace(
        "</entry>",
        '<category term="cond-mat.str-el" scheme="http://arxiv.org/schemas/atom"/></entry>',
    )
    (paper,) = arxiv_atom.parse(swapped).papers
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")


def test_truncated_xml_is_an_error_not_a_partial_import() -> None:
    xml = body(DATA / "current" / "q_testing_s0_m10_bc5a6c384fe9.json").rstrip()
    for cut in (len(xml) - 1, len(xml) // 2, xml.index("</entry>") + len("</entry>"), 10):
        with pytest.raises(ParseError, match="malformed or truncated XML"):
            arxiv_atom.parse(xml[:cut])


def test_entry_without_usable_id_is_rejected() -> None:
    xml = (
        DATA / "legacy_2016" / "search_query=au_del_maestro_AND_ti_quantum_criticality.xml"
    ).read_text()
    broken = xml.replace("<id>http://arxiv.org/abs/1111.2011v2</id>", "<id>urn:nothing</id>", 1)
    result = arxiv_atom.parse(broken)
    assert [r.where for r in result.rejected] == ["entry 1"]
    assert [p.arxiv_id for p in result.papers] == ["cond-mat/0607501"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html><body>Oops</body></html>", "not an Atom feed"),
        ('{"url": "u", "status_code": 503, "body": "<html>busy"}', "HTTP 503"),
        ('{"url": "u", "status_code": 200}', "recording"),
        ('{"url": ', "recording"),
    ],
)
def test_whole_input_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        arxiv_atom.parse(text)


SAMPLE_PATH = DATA / "current" / "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"
SAMPLE = body(SAMPLE_PATH) if SAMPLE_PATH.exists() else ""  # without it, fuzz plain text only


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.integers(0, len(SAMPLE)).map(lambda i: SAMPLE[:i]),
        st.tuples(st.integers(0, len(SAMPLE)), st.text(max_size=5)).map(
            lambda t: SAMPLE[: t[0]] + t[1] + SAMPLE[t[0] :]
        ),
    )
)
def test_fuzz_only_parse_errors(text: str) -> None:
    try:
        result = arxiv_atom.parse(text, "fuzz.xml", None)
    except ParseError as e:
        assert "\n" not in str(e)
        return
    assert all(p.title.strip() and p.arxiv_id for p in result.papers)
