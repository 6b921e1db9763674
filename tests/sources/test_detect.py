"""detect: which parser a text needs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperboy.papers.record import ParseError
from paperboy.sources import FORMATS, detect_format, parse

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def read(path: Path) -> str:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return f.read()
    return path.read_text(encoding="utf-8")


REAL = [
    *[(p, "hf-page") for p in sorted((DATA / "hf-papers-pages").glob("*.txt"))],
    *[(p, "hf-json") for p in sorted((DATA / "hf-daily-papers-2024").glob("*.json"))[::20]],
    (DATA / "hf-papers-2024-04-snapshot.json", "hf-json"),
    *[(p, "arxiv-atom") for p in sorted((DATA / "arxiv-api-recorded").glob("*/*"))],
    (DATA / "arxiv-cs-2025-2026.jsonl.gz", "arxiv-jsonl"),
]


@pytest.mark.parametrize(("path", "fmt"), REAL, ids=lambda x: getattr(x, "name", x)[:30])
def test_real_files(path: Path, fmt: str) -> None:
    text = read(path)
    assert detect_format(path.name, text) == fmt
    # A neutral name must not change the verdict: content decides.
    assert detect_format("upload", text) == fmt


def test_real_files_parse_through_auto() -> None:
    result = parse(
        "auto", read(DATA / "hf-daily-papers-2024" / "2024-01-01.json"), "2024-01-01.json"
    )
    assert [p.arxiv_id for p in result.papers][:1] == ["2312.17653"]
    page = DATA / "hf-papers-pages" / "002_a9f9b402150337bc.txt"
    assert len(parse("auto", read(page), page.name).papers) == 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("  \n\t\n", "file is empty"),
        (bytes(range(256)).decode("latin-1"), "looks like binary data"),
        (bytes(range(1, 256)).decode("latin-1") * 4, "looks like binary data"),  # no NUL
        ("\x1f\x8b\x08\x00" + "\x03\x91" * 50, "binary data (gzip"),
        (
            "It was a dark and stormy night; the rain fell in torrents, except at "
            "occasional intervals,\nwhen it was checked by a violent gust of wind.\n",
            "unrecognised format; expected one of",
        ),
        ("# Notes\n\n- buy milk\n- call Bob\n", "unrecognised format"),
        ("<!DOCTYPE html><html><body>papers</body></html>", "HTML page"),
    ],
)
def test_bad_inputs(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(")) as err:
        detect_format("upload", text)
    assert "\n" not in str(err.value)


def test_truncated_json_goes_to_hf_json_which_says_why() -> None:
    text = read(DATA / "hf-daily-papers-2024" / "2024-01-01.json")
    cut = text[: len(text) // 3]
    assert detect_format("2024-01-01.json", cut) == "hf-json"
    with pytest.raises(ParseError, match="^not valid JSON: "):
        parse("auto", cut, "2024-01-01.json")
    one_line = json.dumps(json.loads(text))
    assert detect_format("x.json", one_line[:500]) == "hf-json"


def test_json_lines_versus_documents() -> None:
    rec = {"id": "2501.00001", "title": "T", "abstract": "A"}
    line = json.dumps(rec)
    assert detect_format("x", line + "\n" + line + "\n") == "arxiv-jsonl"
    assert detect_format("x", "{oops\n" + line + "\n" + line) == "arxiv-jsonl"  # bad first line
    assert detect_format("x", line) == "arxiv-jsonl"  # a one-line JSON Lines file
    assert detect_format("x", json.dumps(rec, indent=2)) == "hf-json"  # pretty-printed: not JSONL
    assert detect_format("x.jsonl", json.dumps({"id": "1", "title": "t"})) == "arxiv-jsonl"
    assert detect_format("x", json.dumps([rec, rec], indent=2)) == "hf-json"
    api_paper = {"id": "2501.00001", "title": "T", "summary": "S"}
    assert detect_format("x.json", json.dumps(api_paper)) == "hf-json"
    recording = {"url": "u", "status_code": 200, "body": "<feed/>"}
    assert detect_format("x.json", json.dumps(recording, indent=2)) == "arxiv-atom"


def test_xml_and_bom() -> None:
    assert detect_format("x", "\ufeff<?xml version='1.0'?><feed/>") == "arxiv-atom"
    assert detect_format("x", "  \n<feed xmlns='http://www.w3.org/2005/Atom'/>") == "arxiv-atom"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_only_parse_errors(text: str) -> None:
    try:
        fmt = detect_format("fuzz", text)
    except ParseError as e:
        assert "\n" not in str(e)
        return
    assert fmt in FORMATS
    try:
        result = parse(fmt, text, "fuzz")
    except ParseError:
        return
    assert all(p.title.strip() for p in result.papers)
