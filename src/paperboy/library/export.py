"""Papers out to reference managers: BibTeX, CSL-JSON and RIS.

:func:`export` takes papers in the Hugging Face paper shape
(:meth:`paperboy.papers.view.PaperView.hf_paper`) and writes them with maintained libraries:
BibTeX with bibtexparser 2 (its Library, Entry, Field and writer; titles and names into LaTeX
by :mod:`paperboy.library.latex`), RIS with rispy, CSL-JSON with :mod:`json`. A paper with an
arXiv id carries it the way reference managers read it back (eprint / archivePrefix / primaryClass, the arXiv DOI
10.48550/arXiv.ID, the abs link, ``number: arXiv:ID``), so exporting then importing matches
every paper; a paper without one (an id like ``t-<hash>``) is matched by its title.

A paper enrichment completed carries the publisher's DOI and journal reference arXiv knows
(``doi``, ``journalRef``) as ``doi`` and ``journal`` (RIS ``DO``/``JO``, CSL ``DOI``/``container-title``).

The date is ``publishedAt`` to the precision ``publishedAtSource`` gives it: the day, the
month of the arXiv id, or only the year of the day it was listed by.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import bibtexparser
import rispy
from bibtexparser.model import Entry as BibEntry
from bibtexparser.model import Field

from paperboy.library.latex import bib_title, is_literal, latex, plain

FORMATS = ("bibtex", "csl-json", "ris")
MEDIA_TYPES = {
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
}
EXTENSIONS = {"bibtex": "bib", "csl-json": "json", "ris": "ris"}
_STOPWORDS = frozenset("a an the on of in for to and with from by at is are towards toward via".split())


@dataclass
class Exported:
    """An export: the file's text, its media type, and the file name extension it takes."""

    body: str
    media_type: str
    extension: str


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the "1." line it puts before each reference."""

    def set_header(self, count: int) -> str:
        return ""


def _ascii(text: str) -> str:
    """Letters and digits only, accents dropped, lower case (for a cite key)."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a display name: "Ashish Vaswani" -> ("Vaswani", "Ashish").

    >>> split_name("Ashish Vaswani"), split_name("Vaswani, Ashish"), split_name("OpenAI")
    (('Vaswani', 'Ashish'), ('Vaswani', 'Ashish'), ('OpenAI', ''))
    """
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    given, _, family = name.rpartition(" ")
    return family, given


def _date(paper: Mapping[str, Any]) -> tuple[int, ...] | None:
    """(year, month, day) of ``publishedAt``, as much of it as is known: (year, month) when it
    is the month of the arXiv id, (year,) when it is only the day the paper was listed by
    (``publishedAtSource``, see papers/view.py)."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(paper.get("publishedAt") or ""))
    if not m:
        return None
    known = {"arxiv-id": 2, "listed": 1}.get(str(paper.get("publishedAtSource")), 3)
    return tuple(int(g) for g in m.groups()[:known])


def _names(paper: Mapping[str, Any]) -> list[str]:
    out = []
    for a in paper.get("authors") or ():
        name = a.get("name") if isinstance(a, Mapping) else a
        if isinstance(name, str) and name.strip():
            out.append(" ".join(name.split()))
    return out


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _arxiv(paper: Mapping[str, Any]) -> str | None:
    aid = paper.get("arxivId")
    return aid if isinstance(aid, str) and aid else None


def _doi(paper: Mapping[str, Any]) -> str | None:
    """The publisher's DOI arXiv knows (``doi``, filled by enrichment); the arXiv DOI
    10.48550/arXiv.ID stands in without one."""
    doi = _text(paper.get("doi"))
    return doi or None


def _url(paper: Mapping[str, Any]) -> str | None:
    aid = _arxiv(paper)
    if aid:
        return f"https://arxiv.org/abs/{aid}"
    pdf = paper.get("pdfUrl")
    return quote(pdf, safe=":/?#[]@!$&'()*+,;=%~") if isinstance(pdf, str) and pdf else None


def _cite_key(paper: Mapping[str, Any], taken: set[str]) -> str:
    """vaswani2017attention: first author's family name, year, first word of the title; else
    built from the arXiv id (arxiv1706_03762) or the paper id. Made unique with a, b, c…"""
    names, day = _names(paper), _date(paper)
    words = [w for w in (_ascii(w) for w in _text(paper.get("title")).split()) if w]
    word = next((w for w in words if w not in _STOPWORDS), words[0] if words else "")
    family = _ascii(split_name(names[0])[0]) if names else ""
    if family:
        key = f"{family}{day[0] if day else ''}{word}"
    else:
        key = "arxiv" + re.sub(r"\W", "_", _arxiv(paper) or str(paper.get("id") or "paper"))
    key = key[:60]
    unique, n = key, 0
    while unique in taken:
        n += 1
        unique = f"{key}{_suffix(n)}"
    taken.add(unique)
    return unique


def _suffix(n: int) -> str:
    """a, b, …, z, ba, bb, … (a cite key's disambiguation)."""
    letters = ""
    while True:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
        if n == 0:
            return letters


def _bib_person(name: str) -> str:
    """"Family, Given" for BibTeX; a name holding "and" as a word braced whole (BibTeX would
    split it into two people there)."""
    if is_literal(name):
        return f"{{{latex(name)}}}"
    return latex(", ".join(p for p in split_name(name) if p))


def _bib_entry(paper: Mapping[str, Any], key: str) -> BibEntry:
    """``@misc`` for every paper: an arXiv paper is a preprint, and a paper without an id or
    authors is still a valid entry (``@article`` needs a journal and authors: pybtex refuses
    the whole bibliography over one without). Without authors, ``key`` (the title) sorts and
    labels it, as BibTeX's styles read it."""
    aid, day = _arxiv(paper), _date(paper)
    title = _text(paper.get("title"))
    fields = [Field("title", bib_title(title))]
    names = _names(paper)
    if names:
        fields.append(Field("author", " and ".join(_bib_person(n) for n in names)))
    else:
        fields.append(Field("key", latex(title)))
    if day:
        fields.append(Field("year", str(day[0])))
    if day and len(day) > 1:
        fields.append(Field("month", str(day[1])))
    if aid:
        fields += [Field("eprint", aid), Field("archivePrefix", "arXiv")]
        categories = paper.get("categories") or []
        if categories:
            fields.append(Field("primaryClass", str(categories[0])))
        fields += [Field("doi", _doi(paper) or f"10.48550/arXiv.{aid}"), Field("publisher", "arXiv")]
    elif doi := _doi(paper):
        fields.append(Field("doi", doi))
    if journal := _text(paper.get("journalRef")):
        fields.append(Field("journal", latex(journal)))
    if url := _url(paper):
        fields.append(Field("url", url))
    if abstract := _text(paper.get("summary")):
        fields.append(Field("abstract", latex(abstract)))
    return BibEntry("misc", key, fields)


def _bibtex(papers: Sequence[Mapping[str, Any]]) -> str:
    library = bibtexparser.Library()
    taken: set[str] = set()
    for paper in papers:
        library.add(_bib_entry(paper, _cite_key(paper, taken)))
    return bibtexparser.write_string(library)


def _ris_person(name: str) -> str:
    """"Family, Given"; a name holding "and" as a word as it is (never split in two)."""
    return name if is_literal(name) else ", ".join(p for p in split_name(name) if p)


def _ris_record(paper: Mapping[str, Any]) -> dict[str, Any]:
    """``UNPB`` (unpublished) for an arXiv preprint: pandoc reads it as an unpublished work
    and APA prints "Title. arXiv. https://doi.org/…", where ``JOUR`` made "arXiv preprint
    arXiv:ID" a journal; Zotero reads both as a journal article. ``GEN`` without an arXiv id.
    Maths in the title and abstract becomes Unicode (RIS readers print TeX as it is)."""
    aid, day = _arxiv(paper), _date(paper)
    ref: dict[str, Any] = {"type_of_reference": "UNPB" if aid else "GEN", "id": str(paper.get("id") or "")}
    ref["title"] = plain(_text(paper.get("title")))
    if names := _names(paper):
        ref["authors"] = [_ris_person(n) for n in names]
    if day:
        ref["year"] = str(day[0])
        ref["date"] = "/".join([f"{n:02d}" for n in day] + [""] * (3 - len(day))) + "/"  # 2024/11//
    if abstract := _text(paper.get("summary")):
        ref["abstract"] = plain(abstract)
    if aid or _doi(paper):
        ref["doi"] = _doi(paper) or f"10.48550/arXiv.{aid}"
    if journal := _text(paper.get("journalRef")):
        ref["journal_name"] = journal
    if aid:
        ref["note"] = f"arXiv:{aid}"  # M1, the number (CSL's "number"); pandoc skips it
        ref["publisher"] = "arXiv"
    if url := _url(paper):
        ref["urls"] = [url]
    if categories := [str(c) for c in paper.get("categories") or []]:
        ref["keywords"] = categories
    return ref


def _ris(papers: Sequence[Mapping[str, Any]]) -> str:
    if not papers:
        return ""
    return rispy.dumps([_ris_record(p) for p in papers], implementation=_RisWriter).lstrip("\n")


def _csl_item(paper: Mapping[str, Any]) -> dict[str, Any]:
    """Zotero's shape of an arXiv preprint: ``article`` with ``number: "arXiv:ID"`` and
    ``publisher: "arXiv"``. Maths in the title and abstract becomes Unicode (CSL-JSON is
    text: citeproc prints ``$\\times$`` as it is)."""
    aid, day = _arxiv(paper), _date(paper)
    item: dict[str, Any] = {"id": aid or str(paper.get("id") or ""), "type": "article"}
    item["title"] = plain(_text(paper.get("title")))
    authors = []
    for name in _names(paper):
        family, given = split_name(name)
        if is_literal(name) or not given:
            authors.append({"literal": name if is_literal(name) else family})
        else:
            authors.append({"family": family, "given": given})
    if authors:
        item["author"] = authors
    if day:
        item["issued"] = {"date-parts": [list(day)]}
    if abstract := _text(paper.get("summary")):
        item["abstract"] = plain(abstract)
    if aid:
        item.update(DOI=f"10.48550/arXiv.{aid}", number=f"arXiv:{aid}", publisher="arXiv")
    if doi := _doi(paper):
        item["DOI"] = doi
    if journal := _text(paper.get("journalRef")):
        item["container-title"] = journal
    if url := _url(paper):
        item["URL"] = url
    if categories := [str(c) for c in paper.get("categories") or []]:
        item["keyword"] = ", ".join(categories)
    return item


def _csl_json(papers: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps([_csl_item(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


_WRITERS = {"bibtex": _bibtex, "csl-json": _csl_json, "ris": _ris}


def export(papers: Sequence[Mapping[str, Any]], fmt: str) -> Exported:
    """``papers`` (HF paper dicts, in order) as a ``fmt`` file, one of :data:`FORMATS`.

    >>> export([], "ris").media_type
    'application/x-research-info-systems; charset=utf-8'
    """
    if fmt not in _WRITERS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    return Exported(body=_WRITERS[fmt](papers), media_type=MEDIA_TYPES[fmt], extension=EXTENSIONS[fmt])
