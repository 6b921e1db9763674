"""The three parsers on real-looking files (Zotero's BibTeX and CSL-JSON exports, an RIS
file): what each entry reads as, and every malformed or untitled entry rejected by name."""

from __future__ import annotations

import doctest
import importlib

import pytest

from paperboy.library import bibtex, csljson, detect, ris
from paperboy.library.entry import (
    Entry,
    arxiv_from_doi,
    arxiv_from_eprint,
    arxiv_from_text,
    arxiv_from_url,
    make_entry,
)
from paperboy.papers.record import normalise_title
from tests.library.conftest import DATA


def _by_key(parsed):
    return {e.cite_key: e for e in parsed.entries}


def test_zotero_bibtex():
    parsed = bibtex.parse((DATA / "zotero.bib").read_text())
    assert parsed.format == "bibtex"
    e = _by_key(parsed)
    assert len(parsed.entries) == 12  # every entry but the two rejected, duplicates included
    attention = e["vaswani_attention_2017"]
    assert attention.title == "Attention Is All You Need"  # {Is} {All}: braces dropped
    assert attention.arxiv_id == "1706.03762" and attention.doi == "10.48550/arXiv.1706.03762"
    assert attention.authors[:2] == ("Ashish Vaswani", "Noam Shazeer") and len(attention.authors) == 8
    assert attention.year == 2023 and attention.abstract.startswith("The dominant sequence")
    assert attention.url == "http://arxiv.org/abs/1706.03762"
    assert e["devlin_bert_2019"].title.startswith("BERT: Pre-training of Deep")  # {B}{ERT}
    assert e["devlin_bert_2019"].arxiv_id == "1810.04805"  # eprint + archivePrefix
    assert e["brown_language_2020"].arxiv_id is None  # a NeurIPS DOI is not an arXiv id
    assert e["brown_language_2020"].doi == "10.5555/3495724.3495883"
    assert e["maldacena_large_1999"].arxiv_id == "hep-th/9711200"  # old-style id
    muller = e["muller_uber_2019"]
    assert muller.title == "Über die Möglichkeit von Zerfall & Übergang"  # {\"U}, M{\"o}, \&
    assert muller.authors == ("Jörg Müller", "Hans-Peter Schäfer")
    assert e["dosovitskiy_image_2021"].arxiv_id == "2010.11929"  # a PDF link, version dropped
    assert e["hu_lora_2021"].arxiv_id == "2106.99999"  # eprint with a version
    assert e["knuth_texbook_1984"].title == "The TeXbook"  # {\TeX}
    assert e["schrodinger_gegenwartige_1935"].title == "Die gegenwärtige Situation in der Quantenmechanik"
    assert e["vaswani2017attention"].arxiv_id == "1706.03762"  # journal = {arXiv preprint arXiv:…}
    assert [(r.where, r.reason) for r in parsed.rejected] == [
        ("entry 13 (broken_2020, line 118)", "malformed entry"),
        ("entry 14 (notitle_2020)", "no title"),
    ]


def test_zotero_csl_json():
    parsed = csljson.parse((DATA / "zotero.json").read_text())
    assert parsed.format == "csl-json"
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "Attention Is All You Need",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "Language models are few-shot learners",
        "Über die Möglichkeit von Zerfall & Übergang",
        "The TeXbook",
        "In vivo imaging of neural activity",  # CSL's <i> markup dropped
        "Attention is all you need (a second copy)",
    ]
    first, bert, brown = parsed.entries[:3]
    assert first.arxiv_id == "1706.03762" and first.year == 2023 and first.authors == ("Ashish Vaswani", "Noam Shazeer")
    assert bert.arxiv_id == "1810.04805"  # Zotero's number: arXiv:…
    assert brown.arxiv_id is None and brown.authors == ("Tom Brown", "OpenAI") and brown.year == 2020
    assert parsed.entries[3].year == 2019  # issued.raw
    assert parsed.entries[6].arxiv_id == "1706.03762"  # from a versioned PDF link
    assert [(r.where, r.reason) for r in parsed.rejected] == [
        ("entry 8 (http://zotero.org/users/1234567/items/NOTITLE1)", "no title"),
        ("entry 9", "malformed entry"),
    ]


def test_ris():
    parsed = ris.parse((DATA / "library.ris").read_text())
    assert parsed.format == "ris"
    got = [(e.title, e.arxiv_id, e.year) for e in parsed.entries]
    assert got == [
        ("Attention Is All You Need", "1706.03762", 2017),
        ("The Large N Limit of Superconformal Field Theories and Supergravity", "hep-th/9711200", 1999),
        ("An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale", "2010.11929", 2021),
        ("Language models are few-shot learners", None, 2020),  # T1, A1, Y1
        ("Die gegenwärtige Situation in der Quantenmechanik", None, 1935),
        ("ATTENTION IS ALL YOU NEED", "1706.03762", None),
    ]
    assert parsed.entries[0].authors == ("Ashish Vaswani", "Noam Shazeer")
    assert parsed.entries[3].authors == ("Tom Brown", "Benjamin Mann")
    assert parsed.entries[4].abstract.startswith("Ein Versuch")
    assert [(r.where, r.reason.split(" (")[0]) for r in parsed.rejected] == [
        ("entry 6 (line 51)", "no title"), ("entry 7 (line 56)", "malformed entry")]


@pytest.mark.parametrize("text", ["", "   \n", "hello world", "@", "{", "[", "TY  - ", "\x00\ufeff"])
def test_garbage_never_raises(text):
    for parser in (bibtex.parse, csljson.parse, ris.parse):
        parsed = parser(text)
        assert parsed.entries == []


def test_not_json_and_no_records_are_named():
    assert csljson.parse('[{"title": "x"').rejected[0].reason.startswith("not JSON")
    assert csljson.parse('"a string"').rejected[0].reason == "not CSL-JSON (expected a list of items)"
    assert ris.parse("just some text").rejected[0].where == "file"


def test_bibtex_latex_and_strings():
    text = r"""@string{nips = "NeurIPS"}
@article{a, title = "Na{\"\i}ve {B}ayes \& {C}o: 50\% of $\alpha$-decay", author = {{\O}stergaard, S{\o}ren and van der Berg, Jan},
 journal = nips # " 2020", note = {arXiv:2001.00001v2}}"""
    (entry,) = bibtex.parse(text).entries
    assert entry.title == "Naïve Bayes & Co: 50% of $\\alpha$-decay"
    assert entry.authors == ("Søren Østergaard", "Jan van der Berg")
    assert entry.arxiv_id == "2001.00001"


def test_arxiv_ids_everywhere():
    assert arxiv_from_eprint("arXiv:2312.17653v2") == "2312.17653"
    assert arxiv_from_eprint("2312.17653", "PubMed") is None
    assert arxiv_from_eprint("math.GT/0309136") == "math.GT/0309136"
    assert arxiv_from_url("https://arxiv.org/abs/hep-th/9901001v3") == "hep-th/9901001"
    assert arxiv_from_url("https://example.org/abs/1706.03762") is None
    assert arxiv_from_doi("10.48550/ARXIV.2106.09685") == "2106.09685"
    assert arxiv_from_doi("10.1038/nature14539") is None
    assert arxiv_from_text("CoRR abs/1706.03762") is None  # no arXiv: marker, no link
    assert arxiv_from_text("arXiv preprint arXiv:1810.04805") == "1810.04805"
    # ids are ASCII: other digits and a long s make no id (issue 21, item 16)
    assert arxiv_from_eprint("２４１１.０４９０５") is None and arxiv_from_eprint("٢٤١١.٠٤٩٠٥") is None
    assert arxiv_from_url("https://arxiv.org/abs/ſtat/0101001") is None
    assert arxiv_from_text("arXiv:2411.０4905") is None


def test_entries_are_cleaned_and_title_key_is_the_papers_one():
    made = make_entry("entry 1", title="  Deep\n learning\x00 \x07for all ", authors=["A\x01 B", ""],
                      url="javascript:alert(1)", doi="https://doi.org/10.1/x")
    assert isinstance(made, Entry)
    assert made.title == "Deep learning for all" and made.authors == ("A B",)
    assert made.url is None and made.doi == "10.1/x"
    assert made.title_key == normalise_title("Deep Learning for ALL!")
    assert make_entry("entry 2", title=" {} ?! ").reason == "no title"
    assert make_entry("entry 3", title="x" * 601).reason.startswith("title longer than")


def test_detect():
    assert detect.detect_format("refs.BIB", "") == "bibtex"
    assert detect.detect_format("export.json", "") == "csl-json"
    assert detect.detect_format("x.ris", "") == "ris"
    assert detect.detect_format("refs.txt", (DATA / "zotero.bib").read_text()) == "bibtex"
    assert detect.detect_format("", (DATA / "zotero.json").read_text()) == "csl-json"
    assert detect.detect_format("", (DATA / "library.ris").read_text()) == "ris"
    with pytest.raises(detect.UnknownFormat, match="cannot tell"):
        detect.detect_format("notes.txt", "my reading list: attention, bert")
    assert detect.format_named("RIS") == "ris"
    with pytest.raises(detect.UnknownFormat, match="bibtex, csl-json, ris"):
        detect.format_named("endnote")


@pytest.mark.parametrize("name", ["paperboy.library.entry", "paperboy.library.detect", "paperboy.library.export"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("written", "read"), [
    ("50% of {B}ERT -- fast", "50% of BERT – fast"),  # a bare % is no LaTeX comment to BibTeX
    ("Theory & {P}ractice", "Theory & Practice"),
    (r"Theory \& {P}ractice, 5\%", "Theory & Practice, 5%"),
    ("Plain title, no LaTeX: 100% & more", "Plain title, no LaTeX: 100% & more"),
])
def test_bibtex_bare_specials(written, read):
    assert bibtex.parse(f"@misc{{k, title = {{{written}}}}}").entries[0].title == read
