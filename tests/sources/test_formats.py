"""One record per import format (paperboy.papers.formats): every list of formats is derived
from those records, so adding a format is one record and its parser."""

from __future__ import annotations

import importlib

import pytest

from paperboy.papers import formats, record, store
from paperboy.papers.record import ParseError
from paperboy.sources import FORMATS, parser
from paperboy.sources.detect import detect_format


def test_the_derived_lists_say_what_the_hand_written_ones_said():
    assert FORMATS == ("hf-page", "hf-json", "arxiv-atom", "arxiv-jsonl")
    assert store.NEW_SOURCES == {"arxiv-atom", "arxiv-jsonl"}
    assert record.COMPLETE_AUTHOR_SOURCES == {"arxiv-atom", "arxiv-jsonl", "hf-api", "hf-snapshot"}
    assert formats.HELP == "auto (detect), hf-page, hf-json, arxiv-atom or arxiv-jsonl"


@pytest.mark.parametrize("fmt", formats.ALL, ids=lambda f: f.name)
def test_every_format_has_its_parser_and_names_its_own_sources(fmt: formats.Format):
    module = importlib.import_module(fmt.module)
    assert parser(fmt.name) is module.parse
    assert fmt.sources and set(fmt.complete_authors) <= set(fmt.sources)
    if hasattr(module, "SOURCE"):  # the parsers that yield one kind of record name it
        assert module.SOURCE in fmt.sources


def test_a_source_belongs_to_one_format():
    tags = [s for f in formats.ALL for s in f.sources]
    assert len(tags) == len(set(tags))


def test_an_unknown_format_names_the_known_ones():
    with pytest.raises(ParseError, match="known: auto, hf-page, hf-json, arxiv-atom, arxiv-jsonl"):
        parser("bibtex")


def test_an_unrecognised_file_names_every_format_by_its_description():
    with pytest.raises(ParseError) as e:
        detect_format("notes.txt", "# Notes\n\n- buy milk\n")
    assert str(e.value) == ("unrecognised format; expected one of: saved HF Daily Papers page (text), "
                            "HF JSON, arXiv API Atom XML, arXiv JSON Lines")
