"""How the fuzzers change real inputs: hostile tokens and values, and strategies that mutate
text, JSON structures and Atom documents (used by test_parsers.py and test_roundtrip.py)."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape as xml_escape

from hypothesis import strategies as st

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
