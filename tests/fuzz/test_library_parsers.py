"""Library parser fuzzing: mutated real library files (BibTeX, CSL-JSON, RIS) and arbitrary
text. Each parser never raises, always returns :class:`Parsed`, names every rejection, and
every entry it accepts can be stored (clean text within the limits, safe links). And any
title exported in any format reads back as the same title."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperboy.library import bibtex, csljson, ris
from paperboy.library.entry import Entry, Parsed
from paperboy.library.export import FORMATS, export
from paperboy.papers import limits
from paperboy.papers.record import clean_text, normalise_title
from tests.fuzz.mutations import mutated, mutated_json

EXAMPLES = int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=1),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DATA = Path(__file__).resolve().parents[1] / "library" / "data"
BIB = [(DATA / "zotero.bib").read_text()]
CSL = [json.loads((DATA / "zotero.json").read_text())]
RIS = [(DATA / "library.ris").read_text()]


def _storable(e: Entry) -> None:
    assert e.title.strip() and e.title_key and len(e.title) <= limits.TITLE_MAX
    assert len(e.abstract) <= limits.SUMMARY_MAX
    for t in (e.title, e.abstract, *e.authors, e.doi or "", e.cite_key or "", e.arxiv_id or ""):
        assert limits.forbidden(t) is None and limits.strip_control(t) == t, repr(t[:80])
    assert e.url is None or limits.safe_url(e.url) == e.url
    assert e.year is None or 1900 <= e.year <= 2099


def _check(parsed: Parsed, fmt: str) -> None:
    assert isinstance(parsed, Parsed) and parsed.format == fmt
    for e in parsed.entries:
        _storable(e)
    for r in parsed.rejected:
        assert r.where and r.reason


@FUZZ
@given(mutated(BIB))
def test_bibtex(text):
    _check(bibtex.parse(text), "bibtex")


@FUZZ
@given(mutated_json(CSL) | mutated([json.dumps(CSL[0], indent=1)]))
def test_csl_json(text):
    _check(csljson.parse(text), "csl-json")


@FUZZ
@given(mutated(RIS))
def test_ris(text):
    _check(ris.parse(text), "ris")


@FUZZ
@given(st.text(max_size=500))
def test_any_text(text):
    _check(bibtex.parse(text), "bibtex")
    _check(csljson.parse(text), "csl-json")
    _check(ris.parse(text), "ris")


_TITLES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).map(
    clean_text).filter(lambda t: normalise_title(t) != "")
_PARSERS = {"bibtex": bibtex.parse, "csl-json": csljson.parse, "ris": ris.parse}


@FUZZ
@given(st.lists(_TITLES, min_size=1, max_size=3), st.sampled_from(FORMATS))
def test_exports_read_back(titles, fmt):
    """Any title exported (LaTeX's special characters, math, accents, CJK) reads back as the
    same title for matching."""
    papers = [{"id": f"t-{i}", "title": t, "summary": t, "authors": [{"name": t[:20]}]}
              for i, t in enumerate(titles)]
    parsed = _PARSERS[fmt](export(papers, fmt).body)
    assert [normalise_title(e.title) for e in parsed.entries] == [normalise_title(t) for t in titles]
