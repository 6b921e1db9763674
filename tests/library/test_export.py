"""Exports (BibTeX, CSL-JSON, RIS) of papers in the HF shape, and the round trip: export,
then import, matches every paper."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from pybtex.database import parse_string

from paperboy.library import bibtex, csljson, importer, ris
from paperboy.library.export import FORMATS, export
from paperboy.papers import view
from paperboy.papers.record import Paper, normalise_title
from paperboy.papers.store import store_batch
from tests.community.people import add

PARSERS = {"bibtex": bibtex.parse, "csl-json": csljson.parse, "ris": ris.parse}


def _hf(conn) -> list[dict]:
    return [view.of(r).hf_paper() for r in conn.execute("SELECT * FROM papers ORDER BY id").fetchall()]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_matches_every_paper(conn, known, fmt):
    papers = _hf(conn)
    exported = export(papers, fmt)
    member = add(conn, f"{fmt}@example.org")
    s = importer.import_library(conn, member.id, exported.body, f"library.{exported.extension}")
    assert s.format == fmt and s.rejected == [] and s.library_only == [] and s.duplicates == 0
    assert sorted(i for i, _ in s.matched) == sorted(p["id"] for p in papers)
    assert len(papers) == len(known) == 7


def test_bibtex_export(conn, known):
    exported = export(_hf(conn), "bibtex")
    assert exported.media_type == "application/x-bibtex; charset=utf-8" and exported.extension == "bib"
    library = bibtexparser.parse_string(exported.body)
    assert library.failed_blocks == []
    entries = {e["eprint"] if "eprint" in e else e.key: e for e in library.entries}
    attention = entries["1706.03762"]
    assert attention.key == "vaswani2017attention"
    assert attention["archivePrefix"] == "arXiv" and attention["primaryClass"] == "cs.CL"
    assert attention["doi"] == "10.48550/arXiv.1706.03762" and attention["url"] == "https://arxiv.org/abs/1706.03762"
    assert attention["author"] == "Vaswani, Ashish and Shazeer, Noam"
    assert (attention["year"], attention["month"]) == ("2017", "6")
    assert entries["2010.11929"]["abstract"] == r"Vision transformers: 50\% \{less\} compute\_."
    assert entries["hep-th/9711200"]["doi"] == "10.48550/arXiv.hep-th/9711200"
    muller = next(e for e in library.entries if "eprint" not in e)  # no arXiv id: no eprint, no DOI
    # & escaped; capitals braced against a style's case change (issue 21), a first word's initial not
    assert "doi" not in muller and muller["title"] == r"Über die {Möglichkeit} von {Zerfall} \& {Übergang}"
    assert len({e.key for e in library.entries}) == 7


def test_cite_keys_are_unique():
    papers = [{"id": f"2401.0000{i}", "arxivId": f"2401.0000{i}", "title": "The Same Title",
               "authors": [{"name": "Ada Lovelace"}], "publishedAt": "2024-01-02T00:00:00.000Z"} for i in range(3)]
    papers.append({"id": "t-abc", "title": "?", "authors": []})
    keys = [e.key for e in bibtexparser.parse_string(export(papers, "bibtex").body).entries]
    assert keys == ["lovelace2024same", "lovelace2024samea", "lovelace2024sameb", "arxivt_abc"]


def test_csl_json_and_ris_exports(conn, known):
    papers = _hf(conn)
    csl = export(papers, "csl-json")
    assert csl.media_type == "application/vnd.citationstyles.csl+json; charset=utf-8" and csl.extension == "json"
    items = {i["id"]: i for i in json.loads(csl.body)}
    attention = items["1706.03762"]
    assert attention["type"] == "article" and attention["number"] == "arXiv:1706.03762"
    assert attention["author"][0] == {"family": "Vaswani", "given": "Ashish"}
    assert attention["issued"] == {"date-parts": [[2017, 6, 12]]} and attention["publisher"] == "arXiv"
    assert attention["DOI"] == "10.48550/arXiv.1706.03762" and attention["URL"] == "https://arxiv.org/abs/1706.03762"
    assert "DOI" not in items[known["Über die Möglichkeit von Zerfall & Übergang"]]
    r = export(papers, "ris")
    assert r.media_type == "application/x-research-info-systems; charset=utf-8" and r.extension == "ris"
    refs = rispy.loads(r.body)
    assert len(refs) == 7 and not r.body.startswith("1.")
    ref = next(x for x in refs if x.get("doi") == "10.48550/arXiv.1706.03762")
    # an arXiv preprint is UNPB, no journal (issue 21: pandoc printed "arXiv preprint arXiv:ID" as one)
    assert ref["type_of_reference"] == "UNPB" and ref["authors"] == ["Vaswani, Ashish", "Shazeer, Noam"]
    assert ref["urls"] == ["https://arxiv.org/abs/1706.03762"] and ref["date"] == "2017/06/12/"


TRICKY = ["Scaling $O(n^2)$ Attention: 50% Faster {Transformers} for C++ & C_# ~ tilde ^ caret",
          "Ångström-scale fields – “quoted” -- dashes \\backslash", "A $ single dollar and 100$",
          "Straße ŁÓDŹ naïve café 日本語 😀", "The {\\TeX}book, literally"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_tricky_titles_survive_the_round_trip(fmt):
    papers = [{"id": f"t-{i}", "title": t, "summary": f"About {t}", "authors": [{"name": "Jörg Müller"}],
               "publishedAt": "2020-02-29T00:00:00.000Z"} for i, t in enumerate(TRICKY)]
    parsed = PARSERS[fmt](export(papers, fmt).body)
    assert parsed.rejected == []
    assert [normalise_title(e.title) for e in parsed.entries] == [normalise_title(t) for t in TRICKY]
    assert all(e.authors == ("Jörg Müller",) and e.year == 2020 for e in parsed.entries)


def test_unknown_format_and_no_papers():
    with pytest.raises(ValueError, match="bibtex, csl-json, ris"):
        export([], "endnote")
    assert json.loads(export([], "csl-json").body) == [] and export([], "ris").body == ""


def test_names_holding_and_stay_one_person_and_capitals_are_braced():
    """Issue 21: "and Lei Bai" was written `Bai, and Lei` (bibtexparser 2's name middlewares
    dropped the entry); a name that holds "and" as a word is braced whole in BibTeX, a CSL
    literal, and written as it is in RIS. Titles' capitals are braced as Zotero does."""
    paper = {"id": "2410.13720", "arxivId": "2410.13720", "title": "Movie Gen: A Cast of $\\mathcal{M}$odels",
             "authors": [{"name": "Adam Polyak"}, {"name": "Donald Johann Jr. and Fred Prior"},
                         {"name": "and Lei Bai"}], "publishedAt": "2024-10-01T00:00:00.000Z",
             "publishedAtSource": "arxiv-id"}
    body = export([paper], "bibtex").body
    library = bibtexparser.parse_string(body, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry["title"] == "Movie {Gen}: {A} {Cast} of {$\\mathcal{M}$}odels"
    assert [p.last for p in entry["author"]] == [["Polyak"], ["{Donald Johann Jr. and Fred Prior}"],
                                                 ["{and Lei Bai}"]]
    assert (entry["year"], entry["month"]) == ("2024", "10")
    assert len(parse_string(body, "bibtex").entries["polyak2024movie"].persons["author"]) == 3
    [item] = json.loads(export([paper], "csl-json").body)
    assert item["author"][1:] == [{"literal": "Donald Johann Jr. and Fred Prior"}, {"literal": "and Lei Bai"}]
    assert item["issued"] == {"date-parts": [[2024, 10]]} and item["title"] == "Movie Gen: A Cast of ℳodels"
    [ref] = rispy.loads(export([paper], "ris").body)
    assert ref["authors"][1] == "Donald Johann Jr. and Fred Prior" and ref["date"] == "2024/10//"
    assert (ref["type_of_reference"], ref["note"], ref["publisher"]) == ("UNPB", "arXiv:2410.13720", "arXiv")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_paper_without_an_id_and_with_maths_in_its_title_is_found_again(conn, fmt):
    """CSL-JSON and RIS print maths as Unicode (LLM×MapReduce: issue 21), which normalises
    unlike the stored TeX; the paper's own id in the file still finds it."""
    store_batch(conn, [Paper(title="LLM$\\times$MapReduce: Simplified $\\alpha$-Processing", source="hf-page",
                             summary="Long sequences.")])
    conn.commit()
    papers = _hf(conn)
    exported = export(papers, fmt)
    member = add(conn, f"maths-{fmt}@example.org")
    s = importer.import_library(conn, member.id, exported.body, f"library.{exported.extension}")
    assert [i for i, _ in s.matched] == [papers[0]["id"]] and s.library_only == []
