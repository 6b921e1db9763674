"""Parser fuzzing: mutated real files (issue 10, acceptance 2).

For every parser: no exception but the documented :class:`ParseError`, no parse over one
second, and every record it accepts obeys the storage rules (so it can be stored, indexed
and written into a feed; test_roundtrip.py proves that against the real database).

``make test`` runs a few hundred inputs per parser; ``make fuzz`` sets PAPERBOY_FUZZ_EXAMPLES
(10,000 by default there) and prints hypothesis' statistics.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from xml.sax.saxutils import escape as xml_escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperboy.papers import limits
from paperboy.papers.record import Paper, ParseError
from paperboy.sources import ParseResult, detect_format, parse
from tests.fuzz.seeds import seeds, structured

EXAMPLES = int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=1), derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# What hostile and unlucky files hold, in text form and as JSON values.
TOKENS = ["\x00", "\ud800", "\udfff", "\x01", "\x1f", "\x7f", "\ufffe", "\u2028", "\ufeff", "\t",
          "\n", "\r\n", "\n\n", "<", ">", "&", "&amp;", "]]>", "<!--", '"', "'", "\\", "\\u0000",
          "\\ud800", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "2147483648",
          "99999999999999999999", "1e999", "NaN", "-0", "javascript:alert(1)", " JaVaScRiPt:x",
          "java\tscript:x", "0001-01-01", "9999-12-31", "1000-01-01", "2024-02-30",
          "Jan 1, 1000", "Dec 31, 9999", "Feb 30", "  • 99999999999 authors", "·", "v99999999999",
          "2401.00001v99999999999", "astro-ph/0601001", "<entry>", "</entry>", "<title>",
          "</feed>", "<?xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]>', "&a;", "Daily Papers",
          "byAK and the research community", "x" * 5000]
HOSTILE_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 2**31, -(2**31) - 1, 10**30, 1.5, float("nan"), "",
                     "0001-01-01T00:00:00Z", "9999-12-31", "javascript:alert(1)", " JaVaScRiPt:x",
                     "java\tscript:x", "https://github.com/a/b", "x" * 20_000, "\x00", "a\ud800b",
                     "Title\x01 with control", [], {}, ["a", 1, None], {"name": "\x00"}]),
    st.text(max_size=30),
    st.integers(),
)


@st.composite
def mutated(draw, texts: list[str]) -> str:
    """A seed text with a few insertions, deletions, duplications or truncations."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 6))):
        n = len(text)
        at = draw(st.integers(0, n))
        op = draw(st.sampled_from(["insert", "insert", "delete", "duplicate", "truncate", "char"]))
        if op == "insert":
            token = draw(st.sampled_from(TOKENS) | st.text(max_size=8))
            text = text[:at] + token + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)):]
        elif op == "duplicate":
            end = min(n, at + draw(st.integers(1, 2000)))
            text = text[:end] + text[at:end] + text[end:]
        elif op == "truncate":
            text = text[:at]
        else:
            text = text[:at] + draw(st.characters()) + text[at + 1:]
    return text


def _set_path(value, path: list[int], new):
    """``value`` with the node reached by following ``path`` (indexes into each level's
    children) replaced by ``new``."""
    if not path or not isinstance(value, dict | list) or not value:
        return new
    if isinstance(value, dict):
        keys = list(value)
        k = keys[path[0] % len(keys)]
        return {**value, k: _set_path(value[k], path[1:], new)}
    i = path[0] % len(value)
    return value[:i] + [_set_path(value[i], path[1:], new)] + value[i + 1:]


@st.composite
def mutated_json(draw, docs: list, lines: bool = False) -> str:
    """A real JSON document with a few values deep inside replaced by hostile ones."""
    doc = draw(st.sampled_from(docs))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.lists(st.integers(0, 50), min_size=1, max_size=4))
        doc = _set_path(doc, path, draw(HOSTILE_VALUES))
    if lines:
        return "\n".join(json.dumps(d) for d in (doc if isinstance(doc, list) else [doc]))
    return json.dumps(doc)


_XML_TEXT = re.compile(r'>([^<>]*)</|href="([^"]*)"')


@st.composite
def mutated_atom(draw, texts: list[str]) -> str:
    """A real Atom document with a few element texts or links replaced by hostile values
    (escaped, so the document stays well-formed unless the value cannot be XML at all)."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        spots = list(_XML_TEXT.finditer(text))
        m = spots[draw(st.integers(0, len(spots) - 1))]
        group = 1 if m.group(1) is not None else 2
        value = draw(HOSTILE_VALUES | st.sampled_from(TOKENS))
        new = xml_escape(str(value), {'"': "&quot;"})
        text = text[:m.start(group)] + new + text[m.end(group):]
    return text


def _obeys_the_rules(p: Paper) -> None:
    texts = [p.title, p.summary, p.comment or "", *p.authors, *p.categories]
    assert p.title.strip() and len(p.title) <= limits.TITLE_MAX
    assert len(p.summary) <= limits.SUMMARY_MAX
    for t in texts:
        assert limits.forbidden(t) is None and limits.strip_control(t) == t, repr(t[:80])
    for d in (p.published_at, p.updated_at, p.listed_on):
        assert limits.plausible_date(d)
    for n in (p.upvotes, p.num_authors, p.version):
        assert limits.count_ok(n)
    for url in (p.github_repo, p.project_page, p.pdf_url):
        assert url is None or limits.safe_url(url) == url
    json.dumps(p.extra, allow_nan=False)  # JSONB takes it


def _parse(fmt: str, text: str) -> ParseResult | None:
    try:
        result = parse(fmt, text, "fuzz.txt", date(2025, 10, 17))
    except ParseError:
        return None
    for p in result.papers:
        _obeys_the_rules(p)
    for r in result.rejected:
        assert r.where and r.reason
    return result


@FUZZ
@given(mutated(seeds()["hf-page"]))
def test_hf_page(text):
    _parse("hf-page", text)


@FUZZ
@given(st.one_of(mutated(seeds()["hf-json"]), mutated_json(structured()["hf-json"])))
def test_hf_json(text):
    _parse("hf-json", text)


@FUZZ
@given(st.one_of(mutated(seeds()["arxiv-atom"]), mutated_atom(seeds()["arxiv-atom"])))
def test_arxiv_atom(text):
    _parse("arxiv-atom", text)


@FUZZ
@given(st.one_of(mutated(seeds()["arxiv-jsonl"]),
                 mutated_json(structured()["arxiv-jsonl"], lines=True)))
def test_arxiv_jsonl(text):
    _parse("arxiv-jsonl", text)


@FUZZ
@given(st.one_of(*(mutated(texts) for texts in seeds().values())))
def test_detect_then_parse(text):
    """What `paperboy import` does with an unknown file: detect, then parse."""
    try:
        fmt = detect_format("fuzz.txt", text)
    except ParseError:
        return
    _parse(fmt, text)
